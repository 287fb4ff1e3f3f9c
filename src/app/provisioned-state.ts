// Who was given console access without MFA, and whether they still lack it: from the stored events and posture.

import { alertId } from '../detect/index.ts';
import type { Alert, CloudTrailEvent } from '../model/index.ts';
import type { AccountSnapshot } from '../posture/index.ts';

/** The rule id of the alert raised for a user still without MFA after the grace (not a rule file: posture raises it). */
export const PROVISIONED_RULE_ID = 'mfaguard-provisioned-without-mfa';

/** The events that start or end a provisioning without MFA. */
export const PROVISIONING_EVENT_NAMES = [
  'CreateLoginProfile',
  'DeactivateMFADevice',
  'DeleteLoginProfile',
  'DeleteUser',
  'EnableMFADevice',
] as const;

/** `exposed` while the user has a console password and no MFA device; else how the exposure ended. */
export type ProvisionedStatus = 'exposed' | 'mfa-enabled' | 'console-access-removed' | 'user-deleted';

export interface Provisioning {
  readonly account: string;
  readonly userName: string;
  /** When the console password was created (the event), or set (as an audit's credential report says). */
  readonly provisionedAt: number;
  /** The CreateLoginProfile event; null when an audit found the password. */
  readonly event: CloudTrailEvent | null;
  readonly status: ProvisionedStatus;
  /** When the exposure ended (the event's time, or the snapshot's); null while exposed. */
  readonly endedAt: number | null;
}

/** An account's latest stored posture (audit or event-updated). */
export interface StoredPosture {
  readonly takenAt: number;
  readonly state: AccountSnapshot;
}

/** Every provisioning of the account's users, oldest first per user (keyed by lower-cased name, as IAM compares). */
export type Provisionings = ReadonlyMap<string, readonly Provisioning[]>;

type Row = NonNullable<
  Extract<AccountSnapshot['credentialReport'], { state: 'collected' }>['value']
>['users'][number];

const userKey = (userName: string): string => userName.toLowerCase();

function requestUser(event: CloudTrailEvent): string | null {
  const value = event.requestParameters?.['userName'];
  return typeof value === 'string' && value.length > 0 ? value : (event.target.userName ?? null);
}

function reportRows(posture: StoredPosture | null): ReadonlyMap<string, Row> | null {
  const report = posture?.state.credentialReport;
  if (report?.state !== 'collected') return null;
  return new Map(report.value.users.filter((row) => !row.isRoot).map((row) => [userKey(row.user), row]));
}

/** Ends the user's exposure, if it still is one. */
function end(list: Provisioning[] | undefined, status: ProvisionedStatus, at: number): void {
  const last = list?.at(-1);
  if (list === undefined || last === undefined || last.status !== 'exposed') return;
  list[list.length - 1] = { ...last, status, endedAt: at };
}

/** The event pass: each successful CreateLoginProfile starts a provisioning; a device, or deleting access, ends it. */
function fromEvents(account: string, events: readonly CloudTrailEvent[]): Map<string, Provisioning[]> {
  const byUser = new Map<string, Provisioning[]>();
  // Devices enabled in the look-back and not deactivated: a password given to such a user is no exposure.
  const devices = new Map<string, number>();
  const ordered = [...events].sort((a, b) => a.timeMs - b.timeMs || a.id.localeCompare(b.id));
  for (const event of ordered) {
    if (event.errorCode !== null || event.outcome === 'failure' || event.account !== account) continue;
    const userName = requestUser(event);
    if (userName === null) continue;
    const key = userKey(userName);
    const list = byUser.get(key);
    switch (event.name) {
      case 'CreateLoginProfile': {
        const covered = (devices.get(key) ?? 0) > 0;
        const next: Provisioning = {
          account,
          userName,
          provisionedAt: event.timeMs,
          event,
          status: covered ? 'mfa-enabled' : 'exposed',
          endedAt: covered ? event.timeMs : null,
        };
        byUser.set(key, [...(list ?? []), next]);
        break;
      }
      case 'EnableMFADevice':
        devices.set(key, (devices.get(key) ?? 0) + 1);
        end(list, 'mfa-enabled', event.timeMs);
        break;
      case 'DeactivateMFADevice':
        devices.set(key, Math.max(0, (devices.get(key) ?? 0) - 1));
        break;
      case 'DeleteLoginProfile':
        end(list, 'console-access-removed', event.timeMs);
        break;
      case 'DeleteUser':
        devices.delete(key);
        end(list, 'user-deleted', event.timeMs);
        break;
    }
  }
  return byUser;
}

function dateMs(date: Row['passwordLastChanged']): number | null {
  return date.state === 'date' ? date.ms : null;
}

/**
 * The provisionings of one account's users: from its stored events in the look-back, and from its latest posture
 * (a console user without MFA the events did not show; or a device, deleted password or user the snapshot shows after
 * an event-seen provisioning, e.g. a device enabled before the look-back).
 */
export function provisioningsOf(
  account: string,
  events: readonly CloudTrailEvent[],
  posture: StoredPosture | null,
): Provisionings {
  const byUser = fromEvents(account, events);
  const rows = reportRows(posture);
  if (posture === null || rows === null) return byUser;
  const auditedAt = Date.parse(posture.state.collectedAt);
  for (const [key, list] of byUser) {
    const last = list.at(-1);
    if (last === undefined || last.status !== 'exposed' || posture.takenAt < last.provisionedAt) continue;
    const row = rows.get(key);
    // A user missing from the report is deleted only if an audit collected after the provisioning says so: an
    // event-updated report lacks users whose CreateUser the service never stored.
    if (row === undefined) {
      if (auditedAt >= last.provisionedAt) end(list, 'user-deleted', posture.takenAt);
    } else if (row.mfaActive) end(list, 'mfa-enabled', posture.takenAt);
    else if (!row.passwordEnabled) end(list, 'console-access-removed', posture.takenAt);
  }
  for (const [key, row] of rows) {
    if (byUser.has(key) || !row.passwordEnabled || row.mfaActive) continue;
    byUser.set(key, [
      {
        account,
        userName: row.user,
        provisionedAt: dateMs(row.passwordLastChanged) ?? dateMs(row.userCreationTime) ?? auditedAt,
        event: null,
        status: 'exposed',
        endedAt: null,
      },
    ]);
  }
  return byUser;
}

/** Users still exposed `graceMs` after their provisioning: each is an alert and a case. */
export function overdueProvisionings(
  provisionings: Provisionings,
  nowMs: number,
  graceMs: number,
): Provisioning[] {
  return [...provisionings.values()]
    .flatMap((list) => list.slice(-1))
    .filter((p) => p.status === 'exposed' && nowMs - p.provisionedAt >= graceMs)
    .sort((a, b) => a.provisionedAt - b.provisionedAt || a.userName.localeCompare(b.userName));
}

/**
 * How an open case's exposure ended, or null while it goes on (or nothing says). The provisioning the case was opened
 * for (same time) decides; else the user's latest; a user the events do not know is judged by the latest posture.
 */
export function provisionedOutcome(
  kase: { readonly userName: string; readonly firstEventAt: number },
  provisionings: Provisionings,
  posture: StoredPosture | null,
): { readonly status: Exclude<ProvisionedStatus, 'exposed'>; readonly at: number } | null {
  const list = provisionings.get(userKey(kase.userName)) ?? [];
  const own = list.find((p) => p.provisionedAt === kase.firstEventAt) ?? list.at(-1);
  if (own !== undefined)
    return own.status === 'exposed' || own.endedAt === null ? null : { status: own.status, at: own.endedAt };
  const rows = reportRows(posture);
  if (posture === null || rows === null || posture.takenAt < kase.firstEventAt) return null;
  const row = rows.get(userKey(kase.userName));
  if (row === undefined)
    return Date.parse(posture.state.collectedAt) >= kase.firstEventAt
      ? { status: 'user-deleted', at: posture.takenAt }
      : null;
  if (row.mfaActive) return { status: 'mfa-enabled', at: posture.takenAt };
  if (!row.passwordEnabled) return { status: 'console-access-removed', at: posture.takenAt };
  return null;
}

function hoursText(ms: number): string {
  const hours = ms / 3_600_000;
  return hours >= 48 ? `${Math.floor(hours / 24)} days` : `${Math.floor(hours)} h`;
}

/** A break-glass user's alert: more severe, and it says no response will act (people must). */
const BREAK_GLASS = { severity: 'high', riskScore: 73 } as const;
const ORDINARY = { severity: 'medium', riskScore: 47 } as const;

/**
 * The alert for an overdue provisioning; its id is fixed by (account, user, provisioning time): raised once. A
 * break-glass user (`identities.breakGlass`) gets a high alert that says so and that no response action will follow.
 */
export function provisionedAlert(p: Provisioning, nowMs: number, graceMs: number, breakGlass = false): Alert {
  const event = p.event;
  const time = new Date(p.provisionedAt).toISOString();
  const found = event === null ? 'an audit found its console password' : 'its console password was created';
  const { severity, riskScore } = breakGlass ? BREAK_GLASS : ORDINARY;
  const who = breakGlass ? 'Break-glass console user' : 'Console user';
  return {
    id: alertId(PROVISIONED_RULE_ID, `${p.account}/${userKey(p.userName)}@${p.provisionedAt}`),
    rule: {
      id: PROVISIONED_RULE_ID,
      name: 'Console user provisioned without MFA',
      format: 'builtin',
      severity,
      riskScore,
      mitre: [
        {
          tactic: { id: 'TA0003', name: 'Persistence' },
          technique: { id: 'T1078', name: 'Valid Accounts' },
          subtechnique: { id: 'T1078.004', name: 'Cloud Accounts' },
        },
      ],
    },
    severity,
    riskScore,
    title: `${who} ${p.userName} has no MFA device ${hoursText(nowMs - p.provisionedAt)} after ${found}`,
    event: {
      id: event?.id ?? `posture:${p.account}:${userKey(p.userName)}:${time}`,
      name: event?.name ?? 'PostureAudit',
      source: event?.source ?? 'mfaguard.posture',
      time: event?.time ?? time,
      outcome: 'success',
      errorCode: null,
      account: p.account,
      region: event?.region ?? null,
      location: event?.origin.location ?? 'posture audit',
      index: event?.origin.index ?? 0,
    },
    actor: {
      arn: event?.actor.arn ?? null,
      type: event?.actor.type ?? 'unknown',
      userName: event?.actor.userName ?? null,
      accessKeyId: event?.actor.accessKeyId ?? null,
      accessKeyKind: event?.actor.accessKeyKind ?? null,
      sourceIp: event?.sourceIp ?? null,
      userAgent: event?.userAgent ?? null,
      mfaAuthenticated: event?.actor.mfaAuthenticated ?? null,
      consoleSession: event?.actor.consoleSession ?? false,
    },
    target: { userName: p.userName, serialNumber: null },
    reasons: [
      {
        code: 'provisioned-without-mfa',
        message: `${p.userName} has had a console password since ${time} and no MFA device, past the grace of ${hoursText(graceMs)}`,
      },
      ...(breakGlass
        ? [
            {
              code: 'break-glass-user',
              message: `${p.userName} is a break-glass user (identities.breakGlass): no response action will touch it; enrol an MFA device kept with the break-glass procedure`,
            },
          ]
        : []),
    ],
  };
}
