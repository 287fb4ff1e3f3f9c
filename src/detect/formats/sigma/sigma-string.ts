// Sigma string values: escapes, the `*` and `?` wildcards, and their compilation to fast matchers.

/** A Sigma string after escape processing: literal chunks and wildcard tokens, in order. */
export type SigmaPart = string | { readonly wildcard: '*' | '?' };
export type SigmaString = readonly SigmaPart[];

const ANY: { readonly wildcard: '*' } = { wildcard: '*' };
const ONE: { readonly wildcard: '?' } = { wildcard: '?' };

/**
 * Reads a rule value as the spec says: `\*`, `\?` and `\\` are escapes; any other backslash is literal;
 * unescaped `*` and `?` are wildcards.
 */
export function parseSigmaString(text: string): SigmaString {
  const parts: SigmaPart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        literal += next;
        i++;
      } else {
        literal += '\\';
      }
    } else if (c === '*' || c === '?') {
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(c === '*' ? ANY : ONE);
    } else {
      literal += c;
    }
  }
  if (literal !== '') parts.push(literal);
  return parts;
}

/** A plain string with no wildcards (after `windash`, `base64` and friends produce text). */
export function literalSigmaString(text: string): SigmaString {
  return text === '' ? [] : [text];
}

export function hasWildcards(value: SigmaString): boolean {
  return value.some((p) => typeof p !== 'string');
}

/** The literal text of a wildcard-free value. */
export function plainText(value: SigmaString): string {
  return value.map((p) => (typeof p === 'string' ? p : p.wildcard)).join('');
}

/** `contains` / `startswith` / `endswith`: wrap in `*` unless already there. */
export function wrapWildcards(value: SigmaString, before: boolean, after: boolean): SigmaString {
  const out = [...value];
  if (before && !isAny(out[0])) out.unshift(ANY);
  if (after && !isAny(out[out.length - 1])) out.push(ANY);
  return out;
}

function isAny(part: SigmaPart | undefined): boolean {
  return part !== undefined && typeof part !== 'string' && part.wildcard === '*';
}

/** Turns a compiled value into text a reader recognises (for summaries and warnings). */
export function showSigmaString(value: SigmaString): string {
  return value
    .map((p) => (typeof p === 'string' ? p.replace(/[\\*?]/g, (m) => `\\${m}`) : p.wildcard))
    .join('');
}

export type StringMatcher = (text: string) => boolean;

/**
 * Compiles a value to a predicate over text. Plain Sigma strings match case-insensitively; `cased` makes
 * them sensitive. The common shapes (exact, prefix, suffix, substring) avoid regular expressions.
 */
export function compileSigmaString(value: SigmaString, cased: boolean): StringMatcher {
  // Runs of `*` collapse to one; they mean the same.
  const parts: SigmaPart[] = [];
  for (const p of value) {
    if (isAny(p) && isAny(parts[parts.length - 1])) continue;
    parts.push(p);
  }
  const fold = cased ? (s: string) => s : (s: string) => s.toLowerCase();
  const wild = parts.filter((p) => typeof p !== 'string');
  const onlyStars = wild.every((p) => p.wildcard === '*');
  if (parts.length === 0) return (text) => text === '';
  if (onlyStars) {
    const literals = parts.filter((p): p is string => typeof p === 'string');
    if (literals.length === 0) return () => true;
    if (literals.length === 1) {
      const lit = fold(literals[0] as string);
      const starBefore = isAny(parts[0]);
      const starAfter = isAny(parts[parts.length - 1]);
      if (!starBefore && !starAfter) return (text) => fold(text) === lit;
      if (!starBefore) return (text) => fold(text).startsWith(lit);
      if (!starAfter) return (text) => fold(text).endsWith(lit);
      return (text) => fold(text).includes(lit);
    }
  }
  const source = parts
    .map((p) => (typeof p === 'string' ? escapeRegExp(p) : p.wildcard === '*' ? '[\\s\\S]*' : '[\\s\\S]'))
    .join('');
  const re = new RegExp(`^${source}$`, cased ? 'u' : 'iu');
  return (text) => re.test(text);
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
