// Incremental triage: the pipeline's own triage, fed with the window of events and the baseline the store holds for one removal.

import {
  actorId,
  byTime,
  correlateRemovals,
  incidentReach,
  isCallerUser,
  isMfaRemoval,
  MFA_DEVICE_EVENTS,
  PRECURSOR_NAMES,
  resolveTarget,
  targetUserName,
} from '../../detect/index.ts';
import type { Burst, RemovalCorrelation } from '../../detect/index.ts';
import type { Approval, TriageConfig } from '../../enrich/index.ts';
import { baselineFromSightings, judgedActors } from '../../enrich/index.ts';
import type { Alert, CloudTrailEvent } from '../../model/index.ts';
import type { StoreTx } from '../../store/index.ts';
import { actorKeyOf, eventTargetKey, targetKeyOf } from '../../store/index.ts';
import { detectEvent, triageRun } from '../pipeline.ts';
import type { LoadedRuleSet } from '../rule-set.ts';
import { standingChanges } from './removal-chain.ts';
import type { ChainStanding } from './removal-chain.ts';

/** The target key a case and the store use for whom an event was about (sign-ins: the user who signed in). */
export function caseTargetOf(event: CloudTrailEvent): { key: string; userName: string } | null {
  const user = targetUserName(event);
  return user === null ? null : { key: targetKeyOf(event.account, user), userName: user };
}

/**
 * Whose case an alert joins: the user it names (triage names the incident's user on the alert of a deleted device,
 * which carries only a serial), else whom its event was about.
 */
export function caseTargetOfAlert(
  alert: Alert,
  event: CloudTrailEvent | undefined,
): { key: string; userName: string } | null {
  if (alert.target.userName !== null)
    return { key: targetKeyOf(alert.event.account, alert.target.userName), userName: alert.target.userName };
  return event === undefined ? null : caseTargetOf(event);
}

const MAX_EVENTS = 100_000;

/**
 * The removals by one caller that form a chain with the removal at `timeMs`: removals no more than a burst window
 * apart, walked back to the chain's start and forward to `untilMs`. Bursts are cut from whole chains (see
 * findBursts), so this is what a window needs to find the bursts a scan of everything finds.
 */
async function burstChain(
  tx: StoreTx,
  actorKey: string,
  account: string | null,
  fromMs: number,
  untilMs: number,
  burstWindowMs: number,
): Promise<CloudTrailEvent[]> {
  let from = fromMs - burstWindowMs;
  const found = new Map<string, CloudTrailEvent>();
  for (;;) {
    const batch = await tx.findEvents({
      fromMs: from,
      toMs: untilMs + 1,
      names: ['DeactivateMFADevice'],
      actorKeys: [actorKey],
      ...(account === null ? {} : { accounts: [account] }),
      limit: MAX_EVENTS,
    });
    for (const event of batch) found.set(event.id, event);
    const earliest = [...found.values()].filter(isMfaRemoval).sort(byTime)[0];
    if (earliest === undefined || earliest.timeMs - burstWindowMs >= from) break;
    from = earliest.timeMs - burstWindowMs;
  }
  return [...found.values()];
}

/**
 * Removals close enough in time to share one window read: a gap wider than an incident's reach plus a burst window
 * starts a new group, so one group's window is bounded by the correlation windows around its members.
 */
function timeGroups(removals: readonly CloudTrailEvent[], config: TriageConfig): CloudTrailEvent[][] {
  const reach = incidentReach(config);
  const gap = reach.beforeMs + Math.max(reach.afterMs, config.burstWindowMs);
  const groups: CloudTrailEvent[][] = [];
  let current: CloudTrailEvent[] = [];
  for (const removal of [...removals].sort(byTime)) {
    const last = current[current.length - 1];
    if (last !== undefined && removal.timeMs - last.timeMs > gap) {
      groups.push(current);
      current = [];
    }
    current.push(removal);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * The stored events the incidents of several removals read, in one pass: the union of each removal's window (the
 * account's MFA device calls, events about the target and its sign-ins, events by the caller around the removal) and
 * each caller's chain of removals (bursts) — the selection correlation makes in a scan. One read per kind of key for
 * the whole group instead of one per removal: a burst of n removals costs n, not n².
 */
async function incidentsWindow(
  tx: StoreTx,
  removals: readonly CloudTrailEvent[],
  config: TriageConfig,
  /** Set when each removal's burst comes from its chain summary (see chainedGroup): the window leaves the chain out. */
  chained?: { readonly failedMs: number | null },
): Promise<Map<string, CloudTrailEvent>> {
  const reach = incidentReach(config);
  const fromMs = Math.min(...removals.map((removal) => removal.timeMs)) - reach.beforeMs;
  const lastMs = Math.max(...removals.map((removal) => removal.timeMs));
  const toMs = lastMs + Math.max(reach.afterMs, config.burstWindowMs) + 1;
  const window = new Map<string, CloudTrailEvent>(removals.map((removal) => [removal.id, removal]));
  const add = (list: readonly CloudTrailEvent[]): void => {
    for (const event of list) window.set(event.id, event);
  };
  const accounts = removals.some((removal) => removal.account === null)
    ? {}
    : { accounts: [...new Set(removals.map((removal) => removal.account ?? ''))] };
  const devices =
    chained === undefined
      ? await tx.findEvents({ fromMs, toMs, names: [...MFA_DEVICE_EVENTS], ...accounts, limit: MAX_EVENTS })
      : await chainedDevices(tx, { fromMs, toMs, accounts });
  add(devices);
  const targetKeys = new Set<string>();
  const targetNames = new Set<string>();
  for (const removal of removals) {
    const target = resolveTarget(removal, devices, config).user;
    if (target === null) continue;
    targetKeys.add(targetKeyOf(removal.account, target));
    targetNames.add(target.toLowerCase());
  }
  if (targetKeys.size > 0) {
    add(await tx.findEvents({ fromMs, toMs, targetKeys: [...targetKeys], limit: MAX_EVENTS }));
    const logins = await tx.findEvents({
      fromMs,
      toMs,
      names: ['ConsoleLogin'],
      ...accounts,
      limit: MAX_EVENTS,
    });
    add(logins.filter((event) => targetNames.has(targetUserName(event)?.toLowerCase() ?? '')));
  }
  const actorKeys = new Set<string>();
  const chains = new Map<
    string,
    { actor: string; account: string | null; fromMs: number; untilMs: number }
  >();
  for (const removal of removals) {
    const actor = actorKeyOf(removal.actor);
    if (actor === null) continue;
    actorKeys.add(actor);
    const key = `${actor}\u0000${removal.account ?? ''}`;
    const chain = chains.get(key);
    chains.set(key, {
      actor,
      account: removal.account,
      fromMs: Math.min(chain?.fromMs ?? Infinity, removal.timeMs),
      untilMs: Math.max(chain?.untilMs ?? -Infinity, removal.timeMs + config.burstWindowMs),
    });
  }
  if (actorKeys.size > 0 && chained !== undefined) {
    // What correlation takes of a caller's events: its precursors and the devices it creates. Its successful removals
    // (the burst, in a burst) are left out; its refused ones only when the summary saw one in reach.
    const names = new Set([...PRECURSOR_NAMES, 'CreateVirtualMFADevice']);
    if (chained.failedMs === null || chained.failedMs < fromMs) names.delete('DeactivateMFADevice');
    add(
      await tx.findEvents({ fromMs, toMs, names: [...names], actorKeys: [...actorKeys], limit: MAX_EVENTS }),
    );
    return window;
  }
  if (actorKeys.size > 0)
    add(await tx.findEvents({ fromMs, toMs, actorKeys: [...actorKeys], limit: MAX_EVENTS }));
  for (const chain of chains.values())
    add(await burstChain(tx, chain.actor, chain.account, chain.fromMs, chain.untilMs, config.burstWindowMs));
  return window;
}

/**
 * The account's MFA device calls a chained window needs: every kind but the removals, and the removals that name no
 * user (their user comes from the serial). A removal that names a user is read with that user's events, and one of
 * another user shares nothing with these removals' incidents.
 */
async function chainedDevices(
  tx: StoreTx,
  window: { readonly fromMs: number; readonly toMs: number; readonly accounts: { accounts?: string[] } },
): Promise<CloudTrailEvent[]> {
  const { fromMs, toMs, accounts } = window;
  const others = [...MFA_DEVICE_EVENTS].filter((name) => name !== 'DeactivateMFADevice');
  const calls = await tx.findEvents({ fromMs, toMs, names: others, ...accounts, limit: MAX_EVENTS });
  const bare = await tx.findEvents({
    fromMs,
    toMs,
    names: ['DeactivateMFADevice'],
    untargeted: true,
    ...accounts,
    limit: MAX_EVENTS,
  });
  return [...calls, ...bare].sort(byTime);
}

/**
 * The bursts of a group's removals from their chain summaries, when every one has its standing and a chained window
 * serves it: each names its user, which is not its caller (see incidentsWindow), and no burst alert is made (it
 * needs every member's incident). Null: the group reads its callers' chains.
 */
function chainedGroup(
  group: readonly CloudTrailEvent[],
  context: TriageContext,
): { bursts: Map<string, Burst>; failedMs: number | null } | null {
  if (context.standings === undefined || context.bursts !== false) return null;
  const bursts = new Map<string, Burst>();
  let failedMs: number | null = null;
  for (const removal of group) {
    const standing = context.standings.get(removal.id);
    const user = removal.target.userName;
    if (standing === undefined || user === null || isCallerUser(removal, user)) return null;
    if (standing.burst !== null) bursts.set(removal.id, standing.burst);
    if (standing.failedMs !== null) failedMs = Math.max(failedMs ?? -Infinity, standing.failedMs);
  }
  return { bursts, failedMs };
}

/**
 * The stored removals that events arriving now may change: re-enrolments, deletions of the same serial and follow-ups
 * after them, precursors before them, and the removals whose standing in a caller's burst changes, late and
 * out-of-order delivery included. Over-inclusion is harmless: re-triage is idempotent. Modes: `all`; `incidents`
 * leaves out the bursts (the removals whose incidents the events may join); `probe` asks only whether there is any
 * (a few rows, no walk): whether the write path has a re-triage to wait for.
 *
 * Another removal by the same caller changes an earlier removal only through the burst (it is neither a precursor nor
 * a member of it), and a member's alert holds the burst as it stood at that member: so the caller's chain is read once
 * and only the removals whose burst or standing differs with and without the events are returned (at the front of a
 * burst in time order: the new removal alone, or the members of a burst it completes). Returning the whole chain made
 * every flush re-triage every earlier removal of a burst.
 */
export async function affectedRemovals(
  tx: StoreTx,
  events: readonly CloudTrailEvent[],
  config: TriageConfig,
  mode: 'all' | 'incidents' | 'probe' = 'all',
  /** Removals to leave out (a write's own, triaged in it). */
  exclude: ReadonlySet<string> = new Set(),
  /** Removals whose effect on their chain a write decided from its summary (see removal-chain.ts): not walked. */
  decided: ReadonlySet<string> = new Set(),
): Promise<CloudTrailEvent[]> {
  if (events.length === 0) return [];
  const probe = mode === 'probe';
  const targetKeys = new Set<string>();
  const actorKeys = new Set<string>();
  /** Callers whose events other than removals arrived: precursors, creations, refused attempts. */
  const incidentActors = new Set<string>();
  const deviceAccounts = new Set<string>();
  const deviceSerials = new Set<string>();
  let min = Infinity;
  let max = -Infinity;
  for (const event of events) {
    const stored = eventTargetKey(event);
    if (stored !== null) targetKeys.add(stored);
    const target = caseTargetOf(event);
    if (target !== null) targetKeys.add(target.key);
    const actor = actorKeyOf(event.actor);
    if (actor !== null) actorKeys.add(actor);
    if (actor !== null && !isMfaRemoval(event)) incidentActors.add(actor);
    if (MFA_DEVICE_EVENTS.has(event.name) && event.account !== null && event.target.serialNumber !== null) {
      deviceAccounts.add(event.account);
      deviceSerials.add(event.target.serialNumber);
    }
    min = Math.min(min, event.timeMs);
    max = Math.max(max, event.timeMs);
  }
  const reach = incidentReach(config);
  const widest = Math.max(reach.beforeMs, reach.afterMs, config.burstWindowMs);
  const window = {
    fromMs: min - widest,
    toMs: max + widest + 1,
    names: ['DeactivateMFADevice'],
    limit: probe ? exclude.size + 1 : MAX_EVENTS,
  };
  const found = new Map<string, CloudTrailEvent>();
  const add = (list: readonly CloudTrailEvent[]): void => {
    // A probe reads one row per key: a refused deactivation there still says "maybe" (never a wrong "no").
    for (const event of list)
      if ((probe || isMfaRemoval(event)) && !exclude.has(event.id)) found.set(event.id, event);
  };
  // One statement for both kinds of key (a write on PostgreSQL pays a round trip per statement).
  if (targetKeys.size > 0 || actorKeys.size > 0) {
    // A probe asks by every caller and keeps every row ("maybe": a burst may change). Otherwise a removal found only
    // by its caller is one the events can change only through the burst, which the chain walk below decides, so the
    // callers whose events are all removals are not asked for (in a burst, that read was the caller's whole chain).
    const byKeys = await tx.findEvents({
      ...window,
      actorOrTargetKeys: {
        actorKeys: [...(probe ? actorKeys : incidentActors)],
        targetKeys: [...targetKeys],
      },
    });
    add(
      probe
        ? byKeys
        : byKeys.filter((removal) => {
            const target = eventTargetKey(removal);
            const actor = actorKeyOf(removal.actor);
            return (
              (target !== null && targetKeys.has(target)) || (actor !== null && incidentActors.has(actor))
            );
          }),
    );
  }
  // A device call may name only a serial (DeleteVirtualMFADevice): the account's removals of that serial, and those
  // whose user is known only from a serial, are candidates (not every removal in the account: in a burst that is all
  // of them, for every removal).
  if (deviceAccounts.size > 0 && probe) {
    // A probe takes any removal of the account in reach as a "maybe": a few rows, not the account's window.
    add(await tx.findEvents({ ...window, accounts: [...deviceAccounts] }));
  } else if (deviceAccounts.size > 0) {
    // When every device call is a decided removal (a burst's), the removals that name a user were read by their key
    // above: only those naming a serial alone are left to read, not the account's (in a burst, all of the burst).
    const decidedOnly = events.every((event) => !MFA_DEVICE_EVENTS.has(event.name) || decided.has(event.id));
    const around = await tx.findEvents({
      ...window,
      accounts: [...deviceAccounts],
      ...(decidedOnly ? { untargeted: true } : {}),
      limit: MAX_EVENTS,
    });
    add(
      around.filter(
        (removal) =>
          removal.target.userName === null ||
          (removal.target.serialNumber !== null && deviceSerials.has(removal.target.serialNumber)),
      ),
    );
  }
  if (mode === 'all') {
    const walked = events.filter((event) => !decided.has(event.id));
    if (walked.length > 0) add(await burstStandingChanges(tx, walked, max, config));
  }
  return [...found.values()].sort(byTime);
}

/**
 * The stored removals whose burst (its first removal) or standing in it (users so far, seconds since the first)
 * differs with and without the given events' removals: one walk per caller and account covers its chain.
 */
async function burstStandingChanges(
  tx: StoreTx,
  events: readonly CloudTrailEvent[],
  max: number,
  config: TriageConfig,
): Promise<CloudTrailEvent[]> {
  const arriving = new Set<string>();
  const earliest = new Map<string, CloudTrailEvent>();
  for (const event of events) {
    const actor = actorKeyOf(event.actor);
    if (actor === null || !isMfaRemoval(event)) continue;
    arriving.add(event.id);
    const key = `${actor}\u0000${event.account ?? ''}`;
    const held = earliest.get(key);
    if (held === undefined || byTime(event, held) < 0) earliest.set(key, event);
  }
  const changed: CloudTrailEvent[] = [];
  for (const removal of earliest.values()) {
    const chain = (
      await burstChain(
        tx,
        actorKeyOf(removal.actor)!,
        removal.account,
        removal.timeMs,
        max + config.burstWindowMs,
        config.burstWindowMs,
      )
    ).filter(isMfaRemoval);
    changed.push(...standingChanges(chain, arriving, config).changed);
  }
  return changed;
}

function toApproval(stored: {
  ticket: string;
  user: string;
  actor: string | null;
  account: string | null;
  fromMs: number;
  toMs: number;
  approver: string;
}): Approval {
  return {
    ticket: stored.ticket,
    user: stored.user,
    actor: stored.actor,
    account: stored.account,
    fromMs: stored.fromMs,
    toMs: stored.toMs,
    approver: stored.approver,
  };
}

export interface TriageContext {
  readonly rules: LoadedRuleSet;
  readonly config: TriageConfig;
  /** Time of the newest event the service can assume it has: now minus the delivery allowance. */
  readonly coverageEndMs: number;
  /** See TriageOptions.bursts. */
  readonly bursts?: boolean;
  /** The burst standing of removals stepped in this write (see removal-chain.ts), by removal id. */
  readonly standings?: ReadonlyMap<string, ChainStanding>;
}

/**
 * Triage of stored removals, exactly as `scan` does it, over what the store holds:
 * - the window: the account's MFA device calls, events about each target (its sign-ins too) and by each caller around
 *   the removals, and the callers' chains of removals (bursts) — the selection correlation makes in a scan; removals
 *   close in time share one read (see incidentsWindow), so re-triaging a burst's n removals reads the chain once;
 * - the baseline: the stored sightings (address, client, day) of every caller whose familiarity triage judges, over
 *   the look-back: recorded for every event ingested, as a scan's second pass reads every event of those callers;
 * - approvals: those in the configuration file, and the one in the store (API, CLI) that covers a removal. A removal
 *   with a stored approval is triaged on its own, with that approval first, as a scan given it would.
 * Returns the triaged alerts of the removals' incidents (the removal's, and its members') and of the bursts they are
 * in, each once.
 */
export async function triageStoredRemovals(
  tx: StoreTx,
  removals: readonly CloudTrailEvent[],
  context: TriageContext,
): Promise<Alert[]> {
  const { config } = context;
  const out = new Map<string, Alert>();
  for (const group of timeGroups(removals, config)) {
    const chained = chainedGroup(group, context);
    const events = [...(await incidentsWindow(tx, group, config, chained ?? undefined)).values()];
    const correlations = new Map(
      correlateRemovals(events, config, context.coverageEndMs, chained?.bursts).map((entry) => [
        entry.removal.id,
        entry,
      ]),
    );
    const alerts = events.flatMap((event) => detectEvent(context.rules.engine, event).alerts);
    const lastMs = Math.max(...events.map((event) => event.timeMs));
    const plain: RemovalCorrelation[] = [];
    const approved: { correlation: RemovalCorrelation; approval: Approval }[] = [];
    for (const removal of group) {
      const correlation = correlations.get(removal.id);
      if (correlation === undefined) continue;
      const stored =
        correlation.target === null
          ? null
          : await tx.findApproval({
              user: correlation.target,
              account: removal.account,
              actor: { arn: removal.actor.arn, userName: removal.actor.userName },
              atMs: removal.timeMs,
            });
      if (stored === null) plain.push(correlation);
      else approved.push({ correlation, approval: toApproval(stored) });
    }
    const run = async (wanted: readonly RemovalCorrelation[], approvals: readonly Approval[]) => {
      const triaged = await triageCorrelated(
        tx,
        { wanted, events, alerts, lastMs, approvals, chainBursts: chained?.bursts },
        context,
      );
      for (const alert of triaged) if (!out.has(alert.id)) out.set(alert.id, alert);
    };
    if (plain.length > 0) await run(plain, []);
    for (const entry of approved) await run([entry.correlation], [entry.approval]);
  }
  return [...out.values()];
}

/** One triage run over a window for the wanted removals, with the baseline of every caller triage judges there. */
async function triageCorrelated(
  tx: StoreTx,
  input: {
    readonly wanted: readonly RemovalCorrelation[];
    readonly events: readonly CloudTrailEvent[];
    readonly alerts: readonly Alert[];
    readonly lastMs: number;
    readonly approvals: readonly Approval[];
    readonly chainBursts: ReadonlyMap<string, Burst> | undefined;
  },
  context: TriageContext,
): Promise<Alert[]> {
  const { config } = context;
  const baselineActors = new Set<string>();
  let earliest = Infinity;
  for (const correlation of input.wanted) {
    for (const event of judgedActors(correlation)) {
      const key = actorId(event);
      if (key !== null) baselineActors.add(key);
      earliest = Math.min(earliest, event.timeMs);
    }
  }
  const sightings = await tx.findSightings({
    actors: [...baselineActors],
    fromMs: earliest - config.lookbackMs,
    toMs: input.lastMs + 1,
  });
  return triageRun(
    {
      alerts: input.alerts,
      events: input.events,
      baseline: baselineFromSightings(sightings),
      config: { ...config, approvals: [...input.approvals, ...config.approvals] },
      coverageEndMs: context.coverageEndMs,
    },
    {
      only: new Set(input.wanted.map((correlation) => correlation.removal.id)),
      ...(context.bursts === undefined ? {} : { bursts: context.bursts }),
      ...(input.chainBursts === undefined ? {} : { chainBursts: input.chainBursts }),
    },
  );
}

/** The fields triage owns on an alert, as one comparable value. */
export function triageFields(alert: Alert): string {
  return JSON.stringify([
    alert.classification ?? null,
    alert.severity,
    alert.riskScore,
    alert.reasons ?? [],
    alert.related ?? [],
    alert.correlation ?? null,
    alert.vulnerabilityWindowSeconds ?? null,
    alert.incident ?? null,
    alert.target,
  ]);
}

/** A change in any field triage owns is worth an update (and an audit line on the case). */
export function triageChanged(stored: Alert, next: Alert): boolean {
  return triageFields(stored) !== triageFields(next);
}
