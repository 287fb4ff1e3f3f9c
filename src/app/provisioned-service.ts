// "Provisioned without MFA" in the service: alerts and cases for console users still without MFA after the grace,
// closed by themselves when a device is enabled or the access (or user) is gone.

import {
  openedNotices,
  openOrAttachCase,
  PROVISIONED_WITHOUT_MFA_KIND,
  resolveNoted,
  SYSTEM_ACTOR,
} from '../cases/index.ts';
import type { CloudTrailEvent } from '../model/index.ts';
import type { AccountSnapshot } from '../posture/index.ts';
import type { Case, Store } from '../store/index.ts';
import { targetKeyOf } from '../store/index.ts';
import type { LiveLogEntry, NotificationContext } from './live/index.ts';
import { queueNotification } from './live/index.ts';
import type { Provisioning, Provisionings, StoredPosture } from './provisioned-state.ts';
import {
  overdueProvisionings,
  PROVISIONING_EVENT_NAMES,
  provisionedAlert,
  provisionedOutcome,
  provisioningsOf,
} from './provisioned-state.ts';

const DAY_MS = 86_400_000;
/** How far back the events are read: a provisioning older than this is known from the audits' credential report. */
export const PROVISIONED_LOOKBACK_MS = 30 * DAY_MS;

/** The scheduled job's lease name. */
export const PROVISIONED_JOB = 'provisioned-without-mfa';

/** The case's target key: apart from the user's MFA removal cases (one case per target key is open at a time). */
export const provisionedTargetKey = (account: string, userName: string): string =>
  `${PROVISIONED_WITHOUT_MFA_KIND}:${targetKeyOf(account, userName)}`;

export interface ProvisionedCheckDeps {
  readonly store: Store;
  readonly clock: () => number;
  /** `posture.provisionedGrace`. */
  readonly graceMs: number;
  /**
   * `identities.breakGlass`. Such a user without MFA is still raised (the credential that bypasses every control is
   * the riskiest one to leave without MFA), as a break-glass alert; the responder never touches them.
   */
  readonly breakGlassUsers: ReadonlySet<string>;
  readonly log: (entry: LiveLogEntry) => void;
  /** Where case-opened and case-resolved messages go; null: none are queued. */
  readonly notify: NotificationContext | null;
}

export interface ProvisionedCheckResult {
  readonly opened: number;
  readonly closed: number;
}

export interface ProvisionedCheck {
  /** Raises the overdue (idempotent: one case per user per provisioning) and closes the cases whose exposure ended. */
  check(): Promise<ProvisionedCheckResult>;
  /** After a batch: closes at once the cases a device, a deleted password or a deleted user ended. */
  eventsIngested(events: readonly CloudTrailEvent[]): Promise<void>;
}

interface AccountView {
  readonly provisionings: Provisionings;
  readonly posture: StoredPosture | null;
}

/** Each account's provisionings, from its stored events in the look-back and its latest posture. */
async function accountViews(
  deps: ProvisionedCheckDeps,
  accounts: readonly string[] | null,
): Promise<Map<string, AccountView>> {
  const now = deps.clock();
  const events = await deps.store.findEvents({
    fromMs: now - PROVISIONED_LOOKBACK_MS,
    toMs: now + 1,
    names: [...PROVISIONING_EVENT_NAMES],
    ...(accounts === null ? {} : { accounts }),
    limit: 100_000,
  });
  const postures = new Map<string, StoredPosture>();
  for (const account of accounts ?? [null]) {
    const latest = await deps.store.latestPostureSnapshots(account === null ? {} : { accountId: account });
    for (const snapshot of latest)
      postures.set(snapshot.accountId, {
        takenAt: snapshot.takenAt,
        state: snapshot.state as AccountSnapshot,
      });
  }
  const names = new Set([
    ...postures.keys(),
    ...events.flatMap((event) => (event.account === null ? [] : [event.account])),
    ...(accounts ?? []),
  ]);
  const views = new Map<string, AccountView>();
  for (const account of names) {
    const posture = postures.get(account) ?? null;
    const own = events.filter((event) => event.account === account);
    views.set(account, { provisionings: provisioningsOf(account, own, posture), posture });
  }
  return views;
}

/** The provisioned-without-MFA cases not resolved yet. */
async function openProvisionedCases(store: Store): Promise<Case[]> {
  const found: Case[] = [];
  for (const state of ['open', 'verifying', 'escalated'] as const) {
    let cursor: string | undefined;
    do {
      const page = await store.listCases({ state, limit: 500, ...(cursor === undefined ? {} : { cursor }) });
      found.push(...page.items.filter((kase) => kase.kind === PROVISIONED_WITHOUT_MFA_KIND));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }
  return found;
}

/** Stores the alert and opens its case in one transaction; true when a case was opened. */
async function raise(deps: ProvisionedCheckDeps, p: Provisioning): Promise<boolean> {
  const now = deps.clock();
  const breakGlass = [...deps.breakGlassUsers].some(
    (name) => name.toLowerCase() === p.userName.toLowerCase(),
  );
  const alert = provisionedAlert(p, now, deps.graceMs, breakGlass);
  return deps.store.transaction(async (tx) => {
    await tx.insertAlerts([alert], now);
    const result = await openOrAttachCase(tx, {
      alert,
      targetKey: provisionedTargetKey(p.account, p.userName),
      kind: PROVISIONED_WITHOUT_MFA_KIND,
      nowMs: now,
      actor: SYSTEM_ACTOR,
    });
    if (result.created && deps.notify !== null)
      for (const notification of openedNotices(result.case, alert, deps.notify))
        await queueNotification(tx, notification, deps.notify, now);
    return result.created;
  });
}

const OUTCOME_NOTES: Readonly<Record<string, string>> = {
  'console-access-removed': 'the console password was deleted',
  'mfa-enabled': 'an MFA device was enabled',
  'user-deleted': 'the user was deleted',
};

/** Closes the case (an automatic resolution); false when it was closed meanwhile (another worker, a person). */
async function close(
  deps: ProvisionedCheckDeps,
  kase: Case,
  outcome: { readonly status: string; readonly at: number },
): Promise<boolean> {
  const now = deps.clock();
  return deps.store.transaction(async (tx) => {
    const current = await tx.getCase(kase.id);
    if (current === null || current.state === 'resolved') return false;
    const note = `${OUTCOME_NOTES[outcome.status] ?? outcome.status} at ${new Date(outcome.at).toISOString()}`;
    // Without notifiers the change's notifications are built and dropped: nobody is routed to receive them.
    const change = await resolveNoted(
      tx,
      current,
      outcome.status,
      now,
      note,
      deps.notify ?? { publicUrl: '' },
    );
    if (deps.notify !== null)
      for (const notification of change.notifications)
        await queueNotification(tx, notification, deps.notify, now);
    return true;
  });
}

async function closeEnded(
  deps: ProvisionedCheckDeps,
  views: ReadonlyMap<string, AccountView>,
  cases: readonly Case[],
): Promise<number> {
  let closed = 0;
  for (const kase of cases) {
    const view = kase.account === null ? undefined : views.get(kase.account);
    if (view === undefined) continue;
    const outcome = provisionedOutcome(kase, view.provisionings, view.posture);
    if (outcome === null) continue;
    try {
      if (await close(deps, kase, outcome)) {
        closed++;
        deps.log({
          level: 'info',
          msg: 'provisioned-without-MFA case closed',
          caseId: kase.id,
          how: outcome.status,
        });
      }
    } catch (error) {
      deps.log({
        level: 'error',
        msg: 'closing a provisioned case failed',
        caseId: kase.id,
        error: String(error),
      });
    }
  }
  return closed;
}

async function raiseOverdue(
  deps: ProvisionedCheckDeps,
  views: ReadonlyMap<string, AccountView>,
): Promise<number> {
  let opened = 0;
  const now = deps.clock();
  for (const view of views.values()) {
    for (const p of overdueProvisionings(view.provisionings, now, deps.graceMs)) {
      try {
        if (await raise(deps, p)) {
          opened++;
          deps.log({
            level: 'warn',
            msg: 'console user without MFA past the grace',
            account: p.account,
            user: p.userName,
          });
        }
      } catch (error) {
        deps.log({
          level: 'error',
          msg: 'raising a provisioned case failed',
          account: p.account,
          error: String(error),
        });
      }
    }
  }
  return opened;
}

/** Events that can end an exposure at once (a new provisioning waits for the grace, so the job raises it). */
const ENDING_EVENTS: ReadonlySet<string> = new Set(['DeleteLoginProfile', 'DeleteUser', 'EnableMFADevice']);

export function createProvisionedCheck(deps: ProvisionedCheckDeps): ProvisionedCheck {
  return {
    async check() {
      // Closing first: a user whose password was deleted and given again gets the old case closed before a new one.
      const views = await accountViews(deps, null);
      const closed = await closeEnded(deps, views, await openProvisionedCases(deps.store));
      const opened = await raiseOverdue(deps, views);
      return { opened, closed };
    },
    async eventsIngested(events) {
      const accounts = [
        ...new Set(
          events
            .filter(
              (event) => ENDING_EVENTS.has(event.name) && event.errorCode === null && event.account !== null,
            )
            .map((event) => event.account!),
        ),
      ].sort();
      if (accounts.length === 0) return;
      try {
        const cases = (await openProvisionedCases(deps.store)).filter(
          (kase) => kase.account !== null && accounts.includes(kase.account),
        );
        if (cases.length === 0) return;
        await closeEnded(deps, await accountViews(deps, accounts), cases);
      } catch (error) {
        deps.log({
          level: 'error',
          msg: 'provisioned cases: update from events failed',
          error: String(error),
        });
      }
    },
  };
}
