// The responder: plans the actions a case's classification calls for, applies them safely and durably, undoes and lifts them.

import type { IAMClient } from '@aws-sdk/client-iam';
import { isRemovalAlert } from '../cases/index.ts';
import type { Alert, CloudTrailEvent } from '../model/index.ts';
import { partitionOfArn, partitionOfRegion, UsageError } from '../model/index.ts';
import { ConflictError, NotFoundError } from '../store/index.ts';
import type {
  ApiRole,
  CaseDetail,
  ResponseActionPatch,
  ResponseActionState,
  Store,
  StoredResponseAction,
  StoreTx,
} from '../store/index.ts';
import { describeTarget, isActionKind } from './action.ts';
import type { ActionContext, IamCall, ResponseTarget } from './action.ts';
import { isTransient, sendAll } from './iam-calls.ts';
import { quarantinePolicyArn, rulesFor } from './policy.ts';
import type { ApprovalRole, RespondConfig, RespondRule } from './policy.ts';
import { RESPONSE_ACTIONS } from './registry.ts';
import { adminHold, protectedReason, rateLimited } from './safeguards.ts';
import type { PostureView } from './safeguards.ts';

export interface ResponderLogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** What became of an action, told to whoever must know (the outbox) in the transaction that records it. */
export interface ResponseOutcome {
  /** `failed`: the action failed for good, or an undo failed (`operation: 'undo'`; the action stays applied). */
  readonly outcome: 'applied' | 'undone' | 'failed';
  readonly operation: 'apply' | 'undo';
  /** The action as recorded by this change. */
  readonly action: StoredResponseAction;
  /** Who applied or undid it: `system`, or the person who approved or asked. */
  readonly actor: string;
  /** The audit note: the calls made, the undo's reason, or the error. */
  readonly note: string;
  /** The error in words, for failures; null otherwise. */
  readonly error: string | null;
  readonly atMs: number;
}

export interface ResponderDeps {
  readonly store: Store;
  readonly config: RespondConfig;
  /** `identities.breakGlass`: never touched. */
  readonly breakGlassUsers: ReadonlySet<string>;
  /** `identities.administrators` and `identities.privileged`: administrators known without a posture. */
  readonly knownAdmins: ReadonlySet<string>;
  /**
   * The IAM client acting in an account of a partition (with a role assumed there, see app/respond-clients.ts). A
   * rejection (the role cannot be assumed) fails the action with that reason, as an IAM refusal would.
   */
  readonly iam: (account: string | null, partition: string) => IAMClient | Promise<IAMClient>;
  /**
   * The partition of the service's own STS region: the last resort for a case that names none (no ARN, no region)
   * when `respond.partition` is not set. Absent: `aws`.
   */
  readonly servicePartition?: () => Promise<string>;
  /**
   * Called inside the transaction that records an action applied, undone or failed (once per outcome: the state
   * change is a compare-and-set), so the notification is queued exactly when the change commits.
   */
  readonly announce?: (tx: StoreTx, outcome: ResponseOutcome) => Promise<void>;
  readonly clock: () => number;
  /** The stored posture; absent: none stored (known administrators then wait for a person). */
  readonly posture?: PostureView;
  readonly workerId?: string;
  /** How long a claimed action is ours; a worker killed mid-apply loses it after this and another resends. */
  readonly leaseMs?: number;
  readonly log?: (entry: ResponderLogEntry) => void;
  /** Called with the recorded calls just before they are sent (tests kill the process here). */
  readonly beforeSend?: (action: StoredResponseAction) => void | Promise<void>;
}

export interface Responder {
  /** Records the plan the case's classification calls for (once per action and target); returns the case's actions. */
  plan(caseId: string): Promise<StoredResponseAction[]>;
  /** A case changed: plan, then apply what is due now. Errors are logged, never thrown (ingestion goes on). */
  caseChanged(caseIds: readonly string[]): Promise<void>;
  /** EnableMFADevice events: a trustworthy re-enrolment by the owner lifts the quarantine. Errors are logged. */
  eventsIngested(events: readonly CloudTrailEvent[]): Promise<void>;
  /** A person approves a held action; it is applied at once. */
  approve(actionId: string, actor: string, role: ApiRole): Promise<StoredResponseAction>;
  /**
   * A person retries a failed action (the role as for approving it): its recorded calls are resent (each checks IAM
   * first, so nothing is applied twice), else it is resolved again; transient errors are retried again with backoff.
   */
  retry(actionId: string, actor: string, role: ApiRole, caseId?: string): Promise<StoredResponseAction>;
  /** Retries every failed action of a case; reports the ones that could not be retried. */
  retryCase(
    caseId: string,
    actor: string,
    role: ApiRole,
  ): Promise<{ retried: StoredResponseAction[]; refused: string[] }>;
  /** Reverses an applied action (or cancels a planned one). ConflictError when it cannot be undone. */
  undo(actionId: string, actor: string, note?: string): Promise<StoredResponseAction>;
  /** Undoes every applied, undoable action of a case, newest first; reports the ones that cannot be undone. */
  undoCase(caseId: string, actor: string): Promise<{ undone: StoredResponseAction[]; refused: string[] }>;
  /** Applies what became due: delays passed, approvals given, actions left mid-apply by a killed worker. */
  tick(): Promise<void>;
}

const SYSTEM = 'system';
const DEFAULT_LEASE_MS = 60_000;
/** Automatic attempts at an action whose errors are transient; then it fails with the reason, for a person. */
export const MAX_ATTEMPTS = 5;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 15 * 60_000;

/** The pause after the `attempts`-th failed attempt: 30 s, doubling, at most 15 min (AWS throttles for minutes). */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
}
/** Holds a person may lift by approving; `dry-run` lifts only by configuration, `protected` never. */
const APPROVABLE = new Set(['approval', 'last-admin', 'no-posture', 'rate-limit']);
const ROLE_RANK: Readonly<Record<ApiRole | ApprovalRole, number>> = {
  none: 0,
  viewer: 0,
  responder: 1,
  admin: 2,
};

/** The role a removal was made through (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`), or null. */
export function assumedRoleOf(arn: string | null): string | null {
  const match = /^arn:aws[\w-]*:sts::\d{12}:assumed-role\/([\w+=,.@-]+)\//.exec(arn ?? '');
  return match?.[1] ?? null;
}

/** Applying an action by hand (approving, retrying) needs the role its rule names, at least `responder`. */
function mustMayApply(action: StoredResponseAction, role: ApiRole, doing: string): void {
  const needed = (action.plan as { approval?: ApprovalRole }).approval ?? 'responder';
  if (ROLE_RANK[role] < Math.max(ROLE_RANK[needed], 1))
    throw new UsageError(`${doing} this action needs the ${needed === 'none' ? 'responder' : needed} role`);
}

function targetsFor(kind: string, user: ResponseTarget, removals: readonly Alert[]): ResponseTarget[] {
  if (kind !== 'revoke-sessions') return [user];
  const roles = new Set(removals.flatMap((alert) => assumedRoleOf(alert.actor.arn) ?? []));
  return [
    user,
    ...[...roles].sort().map((name): ResponseTarget => ({ kind: 'role', account: user.account, name })),
  ];
}

/** What the responder's steps share: its dependencies, unpacked once. */
interface ResponderContext {
  readonly deps: ResponderDeps;
  readonly store: ResponderDeps['store'];
  readonly config: RespondConfig;
  readonly clock: () => number;
  readonly workerId: string;
  readonly leaseMs: number;
  readonly log: (entry: ResponderLogEntry) => void;
}

export function createResponder(deps: ResponderDeps): Responder {
  const { store, config, clock } = deps;
  const ctx: ResponderContext = {
    deps,
    store,
    config,
    clock,
    workerId: deps.workerId ?? `responder-${process.pid}`,
    leaseMs: deps.leaseMs ?? DEFAULT_LEASE_MS,
    log: (entry) => deps.log?.(entry),
  };
  const { log } = ctx;

  return {
    plan: (caseId) => plan(ctx, caseId),
    async caseChanged(caseIds) {
      for (const caseId of caseIds) {
        try {
          await plan(ctx, caseId);
          await applyDue(ctx, caseId);
        } catch (error) {
          log({ level: 'error', msg: 'response planning failed', caseId, error: String(error) });
        }
      }
    },
    async eventsIngested(events) {
      if (!config.liftOnReEnrolment) return;
      for (const event of events) {
        if (event.name !== 'EnableMFADevice' || event.outcome !== 'success') continue;
        try {
          await liftOn(ctx, event);
        } catch (error) {
          log({
            level: 'error',
            msg: 'lifting a quarantine failed',
            eventId: event.id,
            error: String(error),
          });
        }
      }
    },
    approve: (actionId, actor, role) => approve(ctx, actionId, actor, role),
    retry: (actionId, actor, role, caseId) => retry(ctx, actionId, actor, role, caseId),
    async retryCase(caseId, actor, role) {
      const failed = await store.listResponseActions({ caseId, states: ['failed'] });
      const retried: StoredResponseAction[] = [];
      const refused: string[] = [];
      for (const action of failed) {
        try {
          retried.push(await retry(ctx, action.id, actor, role));
        } catch (error) {
          if (!(error instanceof ConflictError || error instanceof UsageError)) throw error;
          refused.push(`action ${action.id} (${action.kind} ${action.targetName}): ${error.message}`);
        }
      }
      return { retried, refused };
    },
    undo: (actionId, actor, note) => undo(ctx, actionId, actor, note),
    async undoCase(caseId, actor) {
      const actions = (await store.listResponseActions({ caseId, states: ['applied'] })).reverse();
      const undone: StoredResponseAction[] = [];
      const refused: string[] = [];
      for (const action of actions) {
        try {
          undone.push(await undo(ctx, action.id, actor));
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          refused.push(`action ${action.id} (${action.kind} ${action.targetName}): ${error.message}`);
        }
      }
      return { undone, refused };
    },
    tick: () => applyDue(ctx),
  };
}

async function caseAlerts(ctx: ResponderContext, detail: CaseDetail): Promise<Alert[]> {
  const { store } = ctx;
  const stored = await Promise.all(detail.alertIds.map((id) => store.getAlert(id)));
  return stored.flatMap((entry) => (entry === null ? [] : [entry.alert]));
}

/** The compare-and-set that ends an apply or an undo, and its announcement, in one transaction. */
async function settle(
  ctx: ResponderContext,
  id: string,
  expect: readonly ResponseActionState[],
  patch: ResponseActionPatch,
  change: { readonly actor: string; readonly nowMs: number; readonly note: string },
  told: Pick<ResponseOutcome, 'outcome' | 'operation' | 'error'> | null,
): Promise<StoredResponseAction | null> {
  const { store, deps } = ctx;
  return store.transaction(async (tx) => {
    const action = await tx.updateResponseAction(id, expect, patch, change);
    if (action !== null && told !== null && deps.announce !== undefined) {
      await deps.announce(tx, {
        ...told,
        action,
        actor: change.actor,
        note: change.note,
        atMs: change.nowMs,
      });
    }
    return action;
  });
}

function contextFor(
  ctx: ResponderContext,
  target: ResponseTarget,
  when: { readonly removalAtMs: number; readonly nowMs: number },
  partition: string,
): ActionContext {
  const { config } = ctx;
  return { ...when, quarantinePolicyArn: quarantinePolicyArn(config, target.account, partition) };
}

/**
 * The partition a case's actions act in: the case's own (the first of its alerts, removals first, whose principal ARN
 * or region names one), else `respond.partition`, else the service's STS region's. The role assumed and the policy
 * ARNs a plan names must all be in the partition of the account they change: IAM and STS never cross partitions.
 */
async function casePartition(ctx: ResponderContext, alerts: readonly Alert[]): Promise<string> {
  for (const alert of alerts) {
    const region = alert.event.region;
    const own =
      partitionOfArn(alert.actor.arn) ??
      (region === null || region === '' ? null : partitionOfRegion(region));
    if (own !== null) return own;
  }
  return fallbackPartition(ctx);
}

/** Where a case names no partition (or a plan recorded before plans kept one): configured, else the service's. */
async function fallbackPartition(ctx: ResponderContext): Promise<string> {
  return ctx.config.partition ?? (await ctx.deps.servicePartition?.()) ?? 'aws';
}

/** The partition recorded in an action's plan. */
async function plannedPartition(ctx: ResponderContext, action: StoredResponseAction): Promise<string> {
  const recorded = (action.plan as { partition?: unknown } | null)?.partition;
  return typeof recorded === 'string' ? recorded : fallbackPartition(ctx);
}

async function lockedOutUsers(ctx: ResponderContext): Promise<Set<string>> {
  const { store } = ctx;
  const applied = await store.listResponseActions({ states: ['applying', 'applied'], limit: 10_000 });
  return new Set(
    applied
      .filter((a) => a.targetKind === 'user' && (a.kind === 'quarantine' || a.kind === 'disable-console'))
      .map((a) => a.targetName.toLowerCase()),
  );
}

/** Why the action waits, decided when it is planned; the rate limit is decided when it is applied. */
async function holdFor(
  ctx: ResponderContext,
  rule: RespondRule,
  kind: Parameters<typeof adminHold>[0]['kind'],
  target: ResponseTarget,
): Promise<{ state: 'planned' | 'refused'; hold: string | null; reason: string | null }> {
  const { config, deps } = ctx;
  const refusal = protectedReason(target, { breakGlassUsers: deps.breakGlassUsers, config });
  if (refusal !== null) return { state: 'refused', hold: 'protected', reason: refusal };
  if (config.mode === 'dry-run')
    return { state: 'planned', hold: 'dry-run', reason: 'respond.mode is dry-run: shown, not applied' };
  if (rule.approval !== 'none')
    return { state: 'planned', hold: 'approval', reason: `the rule asks a ${rule.approval} to approve` };
  const admins = deps.posture === undefined ? null : await deps.posture.administrators(target.account);
  const held = adminHold({
    kind,
    target,
    admins,
    knownAdmins: deps.knownAdmins,
    lockedOut: await lockedOutUsers(ctx),
  });
  return held === null
    ? { state: 'planned', hold: null, reason: null }
    : { state: 'planned', hold: held.hold, reason: held.reason };
}

async function plan(ctx: ResponderContext, caseId: string): Promise<StoredResponseAction[]> {
  const { store, config, clock } = ctx;
  const detail = await store.getCase(caseId);
  if (detail === null) throw new NotFoundError('case', caseId);
  const rules = detail.state === 'resolved' ? [] : rulesFor(config, detail.classification);
  if (rules.length > 0) {
    const alerts = await caseAlerts(ctx, detail);
    const removals = alerts.filter(isRemovalAlert);
    const removalAtMs = Math.min(
      detail.firstEventAt,
      ...removals.map((alert) => Date.parse(alert.event.time)),
    );
    const user: ResponseTarget = { kind: 'user', account: detail.account, name: detail.userName };
    const partition = await casePartition(ctx, [
      ...removals,
      ...alerts.filter((alert) => !isRemovalAlert(alert)),
    ]);
    const now = clock();
    for (const rule of rules) {
      for (const kind of rule.actions) {
        const action = RESPONSE_ACTIONS[kind];
        for (const target of targetsFor(kind, user, removals)) {
          if (!action.targetKinds.includes(target.kind)) continue;
          const held = await holdFor(ctx, rule, kind, target);
          await store.planResponseAction({
            caseId,
            kind,
            targetKind: target.kind,
            account: target.account,
            targetName: target.name,
            state: held.state,
            hold: held.hold,
            holdReason: held.reason,
            plan: {
              steps: action.plan(target, contextFor(ctx, target, { removalAtMs, nowMs: now }, partition)),
              removalAtMs,
              partition,
              approval: rule.approval,
              undoable: action.undoable,
              caution: action.caution,
            },
            reason: `the case is ${detail.classification ?? 'unclassified'}: ${action.title.toLowerCase()} (${describeTarget(target)})`,
            notBeforeMs: now + rule.delayMs,
            actor: SYSTEM,
            nowMs: now,
          });
        }
      }
    }
  }
  return store.listResponseActions({ caseId });
}

/** planned (due, no hold) or applying with a lapsed lease -> applying, ours; null when not ours to apply now. */
async function claim(
  ctx: ResponderContext,
  action: StoredResponseAction,
  now: number,
): Promise<StoredResponseAction | null> {
  const { store, config, workerId, leaseMs } = ctx;
  return store.transaction(async (tx) => {
    // Written first: on PostgreSQL the row lock serialises claims, so two workers cannot both pass the rate limit.
    await tx.setCheckpoint('respond:claim', String(now), now);
    const current = await tx.getResponseAction(action.id);
    if (current === null) return null;
    const lapsed = current.state === 'applying' && (current.leaseUntil ?? 0) <= now;
    const due = current.state === 'planned' && current.hold === null && current.notBefore <= now;
    if (!lapsed && !due) return null;
    if (current.approvedBy === null && !lapsed) {
      const recent = await tx.listResponseActions({
        states: ['applying', 'applied', 'undone', 'failed'],
        limit: 10_000,
      });
      const limited = rateLimited(recent, current.id, config.rateLimit, now);
      if (limited !== null) {
        await tx.updateResponseAction(
          current.id,
          ['planned'],
          { hold: 'rate-limit', holdReason: limited },
          {
            actor: SYSTEM,
            nowMs: now,
            note: limited,
          },
        );
        return null;
      }
    }
    return tx.updateResponseAction(
      current.id,
      [current.state],
      {
        state: 'applying',
        leaseOwner: workerId,
        leaseUntil: now + leaseMs,
        attempts: current.attempts + 1,
        error: null,
      },
      {
        actor: current.approvedBy ?? SYSTEM,
        nowMs: now,
        note: lapsed ? `resumed after worker ${current.leaseOwner ?? '?'} stopped mid-apply` : 'applying',
      },
    );
  });
}

async function applyClaimed(
  ctx: ResponderContext,
  claimed: StoredResponseAction,
): Promise<StoredResponseAction> {
  const { store, clock, deps, log } = ctx;
  if (!isActionKind(claimed.kind)) throw new ConflictError(`unknown action kind ${claimed.kind}`);
  const action = RESPONSE_ACTIONS[claimed.kind];
  const target: ResponseTarget = {
    kind: claimed.targetKind,
    account: claimed.account,
    name: claimed.targetName,
  };
  const actor = claimed.approvedBy ?? SYSTEM;
  try {
    const partition = await plannedPartition(ctx, claimed);
    const iam = await deps.iam(claimed.account, partition);
    let current = claimed;
    if (current.calls === null) {
      const planned = current.plan as { removalAtMs?: number };
      const removalAtMs = planned.removalAtMs ?? current.createdAt;
      const resolved = await action.resolve(
        iam,
        target,
        contextFor(ctx, target, { removalAtMs, nowMs: clock() }, partition),
      );
      // Recorded before the first write goes out: a restart resends exactly these, an undo reverses exactly these.
      const recorded = await store.updateResponseAction(
        current.id,
        ['applying'],
        { calls: resolved.calls, notes: resolved.notes },
        { actor, nowMs: clock(), note: 'calls recorded' },
      );
      if (recorded === null) return current;
      current = recorded;
    }
    await deps.beforeSend?.(current);
    await sendAll(iam, current.calls as IamCall[]);
    const done = await settle(
      ctx,
      current.id,
      ['applying'],
      { state: 'applied', appliedAt: clock(), leaseOwner: null, leaseUntil: null },
      {
        actor,
        nowMs: clock(),
        note: `applied: ${(current.calls as IamCall[]).map((c) => c.api).join(', ') || 'nothing to change'}`,
      },
      { outcome: 'applied', operation: 'apply', error: null },
    );
    log({
      level: 'info',
      msg: 'response action applied',
      actionId: current.id,
      kind: current.kind,
      target: current.targetName,
    });
    return done ?? current;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Transient errors anywhere (reading IAM, assuming the role, sending) are retried; the rest need a person.
    const transient = isTransient(error);
    const retry = transient && claimed.attempts < MAX_ATTEMPTS;
    log({ level: 'error', msg: 'response action failed', actionId: claimed.id, error: message, retry });
    const retryAt = clock() + retryDelayMs(claimed.attempts);
    const failed = await settle(
      ctx,
      claimed.id,
      ['applying'],
      retry
        ? {
            state: 'planned',
            error: message,
            notBefore: retryAt,
            leaseOwner: null,
            leaseUntil: null,
          }
        : { state: 'failed', error: message, leaseOwner: null, leaseUntil: null },
      {
        actor,
        nowMs: clock(),
        note: retry
          ? `attempt ${claimed.attempts} of ${MAX_ATTEMPTS} failed, will retry at ${new Date(retryAt).toISOString()}: ${message}`
          : `failed${transient ? ` after ${claimed.attempts} attempts` : ''}: ${message}`,
      },
      // A retry is not news yet; the last attempt's failure is.
      retry ? null : { outcome: 'failed', operation: 'apply', error: message },
    );
    return failed ?? claimed;
  }
}

async function applyDue(ctx: ResponderContext, caseId?: string): Promise<void> {
  const { store, clock } = ctx;
  const now = clock();
  const candidates = await store.listResponseActions({
    ...(caseId === undefined ? {} : { caseId }),
    states: ['planned', 'applying'],
    limit: 10_000,
  });
  for (const action of candidates) {
    const claimed = await claim(ctx, action, now);
    if (claimed !== null) await applyClaimed(ctx, claimed);
  }
}

/** The action stays applied (the user is still contained): people must know, since they asked for the undo. */
async function undoFailed(
  ctx: ResponderContext,
  action: StoredResponseAction,
  actor: string,
  error: unknown,
): Promise<void> {
  const { store, clock, deps, log } = ctx;
  const message = error instanceof Error ? error.message : String(error);
  log({ level: 'error', msg: 'response undo failed', actionId: action.id, error: message });
  const announce = deps.announce;
  if (announce === undefined) return;
  const atMs = clock();
  await store.transaction((tx) =>
    announce(tx, {
      outcome: 'failed',
      operation: 'undo',
      action,
      actor,
      note: `undo failed: ${message}`,
      error: message,
      atMs,
    }),
  );
}

async function undo(
  ctx: ResponderContext,
  actionId: string,
  actor: string,
  note = 'undone by a person',
): Promise<StoredResponseAction> {
  const { store, clock, deps } = ctx;
  const action = await store.getResponseAction(actionId);
  if (action === null) throw new NotFoundError('response action', actionId);
  const now = clock();
  if (action.state === 'planned') {
    const cancelled = await store.updateResponseAction(
      action.id,
      ['planned'],
      { state: 'undone', undoneAt: now, undoneBy: actor },
      {
        actor,
        nowMs: now,
        note: `${note} (cancelled before it was applied)`,
      },
    );
    if (cancelled === null) throw new ConflictError(`action ${actionId} changed meanwhile; look again`);
    return cancelled;
  }
  if (action.state !== 'applied')
    throw new ConflictError(
      `action ${actionId} is ${action.state}: only an applied or planned action can be undone`,
    );
  if (!isActionKind(action.kind)) throw new ConflictError(`unknown action kind ${action.kind}`);
  const inverse = RESPONSE_ACTIONS[action.kind].undo(action.calls as IamCall[]);
  try {
    await sendAll(await deps.iam(action.account, await plannedPartition(ctx, action)), inverse);
  } catch (error) {
    await undoFailed(ctx, action, actor, error);
    throw error;
  }
  const undone = await settle(
    ctx,
    action.id,
    ['applied'],
    { state: 'undone', undoneAt: clock(), undoneBy: actor },
    {
      actor,
      nowMs: clock(),
      note: `${note}: ${inverse.map((call) => call.api).join(', ') || 'nothing to reverse'}`,
    },
    { outcome: 'undone', operation: 'undo', error: null },
  );
  if (undone === null) throw new ConflictError(`action ${actionId} changed meanwhile; look again`);
  return undone;
}

/** Was the enabling request made from a place the user used before the removal? (The remover's is not.) */
async function familiarPlace(
  ctx: ResponderContext,
  event: CloudTrailEvent,
  removalAtMs: number,
): Promise<boolean> {
  const { store } = ctx;
  const key = event.actor.arn ?? event.actor.principalId;
  if (key === null || event.sourceIp === null) return false;
  const seen = await store.findSightings({
    actors: [key],
    fromMs: removalAtMs - 90 * 86_400_000,
    toMs: removalAtMs + 1,
  });
  return seen.some((row) => row.value === `ip:${event.sourceIp ?? ''}` && row.firstMs < removalAtMs);
}

async function liftOn(ctx: ResponderContext, event: CloudTrailEvent): Promise<void> {
  const { store, clock } = ctx;
  const user = event.target.userName ?? event.actor.userName;
  if (user === null) return;
  const quarantines = (
    await store.listResponseActions({ states: ['planned', 'applied'], limit: 10_000 })
  ).filter(
    (a) =>
      a.kind === 'quarantine' &&
      a.targetName.toLowerCase() === user.toLowerCase() &&
      (a.account === null || event.account === null || a.account === event.account),
  );
  for (const action of quarantines) {
    const removalAtMs = (action.plan as { removalAtMs?: number }).removalAtMs ?? action.createdAt;
    if (event.timeMs <= removalAtMs) continue;
    const ownSession = event.actor.userName?.toLowerCase() === user.toLowerCase();
    if (!ownSession || !(await familiarPlace(ctx, event, removalAtMs))) {
      await store.addComment(action.caseId, {
        author: SYSTEM,
        text: `A new MFA device was enabled for ${user}, but not by the owner from a place seen before the removal (${event.sourceIp ?? 'unknown address'}): the quarantine stays until a person lifts it.`,
        nowMs: clock(),
      });
      continue;
    }
    await undo(
      ctx,
      action.id,
      SYSTEM,
      `lifted: ${user} re-enrolled an MFA device (EnableMFADevice ${event.id}) from a familiar address`,
    );
  }
}

/** A person approves a held action: it is claimed and applied at once. */
async function approve(
  ctx: ResponderContext,
  actionId: string,
  actor: string,
  role: ApiRole,
): Promise<StoredResponseAction> {
  const { store, clock } = ctx;
  const action = await store.getResponseAction(actionId);
  if (action === null) throw new NotFoundError('response action', actionId);
  if (action.state !== 'planned' || action.hold === null || !APPROVABLE.has(action.hold))
    throw new ConflictError(
      action.hold === 'dry-run'
        ? 'respond.mode is dry-run: nothing is applied until the configuration says enforce'
        : `action ${actionId} is ${action.state}${action.hold === null ? '' : ` (${action.hold})`}: nothing to approve`,
    );
  mustMayApply(action, role, 'approving');
  const now = clock();
  const approved = await store.updateResponseAction(
    action.id,
    ['planned'],
    { hold: null, holdReason: null, approvedBy: actor, notBefore: now },
    {
      actor,
      nowMs: now,
      note: `approved (was held: ${action.holdReason ?? action.hold})`,
    },
  );
  if (approved === null) throw new ConflictError(`action ${actionId} changed meanwhile; look again`);
  const claimed = await claim(ctx, approved, now);
  return claimed === null ? approved : applyClaimed(ctx, claimed);
}

/** A person retries a failed action: a fresh round of automatic attempts, claimed and applied at once. */
async function retry(
  ctx: ResponderContext,
  actionId: string,
  actor: string,
  role: ApiRole,
  caseId?: string,
): Promise<StoredResponseAction> {
  const { store, clock, config, deps } = ctx;
  const action = await store.getResponseAction(actionId);
  // Named with its case (the CLI's `retry CASE ACTION`): an action of another case is not the one meant.
  if (action === null || (caseId !== undefined && action.caseId !== caseId))
    throw new NotFoundError('response action', actionId);
  if (action.state !== 'failed')
    throw new ConflictError(`action ${actionId} is ${action.state}: only a failed action can be retried`);
  if (config.mode === 'dry-run')
    throw new ConflictError(
      'respond.mode is dry-run: nothing is applied until the configuration says enforce',
    );
  // The configuration may have protected the target since the action failed.
  const target: ResponseTarget = {
    kind: action.targetKind,
    account: action.account,
    name: action.targetName,
  };
  const refusal = protectedReason(target, { breakGlassUsers: deps.breakGlassUsers, config });
  if (refusal !== null) throw new ConflictError(`action ${actionId} cannot be retried: ${refusal}`);
  mustMayApply(action, role, 'retrying');
  const now = clock();
  const again = await store.updateResponseAction(
    action.id,
    ['failed'],
    // A fresh round of automatic attempts; the person who asked is on record as approving it.
    { state: 'planned', hold: null, holdReason: null, approvedBy: actor, notBefore: now, attempts: 0 },
    { actor, nowMs: now, note: `retry asked (it failed: ${action.error ?? 'no reason recorded'})` },
  );
  if (again === null) throw new ConflictError(`action ${actionId} changed meanwhile; look again`);
  const claimed = await claim(ctx, again, now);
  return claimed === null ? again : applyClaimed(ctx, claimed);
}
