// Correlation of each MFA removal into one incident: by target, device serial and caller, within fixed windows. Pure.

import type { CloudTrailEvent } from '../../model/index.ts';

export interface CorrelationWindows {
  readonly graceWindowMs: number;
  readonly burstCount: number;
  readonly burstWindowMs: number;
  readonly precursorWindowMs: number;
  readonly followUpWindowMs: number;
}

/** IAM user names are unique regardless of case: `Bob` and `bob` are one user. */
function sameUser(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
}

/** The identity an IAM call was about: the named user, or the caller itself when the call names nobody. */
export function targetUserName(event: CloudTrailEvent): string | null {
  if (event.target.userName !== null) return event.target.userName;
  if (event.actor.type === 'Root') return 'root';
  return event.actor.type === 'IAMUser' ? event.actor.userName : null;
}

/** `account/username`, the user name lower-cased (the same key the store indexes events and cases by). */
export function targetKey(event: CloudTrailEvent): string | null {
  const user = targetUserName(event);
  return user === null ? null : userKey(event.account, user);
}

function userKey(account: string | null, user: string): string {
  return `${account ?? ''}/${user.toLowerCase()}`;
}

/** The caller: its ARN, else its principal id (the same key the store indexes callers by). */
export function actorId(event: CloudTrailEvent): string | null {
  return event.actor.arn ?? event.actor.principalId ?? null;
}

/** True when `event` was made by the IAM user (or root) `user` of the event's account. */
export function isCallerUser(event: CloudTrailEvent, user: string | null): boolean {
  if (user === null) return false;
  if (user.toLowerCase() === 'root') return event.actor.type === 'Root';
  return event.actor.type === 'IAMUser' && sameUser(event.actor.userName, user);
}

/** The MFA device calls: the store keeps them all, and a window fetches every one in the account. */
export const MFA_DEVICE_EVENTS: ReadonlySet<string> = new Set([
  'CreateVirtualMFADevice',
  'DeactivateMFADevice',
  'DeleteVirtualMFADevice',
  'EnableMFADevice',
  'ResyncMFADevice',
]);

/**
 * Read-only IAM calls that list or describe a user's credentials. The console makes exactly these when a user opens
 * their "Security credentials" page or an administrator opens a user (IAM user guide, "Manage MFA devices" in the
 * console); from a CLI or SDK, before a removal, they are what reconnaissance looks like. Triage tells the two apart.
 */
export const CREDENTIAL_LIST_CALLS: ReadonlySet<string> = new Set([
  'GetAccessKeyLastUsed',
  'GetAccountAuthorizationDetails',
  'GetAccountPasswordPolicy',
  'GetAccountSummary',
  'GetLoginProfile',
  'GetUser',
  'ListAccessKeys',
  'ListAttachedUserPolicies',
  'ListGroupsForUser',
  'ListMFADevices',
  'ListServiceSpecificCredentials',
  'ListSigningCertificates',
  'ListSSHPublicKeys',
  'ListUserPolicies',
  'ListUserTags',
  'ListUsers',
  'ListVirtualMFADevices',
]);

/** Calls an intruder with a stolen key makes first ("who am I", a session to work in); never made by the console. */
export const SESSION_PROBES: ReadonlySet<string> = new Set(['GetCallerIdentity', 'GetSessionToken']);

/** Every name a precursor may have (see precursorKind): what a window reads of a caller's events before a removal. */
export const PRECURSOR_NAMES: ReadonlySet<string> = new Set([
  'ConsoleLogin',
  'DeactivateMFADevice',
  ...CREDENTIAL_LIST_CALLS,
  ...SESSION_PROBES,
]);

const CREDENTIAL = new Set(['CreateAccessKey', 'CreateLoginProfile']);
const PRIVILEGE = new Set(['AddUserToGroup', 'AttachUserPolicy', 'PutUserPolicy']);

export type RelatedKind =
  /** Before, by the caller: a credential list call (console context or reconnaissance: triage decides). */
  | 'list-call'
  /** Before, by the caller: GetCallerIdentity or GetSessionToken. */
  | 'session-probe'
  | 'failed-attempt'
  /** Before, by the caller: its console sign-in. */
  | 'sign-in'
  | 'device-deleted'
  | 'device-created'
  | 'device-enabled'
  | 'credential-created'
  | 'password-changed'
  | 'privilege-granted'
  | 'sign-in-without-mfa';

export interface RelatedFinding {
  readonly kind: RelatedKind;
  readonly when: 'before' | 'after';
  readonly event: CloudTrailEvent;
}

/** The burst as it stood at one of its removals: what that removal's alert says of it, whatever comes later. */
export interface BurstSoFar {
  /** Distinct target users of the burst's removals up to and including this one. */
  readonly count: number;
  /** Seconds from the burst's first removal to this one. */
  readonly windowSeconds: number;
}

export interface Burst {
  readonly actor: string;
  readonly removals: readonly CloudTrailEvent[];
  readonly targets: readonly string[];
  readonly windowSeconds: number;
  /** By removal id, for each removal of the burst. */
  readonly soFar: ReadonlyMap<string, BurstSoFar>;
}

export interface RemovalCorrelation {
  readonly removal: CloudTrailEvent;
  /** The user whose device was removed; null when neither the request, the caller nor the serial tells. */
  readonly target: string | null;
  /** How the target was found. */
  readonly targetFrom: 'request' | 'serial' | null;
  /** By the same caller, before the removal: list calls, session probes, refused attempts, its sign-in. */
  readonly precursors: readonly RelatedFinding[];
  /** DeleteVirtualMFADevice of the removed serial, after the removal. */
  readonly deletions: readonly CloudTrailEvent[];
  /** EnableMFADevice for the target within the grace window after the removal, oldest first. */
  readonly enables: readonly CloudTrailEvent[];
  /**
   * EnableMFADevice for the target of another serial in the precursor window before the removal, not deactivated
   * since: IAM allows several devices per user, so "add the new phone, then remove the old one" is a rotation too.
   */
  readonly enabledBefore: readonly CloudTrailEvent[];
  /** CreateVirtualMFADevice of the serials enabled above, and any by the caller after the removal. */
  readonly creations: readonly CloudTrailEvent[];
  /** About the target, after the removal: new credentials, password, privilege, a sign-in without MFA. */
  readonly followUps: readonly RelatedFinding[];
  /** True when the data reaches past the end of the grace window, so "no re-enrolment" is a fact, not a gap. */
  readonly graceCovered: boolean;
  readonly burst: Burst | null;
}

export function isMfaRemoval(event: CloudTrailEvent): boolean {
  return (
    event.name === 'DeactivateMFADevice' &&
    event.source === 'iam.amazonaws.com' &&
    event.outcome === 'success'
  );
}

export function byTime(a: CloudTrailEvent, b: CloudTrailEvent): number {
  return a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The events of a time-sorted list within [fromMs, toMs], by binary search: lists of a busy caller run long. */
function within(list: readonly CloudTrailEvent[], fromMs: number, toMs: number): CloudTrailEvent[] {
  const first = (limit: number, inclusive: boolean): number => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = list[mid]!.timeMs;
      if (t < limit || (!inclusive && t === limit)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return list.slice(first(fromMs, true), first(toMs, false));
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** How far before and after a removal its incident reaches (bursts aside, which follow chains of removals). */
export function incidentReach(windows: CorrelationWindows): {
  readonly beforeMs: number;
  readonly afterMs: number;
} {
  return {
    beforeMs: windows.precursorWindowMs,
    afterMs: Math.max(windows.graceWindowMs, windows.followUpWindowMs),
  };
}

/** AWS names the root user's virtual device `root-account-mfa-device`. */
const ROOT_DEVICE = ':mfa/root-account-mfa-device';

/**
 * The user a removal was about: the request's `userName` (or the caller, which normalisation fills in when IAM
 * defaults to it), else the user another MFA call in the incident window names for the same serial, else root for
 * root's device name. `deviceEvents` are the account's MFA device calls around the removal.
 */
export function resolveTarget(
  removal: CloudTrailEvent,
  deviceEvents: readonly CloudTrailEvent[],
  windows: CorrelationWindows,
): { readonly user: string | null; readonly from: 'request' | 'serial' | null } {
  const named = targetUserName(removal);
  if (named !== null) return { user: named, from: 'request' };
  const serial = removal.target.serialNumber;
  if (serial === null) return { user: null, from: null };
  const reach = incidentReach(windows);
  let best: CloudTrailEvent | null = null;
  for (const event of deviceEvents) {
    if (event.id === removal.id || event.target.serialNumber !== serial || event.target.userName === null)
      continue;
    if (event.account !== removal.account) continue;
    if (event.timeMs < removal.timeMs - reach.beforeMs || event.timeMs > removal.timeMs + reach.afterMs)
      continue;
    // The nearest naming call wins; ties go to the earlier event, then the smaller id: the result is order-free.
    if (
      best === null ||
      Math.abs(event.timeMs - removal.timeMs) < Math.abs(best.timeMs - removal.timeMs) ||
      (Math.abs(event.timeMs - removal.timeMs) === Math.abs(best.timeMs - removal.timeMs) &&
        byTime(event, best) < 0)
    )
      best = event;
  }
  if (best !== null) return { user: best.target.userName, from: 'serial' };
  if (serial.endsWith(ROOT_DEVICE)) return { user: 'root', from: 'serial' };
  return { user: null, from: null };
}

/**
 * Correlates every successful MFA removal in `events` with the events around it.
 * The result depends only on the set of events (not their order of arrival): everything is sorted first,
 * and each removal lands in at most one burst, so an event on a window edge counts once.
 * `coverageEndMs` is the time of the last event the data holds (for a scan: the newest event read).
 * `bursts`: each removal's burst as its caller's stored chain gives it (the live service, whose window does not hold
 * whole chains); a removal it does not name is in none. Without it, bursts are cut from `events`.
 */
export function correlateRemovals(
  events: readonly CloudTrailEvent[],
  windows: CorrelationWindows,
  coverageEndMs: number,
  bursts?: ReadonlyMap<string, Burst>,
): RemovalCorrelation[] {
  const unique = new Map<string, CloudTrailEvent>();
  for (const event of events) if (!unique.has(event.id)) unique.set(event.id, event);
  const sorted = [...unique.values()].sort(byTime);

  const byTarget = new Map<string, CloudTrailEvent[]>();
  // Indexes, so a removal reads only what can join it: in a burst, every removal of the caller is an MFA device call
  // of the account and an event by the caller, and filtering those lists per removal made correlation quadratic.
  const precursorsByActor = new Map<string, CloudTrailEvent[]>();
  const createdByActor = new Map<string, CloudTrailEvent[]>();
  const deviceBySerial = new Map<string, CloudTrailEvent[]>();
  for (const event of sorted) {
    const target = targetKey(event);
    if (target !== null) pushTo(byTarget, target, event);
    const actor = actorId(event);
    if (actor !== null && precursorKind(event) !== null) pushTo(precursorsByActor, actor, event);
    if (actor !== null && event.name === 'CreateVirtualMFADevice') pushTo(createdByActor, actor, event);
    if (MFA_DEVICE_EVENTS.has(event.name) && event.target.serialNumber !== null)
      pushTo(deviceBySerial, serialKey(event.account, event.target.serialNumber), event);
  }

  const removals = sorted.filter(isMfaRemoval);
  const burstOf = bursts ?? findBursts(removals, windows);
  const reach = incidentReach(windows);

  return removals.map((removal): RemovalCorrelation => {
    const from = removal.timeMs - reach.beforeMs;
    const to = removal.timeMs + reach.afterMs;
    const ofSerial = (serial: string | null): CloudTrailEvent[] =>
      serial === null ? [] : within(deviceBySerial.get(serialKey(removal.account, serial)) ?? [], from, to);
    const resolved = resolveTarget(removal, ofSerial(removal.target.serialNumber), windows);
    const target = resolved.user;
    const targetEvents =
      target === null ? [] : within(byTarget.get(userKey(removal.account, target)) ?? [], from, to);
    const actor = actorId(removal);
    const graceEnd = removal.timeMs + windows.graceWindowMs;
    const after = (event: CloudTrailEvent): boolean => byTime(event, removal) > 0;

    const { deletions, enables, enabledBefore, creations } = deviceChanges({
      removal,
      targetEvents,
      ofSerial,
      createdByActor:
        actor === null
          ? []
          : within(createdByActor.get(actor) ?? [], from, to).filter(
              (event) => event.account === removal.account,
            ),
      from,
      graceEnd,
    });

    const precursors: RelatedFinding[] = [];
    for (const event of actor === null ? [] : within(precursorsByActor.get(actor) ?? [], from, to)) {
      if (byTime(event, removal) >= 0) break;
      precursors.push({ kind: precursorKind(event)!, when: 'before', event });
    }
    const followUps: RelatedFinding[] = [];
    for (const event of targetEvents) {
      if (!after(event) || event.timeMs > removal.timeMs + windows.followUpWindowMs) continue;
      const kind = followUpKind(event);
      if (kind !== null) followUps.push({ kind, when: 'after', event });
    }
    return {
      removal,
      target,
      targetFrom: resolved.from,
      precursors,
      deletions,
      enables,
      enabledBefore,
      creations,
      followUps,
      graceCovered: coverageEndMs >= graceEnd,
      burst: burstOf.get(removal.id) ?? null,
    };
  });
}

function serialKey(account: string | null, serial: string): string {
  return `${account ?? ''}\u0000${serial}`;
}

/**
 * The MFA device changes around one removal: its device deleted, devices enabled or created for the same user.
 * `targetEvents`: the events about the removal's user in its window (a device call is about the user it names, or
 * its caller: the same rule as "is the target"); `ofSerial`: the account's device calls of a serial in the window;
 * `createdByActor`: the devices the removal's caller created in the window, in the account.
 */
function deviceChanges(c: {
  readonly removal: CloudTrailEvent;
  readonly targetEvents: readonly CloudTrailEvent[];
  readonly ofSerial: (serial: string | null) => readonly CloudTrailEvent[];
  readonly createdByActor: readonly CloudTrailEvent[];
  readonly from: number;
  readonly graceEnd: number;
}): Pick<RemovalCorrelation, 'deletions' | 'enables' | 'enabledBefore' | 'creations'> {
  const { removal, targetEvents, ofSerial, createdByActor, from, graceEnd } = c;
  const after = (event: CloudTrailEvent): boolean => byTime(event, removal) > 0;
  const serial = removal.target.serialNumber;
  const deletions = ofSerial(serial).filter(
    (event) => event.name === 'DeleteVirtualMFADevice' && event.outcome === 'success' && after(event),
  );
  const enabled = targetEvents.filter(
    (event) => event.name === 'EnableMFADevice' && event.outcome === 'success',
  );
  const enables = enabled.filter((event) => after(event) && event.timeMs <= graceEnd);
  const enabledBefore = enabled.filter(
    (event) =>
      byTime(event, removal) < 0 &&
      event.target.serialNumber !== null &&
      event.target.serialNumber !== serial &&
      !ofSerial(event.target.serialNumber).some(
        (other) => isMfaRemoval(other) && byTime(other, event) > 0 && byTime(other, removal) < 0,
      ),
  );
  const creations = new Map<string, CloudTrailEvent>();
  for (const event of [...enables, ...enabledBefore])
    for (const device of ofSerial(event.target.serialNumber))
      if (device.name === 'CreateVirtualMFADevice') creations.set(device.id, device);
  for (const device of createdByActor) if (after(device)) creations.set(device.id, device);
  return {
    deletions,
    enables,
    enabledBefore,
    creations: [...creations.values()]
      .filter((event) => event.outcome === 'success' && event.timeMs >= from)
      .sort(byTime),
  };
}

function precursorKind(event: CloudTrailEvent): RelatedKind | null {
  if (event.name === 'DeactivateMFADevice' && event.outcome === 'failure') return 'failed-attempt';
  if (event.outcome !== 'success') return null;
  if (event.name === 'ConsoleLogin') return 'sign-in';
  if (CREDENTIAL_LIST_CALLS.has(event.name)) return 'list-call';
  if (SESSION_PROBES.has(event.name)) return 'session-probe';
  return null;
}

function followUpKind(event: CloudTrailEvent): RelatedKind | null {
  if (event.outcome !== 'success') return null;
  if (CREDENTIAL.has(event.name)) return 'credential-created';
  if (event.name === 'UpdateLoginProfile') return 'password-changed';
  if (PRIVILEGE.has(event.name)) return 'privilege-granted';
  if (event.name === 'ConsoleLogin' && event.mfaUsed === false) return 'sign-in-without-mfa';
  return null;
}

/** Every event of the incident besides the removal: what its alerts are about (precursors are related, not members). */
export function incidentMembers(correlation: RemovalCorrelation): CloudTrailEvent[] {
  const members = new Map<string, CloudTrailEvent>();
  for (const event of [
    ...correlation.enabledBefore,
    ...correlation.creations,
    ...correlation.deletions,
    ...correlation.enables,
    ...correlation.followUps.map((finding) => finding.event),
  ])
    members.set(event.id, event);
  return [...members.values()].sort(byTime);
}

/**
 * Which removal each incident member belongs to when several removals claim it: an event after a removal belongs to
 * the latest removal before it, an event before (a device enabled ahead of the swap) to the earliest removal after it.
 * Decided from times and ids only, so any subset of events that holds the competing removals gives the same answer.
 */
export function assignMembers(correlations: readonly RemovalCorrelation[]): Map<string, string> {
  const claims = new Map<string, { member: CloudTrailEvent; removals: CloudTrailEvent[] }>();
  for (const correlation of correlations) {
    for (const member of incidentMembers(correlation)) {
      const claim = claims.get(member.id);
      if (claim === undefined) claims.set(member.id, { member, removals: [correlation.removal] });
      else claim.removals.push(correlation.removal);
    }
  }
  const owners = new Map<string, string>();
  for (const { member, removals } of claims.values()) {
    const earlier = removals.filter((removal) => byTime(removal, member) < 0).sort(byTime);
    const later = removals.filter((removal) => byTime(removal, member) > 0).sort(byTime);
    const owner = earlier[earlier.length - 1] ?? later[0];
    if (owner !== undefined) owners.set(member.id, owner.id);
  }
  return owners;
}

/**
 * The users a burst's removals name, one per user (IAM user names are unique regardless of case: `Bob` and `bob` are
 * one user, named as its first removal spells it), sorted; `?` for a removal whose user is unknown.
 */
function burstTargets(removals: readonly CloudTrailEvent[]): string[] {
  const byKey = new Map<string, string>();
  for (const removal of removals) {
    const name = targetUserName(removal) ?? '?';
    if (!byKey.has(name.toLowerCase())) byKey.set(name.toLowerCase(), name);
  }
  return [...byKey.values()].sort();
}

/**
 * Bursts: one caller's removals are cut into chains wherever two are more than a burst window apart; inside a chain,
 * greedily in time order, a burst starts at a removal and takes every removal within the window, when they cover at
 * least `burstCount` users. A chain is the unit, so any window of events that holds the whole chain (the live service
 * fetches it) finds the same bursts as a scan of everything.
 */
export function findBursts(
  removals: readonly CloudTrailEvent[],
  windows: CorrelationWindows,
): Map<string, Burst> {
  const byActor = new Map<string, CloudTrailEvent[]>();
  for (const removal of [...removals].sort(byTime)) {
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
      const targets = burstTargets(group);
      if (targets.length >= windows.burstCount) {
        const seen = new Set<string>();
        const soFar = new Map<string, BurstSoFar>();
        for (const event of group) {
          seen.add((targetUserName(event) ?? '?').toLowerCase());
          soFar.set(event.id, {
            count: seen.size,
            windowSeconds: Math.round((event.timeMs - first.timeMs) / 1000),
          });
        }
        const burst: Burst = {
          actor,
          removals: group,
          targets,
          windowSeconds: Math.round((group[group.length - 1]!.timeMs - first.timeMs) / 1000),
          soFar,
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
