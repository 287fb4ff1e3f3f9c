// IAM's `*` / `?` glob patterns matched against one value (actions, condition values, one ARN segment).

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
