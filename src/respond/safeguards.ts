// The safeguards, as pure functions: who is never touched, who may not be locked out without a person, how many at once.

import type { StoredResponseAction } from '../store/index.ts';
import type { ActionKind, ResponseTarget } from './action.ts';
import type { RespondConfig } from './policy.ts';

/** One administrator as the stored posture saw them. */
export interface AdminFact {
  readonly userName: string;
  /** An MFA device enabled and the console usable with it (the posture check's "working MFA"). */
  readonly mfaWorking: boolean;
}

/**
 * The stored posture the last-administrator rule reads. Null when none is stored for the account: then nobody can
 * tell who else can still sign in with MFA, and a known administrator is never locked out without a person.
 */
export interface PostureView {
  administrators(account: string | null): Promise<readonly AdminFact[] | null>;
}

export interface ProtectedLists {
  /** `identities.breakGlass`: user names. */
  readonly breakGlassUsers: ReadonlySet<string>;
  readonly config: Pick<RespondConfig, 'protected' | 'breakGlassRoles'>;
}

const lower = (value: string): string => value.toLowerCase();

function arnOf(target: ResponseTarget): string {
  return `arn:aws:iam::${target.account ?? '*'}:${target.kind}/${target.name}`;
}

/** A name matches by itself (IAM names are unique without case) or as an ARN (any path). */
function listed(list: Iterable<string>, target: ResponseTarget): boolean {
  const arn = lower(arnOf(target));
  for (const entry of list) {
    const item = lower(entry);
    if (!item.startsWith('arn:')) {
      if (item === lower(target.name)) return true;
      continue;
    }
    const match = /^arn:aws[\w-]*:iam::(\d{12}|\*):(user|role)\/(?:.*\/)?([^/]+)$/.exec(item);
    if (match === null) continue;
    const [, account, kind, name] = match;
    if (
      kind === target.kind &&
      name === lower(target.name) &&
      (account === '*' || target.account === null || account === target.account)
    )
      return true;
    if (item === arn) return true;
  }
  return false;
}

/** Why the target may never be touched (break-glass, protected, root), or null. */
export function protectedReason(target: ResponseTarget, lists: ProtectedLists): string | null {
  if (target.kind === 'user' && lower(target.name) === 'root')
    return 'the root user is never acted on: only a person can secure it';
  if (target.kind === 'user' && [...lists.breakGlassUsers].some((name) => lower(name) === lower(target.name)))
    return `${target.name} is a break-glass user (identities.breakGlass): never touched`;
  if (target.kind === 'role' && listed(lists.config.breakGlassRoles, target))
    return `${target.name} is a break-glass role (respond.breakGlassRoles): never touched`;
  if (listed(lists.config.protected, target))
    return `${target.kind} ${target.name} is on the protected list (respond.protected): never touched`;
  return null;
}

/** Actions that can take an administrator's access away. */
const LOCKING: ReadonlySet<ActionKind> = new Set(['quarantine', 'disable-console']);

export interface AdminCheckInput {
  readonly kind: ActionKind;
  readonly target: ResponseTarget;
  /** From the stored posture; null when none is stored. */
  readonly admins: readonly AdminFact[] | null;
  /** `identities.administrators` and `identities.privileged`: known without a posture. */
  readonly knownAdmins: ReadonlySet<string>;
  /** Users whose access mfaguard has taken away and not given back (applied quarantines, deleted passwords). */
  readonly lockedOut: ReadonlySet<string>;
}

/** Why a person must approve before this action locks out an administrator, or null. */
export function adminHold(input: AdminCheckInput): { hold: string; reason: string } | null {
  if (input.target.kind === 'role')
    return {
      hold: 'approval',
      reason: `revoking the sessions of role ${input.target.name} ends everyone's sessions on it: a person approves`,
    };
  if (!LOCKING.has(input.kind)) return null;
  const name = lower(input.target.name);
  const known = [...input.knownAdmins].some((admin) => lower(admin) === name);
  if (input.admins === null) {
    if (!known) return null;
    return {
      hold: 'no-posture',
      reason: `${input.target.name} is an administrator and no posture snapshot is stored, so mfaguard cannot tell whether another administrator still has working MFA: a person approves`,
    };
  }
  const isAdmin = known || input.admins.some((admin) => lower(admin.userName) === name);
  if (!isAdmin) return null;
  const others = input.admins.filter(
    (admin) =>
      admin.mfaWorking && lower(admin.userName) !== name && !input.lockedOut.has(lower(admin.userName)),
  );
  if (others.length > 0) return null;
  return {
    hold: 'last-admin',
    reason: `${input.target.name} may be the last administrator with working MFA (per the stored posture): a person approves`,
  };
}

/**
 * The organisation-wide rate limit: how many actions were applied without a person within the window, counting
 * those being applied now. At the limit, the next waits for a person: a burst of removals must not lock out a team.
 */
export function rateLimited(
  recent: readonly StoredResponseAction[],
  self: string,
  limit: RespondConfig['rateLimit'],
  nowMs: number,
): string | null {
  const since = nowMs - limit.windowMs;
  const counted = recent.filter(
    (action) =>
      action.id !== self &&
      action.approvedBy === null &&
      (action.state === 'applying' || (action.appliedAt !== null && action.appliedAt >= since)),
  ).length;
  if (counted < limit.count) return null;
  return `${counted} action(s) applied without a person in the last ${Math.round(limit.windowMs / 60_000)} min (respond.rateLimit.count is ${limit.count}): a person approves the rest`;
}
