// Correlation of MFA removals with what came before and after: re-enrolment, bursts, precursors, follow-ups. Pure.

import type { CloudTrailEvent } from '../../model/index.ts';

export interface CorrelationWindows {
  readonly graceWindowMs: number;
  readonly burstCount: number;
  readonly burstWindowMs: number;
  readonly precursorWindowMs: number;
  readonly followUpWindowMs: number;
}

/** The identity an IAM call was about: the named user, or the caller itself when the call names nobody. */
export function targetUserName(event: CloudTrailEvent): string | null {
  if (event.target.userName !== null) return event.target.userName;
  if (event.actor.type === 'Root') return 'root';
  return event.actor.type === 'IAMUser' ? event.actor.userName : null;
}

export function targetKey(event: CloudTrailEvent): string | null {
  const user = targetUserName(event);
  return user === null ? null : `${event.account ?? ''}/${user}`;
}

function actorId(event: CloudTrailEvent): string | null {
  return event.actor.arn ?? event.actor.principalId ?? event.actor.userName;
}

export type RelatedKind =
  | 'reconnaissance'
  | 'failed-attempt'
  | 'device-deleted'
  | 'credential-created'
  | 'password-changed'
  | 'privilege-granted'
  | 'sign-in-without-mfa'
  | 'device-created'
  | 'device-enabled';

export interface RelatedFinding {
  readonly kind: RelatedKind;
  readonly when: 'before' | 'after';
  readonly event: CloudTrailEvent;
}

export interface ReEnrolment {
  /** EnableMFADevice for the same user within the grace window. */
  readonly enable: CloudTrailEvent;
  /** CreateVirtualMFADevice that preceded it, when seen. */
  readonly create: CloudTrailEvent | null;
}

export interface Burst {
  readonly actor: string;
  readonly removals: readonly CloudTrailEvent[];
  readonly targets: readonly string[];
  readonly windowSeconds: number;
}

export interface RemovalCorrelation {
  readonly removal: CloudTrailEvent;
  readonly target: string | null;
  readonly reEnrolment: ReEnrolment | null;
  /** True when the data reaches past the end of the grace window, so "no re-enrolment" is a fact, not a gap. */
  readonly graceCovered: boolean;
  readonly related: readonly RelatedFinding[];
  readonly burst: Burst | null;
}

const RECON = new Set([
  'GetAccountAuthorizationDetails',
  'GetCallerIdentity',
  'GetSessionToken',
  'ListAccessKeys',
  'ListMFADevices',
  'ListUsers',
  'ListVirtualMFADevices',
]);
const CREDENTIAL = new Set(['CreateAccessKey', 'CreateLoginProfile']);
const PRIVILEGE = new Set(['AddUserToGroup', 'AttachUserPolicy', 'PutUserPolicy']);

export function isMfaRemoval(event: CloudTrailEvent): boolean {
  return (
    event.name === 'DeactivateMFADevice' &&
    event.source === 'iam.amazonaws.com' &&
    event.outcome === 'success'
  );
}

function byTime(a: CloudTrailEvent, b: CloudTrailEvent): number {
  return a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * Correlates every successful MFA removal in `events` with the events around it.
 * The result depends only on the set of events (not their order of arrival): everything is sorted first,
 * and each event lands in at most one burst, so an event on a window edge counts once.
 * `coverageEndMs` is the time of the last event the data holds (for a scan: the newest event read).
 */
export function correlateRemovals(
  events: readonly CloudTrailEvent[],
  windows: CorrelationWindows,
  coverageEndMs: number,
): RemovalCorrelation[] {
  const unique = new Map<string, CloudTrailEvent>();
  for (const event of events) if (!unique.has(event.id)) unique.set(event.id, event);
  const sorted = [...unique.values()].sort(byTime);

  const byTarget = new Map<string, CloudTrailEvent[]>();
  const byActor = new Map<string, CloudTrailEvent[]>();
  for (const event of sorted) {
    const target = targetKey(event);
    if (target !== null) pushTo(byTarget, target, event);
    const actor = actorId(event);
    if (actor !== null) pushTo(byActor, actor, event);
  }

  const removals = sorted.filter(isMfaRemoval);
  const bursts = findBursts(removals, windows);

  return removals.map((removal) => {
    const target = targetKey(removal);
    const actor = actorId(removal);
    const targetEvents = target === null ? [] : (byTarget.get(target) ?? []);
    const actorEvents = actor === null ? [] : (byActor.get(actor) ?? []);
    const graceEnd = removal.timeMs + windows.graceWindowMs;
    const reEnrolment = findReEnrolment(removal, targetEvents, graceEnd);
    const related = collectRelated(removal, targetEvents, actorEvents, windows, reEnrolment);
    return {
      removal,
      target,
      reEnrolment,
      graceCovered: coverageEndMs >= graceEnd,
      related,
      burst: bursts.get(removal.id) ?? null,
    };
  });
}

function findReEnrolment(
  removal: CloudTrailEvent,
  targetEvents: readonly CloudTrailEvent[],
  graceEnd: number,
): ReEnrolment | null {
  let create: CloudTrailEvent | null = null;
  for (const event of targetEvents) {
    if (event.timeMs < removal.timeMs || (event.timeMs === removal.timeMs && byTime(event, removal) <= 0))
      continue;
    if (event.timeMs > graceEnd) break;
    if (event.outcome !== 'success') continue;
    if (event.name === 'CreateVirtualMFADevice' && create === null) create = event;
    if (event.name === 'EnableMFADevice') return { enable: event, create };
  }
  return null;
}

function classifyRelated(
  event: CloudTrailEvent,
  removal: CloudTrailEvent,
  sameTarget: boolean,
): RelatedKind | null {
  if (event.id === removal.id) return null;
  if (event.name === 'DeactivateMFADevice' && event.outcome === 'failure') return 'failed-attempt';
  if (event.outcome !== 'success') return null;
  if (RECON.has(event.name)) return 'reconnaissance';
  if (!sameTarget) return null;
  if (event.name === 'DeleteVirtualMFADevice') return 'device-deleted';
  if (CREDENTIAL.has(event.name)) return 'credential-created';
  if (event.name === 'UpdateLoginProfile') return 'password-changed';
  if (PRIVILEGE.has(event.name)) return 'privilege-granted';
  if (event.name === 'ConsoleLogin' && event.mfaUsed === false) return 'sign-in-without-mfa';
  if (event.name === 'CreateVirtualMFADevice') return 'device-created';
  if (event.name === 'EnableMFADevice') return 'device-enabled';
  return null;
}

function collectRelated(
  removal: CloudTrailEvent,
  targetEvents: readonly CloudTrailEvent[],
  actorEvents: readonly CloudTrailEvent[],
  windows: CorrelationWindows,
  reEnrolment: ReEnrolment | null,
): RelatedFinding[] {
  const from = removal.timeMs - windows.precursorWindowMs;
  const to = removal.timeMs + Math.max(windows.followUpWindowMs, windows.graceWindowMs);
  const found = new Map<string, RelatedFinding>();
  const consider = (event: CloudTrailEvent, sameTarget: boolean): void => {
    if (event.timeMs < from || event.timeMs > to || found.has(event.id)) return;
    const when = byTime(event, removal) < 0 ? 'before' : 'after';
    const kind = classifyRelated(event, removal, sameTarget);
    if (kind === null) return;
    // Reconnaissance matters before the removal; after it, only the steps that keep or widen access.
    if (kind === 'reconnaissance' && when === 'after') return;
    if (kind === 'failed-attempt' && when === 'after') return;
    if ((kind === 'device-created' || kind === 'device-enabled') && when === 'before') return;
    found.set(event.id, { kind, when, event });
  };
  for (const event of targetEvents) consider(event, true);
  for (const event of actorEvents) consider(event, targetKey(event) === targetKey(removal));
  if (reEnrolment !== null) {
    found.delete(reEnrolment.enable.id);
    if (reEnrolment.create !== null) found.delete(reEnrolment.create.id);
  }
  return [...found.values()].sort((a, b) => byTime(a.event, b.event));
}

/** Greedy, in time order: a burst starts at a removal and takes every removal by the same actor within the window. */
function findBursts(removals: readonly CloudTrailEvent[], windows: CorrelationWindows): Map<string, Burst> {
  const byActor = new Map<string, CloudTrailEvent[]>();
  for (const removal of removals) {
    const actor = actorId(removal);
    if (actor !== null) pushTo(byActor, actor, removal);
  }
  const result = new Map<string, Burst>();
  for (const [actor, list] of byActor) {
    let start = 0;
    while (start < list.length) {
      const first = list[start]!;
      let end = start;
      while (end + 1 < list.length && list[end + 1]!.timeMs - first.timeMs <= windows.burstWindowMs) end++;
      const group = list.slice(start, end + 1);
      const targets = [...new Set(group.map((event) => targetUserName(event) ?? '?'))].sort();
      if (targets.length >= windows.burstCount) {
        const burst: Burst = {
          actor,
          removals: group,
          targets,
          windowSeconds: Math.round((group[group.length - 1]!.timeMs - first.timeMs) / 1000),
        };
        for (const event of group) result.set(event.id, burst);
        start = end + 1;
      } else {
        start++;
      }
    }
  }
  return result;
}
