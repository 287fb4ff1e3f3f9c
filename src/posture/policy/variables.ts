// Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`) resolved against what we know of a request.

import type { ContextKeys } from './types.ts';

export type Resolved =
  | { readonly kind: 'value'; readonly text: string }
  /** A variable's key is absent from the request and has no default: IAM then treats the element as not matching. */
  | { readonly kind: 'absent'; readonly variable: string }
  /** We cannot know the key's value (it is not modelled), so whatever uses the text is undecidable. */
  | { readonly kind: 'unknown'; readonly variable: string };

const VARIABLE = /\$\{([^}]*)\}/g;

/** True when the text holds a `${...}` policy variable. */
export function hasVariables(text: string): boolean {
  return /\$\{[^}]*\}/.test(text);
}

/**
 * Substitutes every variable in `text`. `substitute` is false for 2008-10-17 policies, where `${...}` is
 * plain text. `${*}`, `${?}` and `${$}` stand for the characters themselves; a `${*}` therefore still acts
 * as a wildcard here — rare enough in MFA policies not to matter, and noted rather than hidden.
 */
export function resolveVariables(text: string, keys: ContextKeys, substitute: boolean): Resolved {
  if (!substitute || !text.includes('${')) return { kind: 'value', text };
  let outcome: Resolved | null = null;
  const out = text.replace(VARIABLE, (whole, inner: string) => {
    if (outcome !== null) return whole;
    const trimmed = inner.trim();
    if (trimmed === '*' || trimmed === '?' || trimmed === '$') return trimmed;
    const comma = trimmed.indexOf(',');
    const name = (comma >= 0 ? trimmed.slice(0, comma) : trimmed).trim();
    let fallback: string | null = null;
    if (comma >= 0) {
      const quoted = /^'(.*)'$/.exec(trimmed.slice(comma + 1).trim());
      fallback = quoted?.[1] ?? null;
    }
    const lower = name.toLowerCase();
    if (!keys.has(lower)) {
      outcome = { kind: 'unknown', variable: name };
      return whole;
    }
    const values = keys.get(lower);
    if (values === null || values === undefined || values.length === 0) {
      if (fallback !== null) return fallback;
      outcome = { kind: 'absent', variable: name };
      return whole;
    }
    if (values.length > 1) {
      // Multi-valued keys cannot be used as variables; IAM would not match, but say we cannot tell.
      outcome = { kind: 'unknown', variable: name };
      return whole;
    }
    return values[0] ?? '';
  });
  return outcome ?? { kind: 'value', text: out };
}
