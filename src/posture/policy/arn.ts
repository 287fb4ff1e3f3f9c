// ARN matching as IAM does it: segment by segment (partition, service, region, account, resource), wildcards kept inside their segment.

import { globMatches } from './wildcard.ts';

/** The six colon-separated parts of an ARN; the resource part keeps any further colons. */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

/** Splits `arn:partition:service:region:account:resource`; null when the text has not the six parts. */
export function parseArn(text: string): ArnParts | null {
  const parts = splitSegments(text, 6);
  if (parts.length !== 6 || parts[0] !== 'arn') return null;
  const [, partition = '', service = '', region = '', account = '', resource = ''] = parts;
  return { partition, service, region, account, resource };
}

/** Splits on the first `max - 1` colons: the last piece keeps the rest, colons and all. */
function splitSegments(text: string, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (out.length < max - 1) {
    const colon = text.indexOf(':', start);
    if (colon < 0) break;
    out.push(text.slice(start, colon));
    start = colon + 1;
  }
  out.push(text.slice(start));
  return out;
}

/**
 * True when the policy's ARN pattern names `value`, the resource of a request (an ARN, or `*` for an action
 * that has no resource type). As the IAM User Guide's Resource element page says, `*` and `?` work inside
 * each colon-separated segment: the `*` in `arn:aws:iam::*:user/bob` stands for an account, never for
 * `123456789012:mfa/x`. In the resource segment `*` also spans `/` (`bucket/*` names every object). A `*`
 * that ends a pattern cut short (`arn:aws:iam::*`, `arn:*`) expands past the colons to the end, which is the
 * one case where the guide lets a wildcard cross a segment boundary. A pattern that is not an ARN (`*`,
 * `*-prod`) is compared with the whole value. Comparison is case-sensitive, as IAM's is for resources.
 */
export function arnMatches(pattern: string, value: string): boolean {
  if (/^\*+$/.test(pattern)) return true;
  const valueParts = splitSegments(value, 6);
  if (valueParts.length !== 6 || valueParts[0] !== 'arn') return globMatches(pattern, value);
  const patternParts = splitSegments(pattern, 6);
  if (patternParts.length < 2) return globMatches(pattern, value);
  for (const [i, piece] of patternParts.entries()) {
    const isLastOfShortPattern = i === patternParts.length - 1 && patternParts.length < 6;
    if (isLastOfShortPattern) {
      if (!piece.endsWith('*')) return false;
      return globMatches(piece, valueParts.slice(i).join(':'));
    }
    if (!globMatches(piece, valueParts[i] ?? '')) return false;
  }
  return true;
}
