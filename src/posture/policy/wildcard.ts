// IAM's `*` / `?` glob patterns: matching a value, and comparing two patterns (covers all of / overlaps with).

/** True when `value` matches `pattern`, where `*` is any run of characters and `?` exactly one. */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  // Iterative two-pointer match with backtracking to the last star: linear-ish, no regex (patterns are untrusted).
  let pi = 0;
  let vi = 0;
  let starP = -1;
  let starV = 0;
  while (vi < v.length) {
    const pc = p[pi];
    if (pc !== undefined && (pc === '?' || pc === v[vi]) && pc !== '*') {
      pi += 1;
      vi += 1;
    } else if (pc === '*') {
      starP = pi;
      starV = vi;
      pi += 1;
    } else if (starP >= 0) {
      pi = starP + 1;
      starV += 1;
      vi = starV;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi += 1;
  return pi === p.length;
}

/**
 * True when every string `scope` can stand for is matched by `pattern` (pattern ⊇ scope).
 * Sound but not complete: a `*` in the scope can only be absorbed by a `*` in the pattern, so a "yes" is
 * always right and a "no" may occasionally be too cautious — the safe direction for deciding that a Deny covers.
 */
export function globCovers(pattern: string, scope: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const s = ignoreCase ? scope.toLowerCase() : scope;
  const memo = new Map<number, boolean>();
  const width = s.length + 1;
  const go = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === p.length) {
      result = j === s.length;
    } else if (p[i] === '*') {
      result = go(i + 1, j) || (j < s.length && go(i, j + 1));
    } else if (j === s.length || s[j] === '*') {
      result = false;
    } else if (p[i] === '?') {
      result = go(i + 1, j + 1);
    } else {
      result = s[j] !== '?' && p[i] === s[j] && go(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** True when some string is matched by both patterns (their languages intersect). */
export function globOverlaps(a: string, b: string, ignoreCase = false): boolean {
  const x = ignoreCase ? a.toLowerCase() : a;
  const y = ignoreCase ? b.toLowerCase() : b;
  const memo = new Map<number, boolean>();
  const width = y.length + 1;
  const go = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === x.length && j === y.length) {
      result = true;
    } else if (x[i] === '*') {
      result = go(i + 1, j) || (j < y.length && go(i, j + 1));
    } else if (y[j] === '*') {
      result = go(i, j + 1) || (i < x.length && go(i + 1, j));
    } else if (i === x.length || j === y.length) {
      result = false;
    } else {
      result = (x[i] === '?' || y[j] === '?' || x[i] === y[j]) && go(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}
