// Stable finding ids across runs, and the first-seen times carried over from a previous export.

import { createHash } from 'node:crypto';
import type { Finding, InputIssue } from '../../model/index.ts';

/**
 * The same check on the same resource of the same account gets the same id in every run, whatever its
 * status, so Security Hub and OCSF pipelines update one finding instead of piling up new ones. The resource
 * part is hashed: user names are attacker-reachable text and ids have length limits.
 */
export function findingUid(f: Finding): string {
  const resource = `${f.resource.type}|${f.resource.arn ?? f.resource.name}`;
  const hash = createHash('sha256').update(resource).digest('hex').slice(0, 20);
  return `mfaguard/${f.resource.account ?? 'unknown-account'}/${f.checkId}/${hash}`;
}

/** Finding uid -> when it was first seen (ISO 8601), as earlier exports recorded it. */
export type FirstSeen = ReadonlyMap<string, string>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function earliest(into: Map<string, string>, uid: unknown, when: unknown): void {
  if (typeof uid !== 'string') return;
  const ms = typeof when === 'number' ? when : typeof when === 'string' ? Date.parse(when) : Number.NaN;
  if (!Number.isFinite(ms)) return;
  const iso = new Date(ms).toISOString();
  const known = into.get(uid);
  if (known === undefined || iso < known) into.set(uid, iso);
}

/**
 * Reads first-seen times from an earlier mfaguard export: ASFF (`{Findings: [...]}`, the uid in
 * `ProductFields['mfaguard/FindingUid']`, the time in `FirstObservedAt` or `CreatedAt`) or OCSF (an array of
 * events, `finding_info.uid` and `first_seen_time` or `created_time`). Anything else is an issue, not a stop.
 */
export function readFirstSeen(text: string, location: string, into: Map<string, string>): InputIssue[] {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    return [
      {
        level: 'warning',
        code: 'previous-output-unreadable',
        location,
        message: `not JSON (${(error as Error).message}); first-seen times from it are not used`,
      },
    ];
  }
  if (isRecord(value) && Array.isArray(value['Findings'])) {
    for (const f of value['Findings']) {
      if (!isRecord(f)) continue;
      const fields = isRecord(f['ProductFields']) ? f['ProductFields'] : {};
      earliest(into, fields['mfaguard/FindingUid'], f['FirstObservedAt'] ?? f['CreatedAt']);
    }
    return [];
  }
  if (Array.isArray(value)) {
    for (const event of value) {
      if (!isRecord(event) || !isRecord(event['finding_info'])) continue;
      const info = event['finding_info'];
      earliest(into, info['uid'], info['first_seen_time'] ?? info['created_time']);
    }
    return [];
  }
  return [
    {
      level: 'warning',
      code: 'previous-output-unreadable',
      location,
      message:
        'neither an ASFF {Findings: [...]} body nor an OCSF array of events; first-seen times from it are not used',
    },
  ];
}

/** When the finding was first seen: from an earlier export, else now. */
export function firstSeenOf(f: Finding, firstSeen: FirstSeen | undefined, now: string): string {
  const known = firstSeen?.get(findingUid(f));
  return known !== undefined && known < now ? known : now;
}
