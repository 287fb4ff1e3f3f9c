// Value pins: the literal pieces a field must hold for a rule to fire, derived at load time for the byte prefilter.

import type { ValuePin } from '../model/index.ts';

/** The JSON key a dotted field path ends in; the prefilter searches for keys ending so, which covers dotted keys. */
export function fieldKey(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot === -1 ? path : path.slice(dot + 1);
}

/**
 * A pin on `path` holding one of `fragments`, lower-cased; null when it would not narrow anything (no fragment, an
 * empty one) or could not be judged on bytes (a fragment past ASCII: folding bytes is not folding characters).
 */
export function valuePin(path: string, fragments: Iterable<string>): ValuePin | null {
  const key = fieldKey(path);
  if (key === '' || !isPlainAscii(key)) return null;
  const folded = new Set<string>();
  for (const fragment of fragments) {
    if (fragment === '' || !isPlainAscii(fragment)) return null;
    folded.add(fragment.toLowerCase());
  }
  return folded.size === 0 ? null : { key, fragments: folded };
}

/** No control characters, quotes or backslashes either: those are escaped in JSON and never appear as written. */
function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code >= 0x7f || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

/** For "all of these hold": any one list is enough; the most selective (longest shortest fragment) is kept. */
export function pinsForAll(lists: readonly (readonly ValuePin[] | null)[]): readonly ValuePin[] | null {
  let best: readonly ValuePin[] | null = null;
  for (const list of lists) {
    if (list === null || list.length === 0) continue;
    if (best === null || selectivity(list) > selectivity(best)) best = list;
  }
  return best;
}

/** For "one of these holds": every alternative must be pinned, and the record matters when any pin holds. */
export function pinsForAny(lists: readonly (readonly ValuePin[] | null)[]): readonly ValuePin[] | null {
  if (lists.length === 0) return null;
  const out: ValuePin[] = [];
  for (const list of lists) {
    if (list === null || list.length === 0) return null;
    out.push(...list);
  }
  return out;
}

/** The length of the shortest fragment: a longer literal is rarer in the bytes. */
function selectivity(list: readonly ValuePin[]): number {
  let shortest = Infinity;
  for (const pin of list)
    for (const fragment of pin.fragments) shortest = Math.min(shortest, fragment.length);
  return shortest;
}

/** The longest literal run of a value written with `*`/`?` wildcards, given as its literal parts. */
export function longestPart(parts: readonly string[]): string | null {
  let longest: string | null = null;
  for (const part of parts)
    if (part !== '' && (longest === null || part.length > longest.length)) longest = part;
  return longest;
}

/**
 * The longest run of literal characters every match of a regular expression (as a search) must contain, or null
 * when the pattern has alternation, groups or classes (not worth a parser: such patterns then pin nothing, which is
 * sound). An atom followed by `?`, `*` or `{` may be absent, so it leaves the run; `+` keeps it but ends the run.
 */
export function regexLiteral(pattern: string): string | null {
  if (/[|()[\]]/.test(pattern)) return null;
  const runs: string[] = [];
  let run = '';
  const end = (): void => {
    if (run !== '') runs.push(run);
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    let literal: string | null = null;
    if (c === '\\') {
      const next = pattern[i + 1];
      i++;
      // `\d`, `\w`, `\b`, `\x41`, `\u0041`… are classes or codes, not the letter itself.
      if (next !== undefined && !/[0-9A-Za-z]/.test(next)) literal = next;
    } else if (!'.^$*+?{}'.includes(c)) literal = c;
    const quantifier = pattern[i + 1];
    if (literal === null) {
      end();
      if (quantifier !== undefined && '*+?{'.includes(quantifier)) i = skipQuantifier(pattern, i + 1);
      continue;
    }
    if (quantifier === '?' || quantifier === '*' || quantifier === '{') {
      end();
      i = skipQuantifier(pattern, i + 1);
      continue;
    }
    run += literal;
    if (quantifier === '+') {
      end();
      i = skipQuantifier(pattern, i + 1);
    }
  }
  end();
  return longestPart(runs);
}

/** Past a quantifier starting at `at` (`*`, `+`, `?`, `{m,n}`, each maybe lazy): the index of its last character. */
function skipQuantifier(pattern: string, at: number): number {
  let i = at;
  if (pattern[i] === '{') {
    const close = pattern.indexOf('}', i);
    i = close === -1 ? pattern.length - 1 : close;
  }
  if (pattern[i + 1] === '?' || pattern[i + 1] === '+') i++;
  return i;
}
