// The store interface the service is built on: events, alerts, cases, verification, approvals, outbox, tokens, work.

import type { Alert, Case, CaseState, Classification, CloudTrailEvent, Severity } from '../model/index.ts';
import type { BaselineSightingsTx, SightingRow } from './baseline-sightings.ts';
import type { JobLeasesTx } from './job-leases.ts';
import type { RemovalChainsTx } from './removal-chains.ts';
import type { KpiFactsTx } from './kpi-facts.ts';
import type { PostureSnapshotsTx } from './posture-snapshots.ts';
import type { SessionLinksTx } from './session-links.ts';
import type { ResponseActionsTx } from './response-actions.ts';

// ---------------------------------------------------------------------------------------------
// Shared shapes

/** One page of a keyset-paginated list; pass `nextCursor` back as `cursor` for the next page (null: last page). */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// Events

export interface InsertEventsResult {
  /** The events that were new, in input order (first occurrence of an id only). */
  readonly inserted: CloudTrailEvent[];
  /** Events skipped because their eventID was already stored (or repeated in the batch). */
  readonly duplicates: number;
}

export interface EventQuery {
  /** Inclusive lower bound on the event time (epoch ms). */
  readonly fromMs: number;
  /** Exclusive upper bound, so adjacent windows never count an edge event twice. */
  readonly toMs: number;
  readonly names?: readonly string[];
  /** See `actorKeyOf`: the actor's ARN, else its principal id. */
  readonly actorKeys?: readonly string[];
  /** See `targetKeyOf`: `account/username` (username lower-cased). */
  readonly targetKeys?: readonly string[];
  readonly accounts?: readonly string[];
  /**
   * Only events that name no target user (a device call that names only a serial): the removals a window must still
   * see of an account when the named ones are read by their target.
   */
  readonly untargeted?: boolean;
  /**
   * Events by any of these actors OR about any of these targets (each list may be empty), besides the filters above:
   * one statement where two would ask the same window twice (a round trip less per write on PostgreSQL).
   */
  readonly actorOrTargetKeys?: {
    readonly actorKeys: readonly string[];
    readonly targetKeys: readonly string[];
  };
  /** Default 10 000, at most 100 000. */
  readonly limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Alerts

/** An alert as kept by the service: the `scan` schema plus when it was detected and which case holds it. */
export interface StoredAlert {
  readonly alert: Alert;
  readonly detectedAt: number;
  readonly updatedAt: number;
  readonly caseId: string | null;
  /**
   * The case's state and classification as they stand now (a person's triage changes the case, not the alert), so
   * the list shows what bulk triage did. Set by `listAlerts` and `getAlertWithCase`; absent where only the alert is
   * read (`getAlert`).
   */
  readonly caseState?: CaseState | null;
  readonly caseClassification?: Classification | null;
}

export interface InsertAlertsResult {
  readonly inserted: Alert[];
  readonly duplicates: number;
}

/** What an alert list is ordered by; each direction, newest/highest first by default. */
export type AlertSort = 'detectedAt' | 'eventTime' | 'severity';
export const ALERT_SORTS: readonly AlertSort[] = ['detectedAt', 'eventTime', 'severity'];

export interface AlertQuery {
  /** Inclusive lower bound on detectedAt. */
  readonly since?: number;
  /** Exclusive upper bound on detectedAt. */
  readonly until?: number;
  /** Inclusive lower bound on the event time (what CloudTrail says happened, not when we saw it). */
  readonly eventFrom?: number;
  /** Exclusive upper bound on the event time. */
  readonly eventTo?: number;
  readonly severity?: Severity;
  /** The classification as it stands: the case's when the alert is in a classified case, else the alert's own. */
  readonly classification?: Classification;
  readonly ruleId?: string;
  /** Compared without case: IAM user names are unique regardless of case. */
  readonly targetUser?: string;
  readonly account?: string;
  readonly region?: string;
  /** An ARN (exact, when it starts with `arn:`), else the actor's IAM user name (any case). */
  readonly actor?: string;
  readonly sourceIp?: string;
  /** The state of the alert's case; `none` lists alerts in no case. */
  readonly caseState?: CaseState | 'none';
  /** The removal's eventID: the incident's removal and its members (see Alert.incident). */
  readonly incident?: string;
  /** Default detectedAt; ties are broken by id, so paging is stable. */
  readonly sort?: AlertSort;
  /** Default desc. */
  readonly order?: 'asc' | 'desc';
  /** 1..1000. */
  readonly limit: number;
  /** Only valid with the sort and order it was issued for. */
  readonly cursor?: string;
}

// ---------------------------------------------------------------------------------------------
// Cases

export type { Case, CaseState } from '../model/index.ts';

export type CaseAuditAction =
  | 'opened'
  | 'alert-attached'
  | 'transition'
  | 'updated'
  | 'commented'
  | 'verification-requested'
  | 'verification-answered'
  | 'verification-expired'
  /** A response action planned, applied, undone...: `after` names the action, its state and why. */
  | 'response';

/** One change to a case: who, when, what it was and what it became (only the fields that changed). */
export interface CaseAuditEntry {
  readonly id: string;
  readonly caseId: string;
  readonly at: number;
  readonly actor: string;
  readonly action: CaseAuditAction;
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
}

export interface CaseComment {
  readonly id: string;
  readonly caseId: string;
  readonly author: string;
  readonly text: string;
  readonly at: number;
}

export interface CaseDetail extends Case {
  /** Oldest attachment first. */
  readonly alertIds: string[];
  readonly comments: CaseComment[];
  /** Oldest first. */
  readonly audit: CaseAuditEntry[];
  readonly verifications: Verification[];
}

export interface OpenOrAttachCaseInput {
  /** Must already be stored (insertAlerts): the case takes its detectedAt from the stored row. */
  readonly alert: Alert;
  /** `targetKeyOf(account, userName)`. */
  readonly targetKey: string;
  /** Set on a case this call opens when it is not about an MFA removal (see `Case.kind`). */
  readonly kind?: string;
  readonly nowMs: number;
  /** Who made the change, for the audit log (e.g. `system`, `api:alice`). */
  readonly actor: string;
}

export interface OpenOrAttachCaseResult {
  readonly case: Case;
  /** A new case was opened for this alert. */
  readonly created: boolean;
  /** The alert was attached by this call (false when it already belonged to the case: a replay). */
  readonly attached: boolean;
}

export interface CaseQuery {
  readonly state?: CaseState;
  readonly severity?: Severity;
  /** null lists unassigned cases. */
  readonly assignee?: string | null;
  /** 1..1000. */
  readonly limit: number;
  readonly cursor?: string;
}

export interface CaseChange {
  readonly actor: string;
  readonly nowMs: number;
}

export interface CasePatch {
  readonly classification?: Classification | null;
  readonly severity?: Severity;
  readonly riskScore?: number;
  readonly assignee?: string | null;
  readonly resolution?: string | null;
  readonly vulnerabilityWindowSeconds?: number | null;
}

// ---------------------------------------------------------------------------------------------
// Owner verification

/** `expired` also covers a verification escalated after its deadline. */
export type VerificationState = 'pending' | 'confirmed' | 'denied' | 'expired';
export type VerificationAnswer = 'confirmed' | 'denied';

export interface Verification {
  readonly id: string;
  readonly caseId: string;
  /** The owner's e-mail address. */
  readonly owner: string;
  readonly state: VerificationState;
  /** When the request was sent (created): answer time is measured from here. */
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly answeredAt: number | null;
  readonly escalatedAt: number | null;
}

export interface CreateVerificationInput {
  readonly caseId: string;
  readonly owner: string;
  /** A hash of the link's secret: a stolen database does not yield working links. */
  readonly tokenHash: string;
  readonly expiresAtMs: number;
  readonly nowMs: number;
}

export type ConsumeVerificationResult =
  | { readonly ok: true; readonly verification: Verification }
  | { readonly ok: false; readonly reason: 'unknown' | 'used' | 'expired' };

// ---------------------------------------------------------------------------------------------
// Approvals

export interface CreateApprovalInput {
  readonly ticket: string;
  /** Target IAM user name (compared without case). */
  readonly user: string;
  /** Only this actor (IAM user name, or an ARN when it starts with `arn:`) may remove the MFA device. */
  readonly actor?: string | null;
  readonly account?: string | null;
  readonly fromMs: number;
  readonly toMs: number;
  readonly approver: string;
  readonly createdBy: string;
  readonly nowMs: number;
}

/** Field-compatible with enrich's `Approval`, so triage can use stored approvals directly. */
export interface StoredApproval {
  readonly id: string;
  readonly ticket: string;
  readonly user: string;
  readonly actor: string | null;
  readonly account: string | null;
  readonly fromMs: number;
  readonly toMs: number;
  readonly approver: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
}

export interface FindApprovalInput {
  readonly user: string;
  readonly account: string | null;
  /** The identity that removed the device. */
  readonly actor: { readonly arn: string | null; readonly userName: string | null };
  readonly atMs: number;
}

// ---------------------------------------------------------------------------------------------
// Outbox

export type NotificationState = 'pending' | 'sent' | 'dead';

export interface EnqueueNotificationInput {
  /** What happened, e.g. `case-opened`, `verification-request`, `escalation`. */
  readonly kind: string;
  /** Which notifier/route sends it, e.g. `slack`, `email:owner`, `pagerduty`. */
  readonly channel: string;
  /** Anything JSON-serialisable; stored as JSON. */
  readonly payload: unknown;
  /** Unique: the same notification is never queued twice (e.g. `case:123:opened:slack`). */
  readonly dedupeKey: string;
  readonly nowMs: number;
  /** First attempt not before this time (default: now). */
  readonly notBeforeMs?: number;
}

export interface OutboxNotification {
  readonly id: string;
  readonly kind: string;
  readonly channel: string;
  readonly payload: unknown;
  readonly dedupeKey: string;
  readonly state: NotificationState;
  /** How many times it was claimed for sending. */
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly leaseOwner: string | null;
  readonly leaseUntil: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly sentAt: number | null;
}

export interface ClaimNotificationsInput {
  readonly nowMs: number;
  /** 1..1000. */
  readonly limit: number;
  readonly workerId: string;
  /** How long the rows stay ours; a worker that crashes loses them after this. */
  readonly leaseMs: number;
  /** Only rows on these channels (a per-notifier lane claims its own rows). */
  readonly channels?: readonly string[];
  /** Only rows on none of these channels (the lane for channels no notifier serves). */
  readonly exceptChannels?: readonly string[];
}

export type NotificationFailure =
  | { readonly error: string; readonly nowMs: number; readonly nextAttemptAtMs: number }
  | { readonly error: string; readonly nowMs: number; readonly dead: true };

export interface OutboxDepth {
  /** Not yet sent, including rows currently leased by a worker. */
  readonly pending: number;
  readonly dead: number;
  /** Oldest due time among pending rows (queue lag = now − this); null when empty. */
  readonly oldestPendingAt: number | null;
}

// ---------------------------------------------------------------------------------------------
// API tokens

export type ApiRole = 'viewer' | 'responder' | 'admin';

export interface CreateApiTokenInput {
  readonly name: string;
  readonly role: ApiRole;
  /** Only the hash is stored; the token itself is shown once by the caller. */
  readonly tokenHash: string;
  readonly createdBy: string;
  readonly nowMs: number;
  /** `session`: a signed-in person's dashboard session (a token kept in a cookie). Default `token`. */
  readonly kind?: ApiTokenKind;
  /** The person it belongs to (the identity provider's `sub`); absent for service tokens such as the bootstrap one. */
  readonly subject?: string | null;
  readonly displayName?: string | null;
  /** After this it is refused; absent: never expires (until revoked). */
  readonly expiresAt?: number | null;
}

export type ApiTokenKind = 'token' | 'session';

export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly role: ApiRole;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
  readonly kind: ApiTokenKind;
  readonly subject: string | null;
  readonly displayName: string | null;
  readonly expiresAt: number | null;
}

// ---------------------------------------------------------------------------------------------
// Work claims and dead letters

export interface ClaimWorkInput {
  /** The item, e.g. `s3://bucket/key#etag`. */
  readonly key: string;
  readonly workerId: string;
  readonly leaseMs: number;
  readonly nowMs: number;
}

export interface AddDeadLetterInput {
  /** Which source: `eventbridge`, `sqs`, `s3-poll`, `lookup`... */
  readonly source: string;
  /** Where: S3 key, message id, request id. */
  readonly location: string;
  readonly reason: string;
  /** The bytes as received, so nothing is lost. */
  readonly raw: Buffer | string;
  readonly nowMs: number;
}

export interface DeadLetter {
  readonly id: string;
  readonly source: string;
  readonly location: string;
  readonly reason: string;
  readonly raw: Buffer;
  readonly createdAt: number;
}

// ---------------------------------------------------------------------------------------------
// KPIs

/** Durations in milliseconds; percentiles are nearest-rank; null when there is nothing to measure. */
export interface DurationStats {
  readonly count: number;
  readonly avgMs: number | null;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
}

export interface RemovalMonth {
  /** `YYYY-MM` (UTC) of the removal event. */
  readonly month: string;
  readonly total: number;
  readonly byClassification: Readonly<Record<Classification | 'unclassified', number>>;
}

export interface KpiSnapshot {
  readonly fromMs: number;
  readonly toMs: number;
  /** Alert detectedAt − event time, over alerts detected in the window. */
  readonly mttd: DurationStats;
  /**
   * Case resolvedAt − detectedAt of its first alert, over cases resolved in the window by a remediation: cases that
   * closed themselves (AUTO_RESOLUTIONS: a rotation, an approved change) took no remediation and are left out.
   */
  readonly mttr: DurationStats;
  /** Cases that closed themselves (AUTO_RESOLUTIONS) in the window: counted apart from MTTR. */
  readonly autoResolved: number;
  /** Successful DeactivateMFADevice events in the window, once per event; the case's classification wins. */
  readonly removalsByMonth: RemovalMonth[];
  /** Current figure (not windowed): cases not resolved, by severity. */
  readonly openCasesBySeverity: Readonly<Record<Severity, number>>;
  /** Over cases whose first event is in the window. */
  readonly vulnerabilityWindow: {
    readonly count: number;
    readonly medianSeconds: number | null;
    readonly p90Seconds: number | null;
  };
  /** Answer − sent, over verifications answered in the window. */
  readonly verificationAnswerTime: DurationStats;
}

// ---------------------------------------------------------------------------------------------
// The interface

/**
 * Everything the service reads and writes, usable inside a transaction. Every method on `Store` runs
 * atomically on its own; inside `Store.transaction` the same methods share one transaction.
 */
export interface StoreTx
  extends
    BaselineSightingsTx,
    JobLeasesTx,
    KpiFactsTx,
    PostureSnapshotsTx,
    RemovalChainsTx,
    ResponseActionsTx,
    SessionLinksTx {
  // Events -------------------------------------------------------------------------------------
  /**
   * Keeps the MFA-relevant events for correlation and baselines; dedupes by eventID across sources and restarts.
   * `sightings`: recorded in the same call, as `recordSightings` would (on PostgreSQL in the same statement: a write
   * pays a round trip per statement).
   */
  insertEvents(
    events: readonly CloudTrailEvent[],
    options?: { readonly sightings?: readonly SightingRow[] },
  ): Promise<InsertEventsResult>;
  /** Correlation windows and baselines: ordered by time, then id, so results are deterministic. */
  findEvents(query: EventQuery): Promise<CloudTrailEvent[]>;

  // Alerts -------------------------------------------------------------------------------------
  /** Idempotent by alert id (rule + event): a replayed event never alerts twice. Returns only the new ones. */
  insertAlerts(alerts: readonly Alert[], detectedAtMs: number): Promise<InsertAlertsResult>;
  /** Triage refines classification, severity and reasons as later events arrive. NotFoundError when absent. */
  updateAlert(alert: Alert, nowMs: number): Promise<void>;
  getAlert(id: string): Promise<StoredAlert | null>;
  /**
   * One alert with its case as it stands now (`caseState`, `caseClassification`: null without a case), as the list
   * shows it. A read for people (`GET /api/alerts/{id}`); the pipeline's hot reads use `getAlert`.
   */
  getAlertWithCase(id: string): Promise<StoredAlert | null>;
  /** Newest first (detectedAt desc, id desc); the cursor is stable while new alerts arrive. */
  listAlerts(query: AlertQuery): Promise<Page<StoredAlert>>;

  // Cases --------------------------------------------------------------------------------------
  /**
   * One case per target and incident: attaches the alert to the target's case that is not resolved,
   * else opens one. Race-safe across processes (a unique partial index allows one such case per target).
   * Replaying the same alert returns its case with `attached: false`.
   */
  openOrAttachCase(input: OpenOrAttachCaseInput): Promise<OpenOrAttachCaseResult>;
  /** With alert ids, comments, audit log and verifications; null when absent. */
  getCase(id: string): Promise<CaseDetail | null>;
  /** Newest first (openedAt desc, id desc). */
  listCases(query: CaseQuery): Promise<Page<Case>>;
  /** Enforces CASE_TRANSITIONS (InvalidTransitionError otherwise); resolving stamps resolvedAt. Audited. */
  transitionCase(id: string, to: CaseState, change: CaseChange & { readonly note?: string }): Promise<Case>;
  /**
   * The one way back from `resolved`: the owner said "not me" after the case was closed (by a responder or by
   * itself). The case becomes `escalated`, its resolution is cleared, and the audit keeps what it was.
   * InvalidTransitionError when it is not resolved; ConflictError when another case is open for the target.
   */
  reopenCase(id: string, change: CaseChange & { readonly note: string }): Promise<Case>;
  /** Changes only what the patch names; audits the fields that actually changed (no entry when none did). */
  updateCase(id: string, patch: CasePatch, change: CaseChange): Promise<Case>;
  addComment(
    id: string,
    comment: { readonly author: string; readonly text: string; readonly nowMs: number },
  ): Promise<CaseComment>;

  // Owner verification ---------------------------------------------------------------------------
  /** Records a sent "was this you?" request; ConflictError when the token hash is already used. Audited. */
  createVerification(input: CreateVerificationInput): Promise<Verification>;
  /**
   * Atomic single use: the first answer before expiry wins; any later use says why it failed.
   * The answer is audited on the case; the caller changes the classification in the same transaction.
   */
  consumeVerification(input: {
    readonly tokenHash: string;
    readonly answer: VerificationAnswer;
    readonly nowMs: number;
  }): Promise<ConsumeVerificationResult>;
  /** The verification a link's token hash names, whatever its state; null when none. Reads only. */
  findVerification(tokenHash: string): Promise<Verification | null>;
  /** Pending verifications past their deadline: the escalation worker's input. */
  listExpiredVerifications(nowMs: number): Promise<Verification[]>;
  /** Marks one expired; false when it was answered (or escalated) meanwhile, so an answer is never overridden. */
  markVerificationEscalated(id: string, nowMs: number): Promise<boolean>;

  // Approvals -----------------------------------------------------------------------------------
  createApproval(input: CreateApprovalInput): Promise<StoredApproval>;
  /** All approvals (newest first), or only those not revoked whose window contains `activeAt`. */
  listApprovals(query?: { readonly activeAt?: number }): Promise<StoredApproval[]>;
  /** Revoked approvals never match again; revoking twice keeps the first revocation. NotFoundError when absent. */
  revokeApproval(id: string, by: string, nowMs: number): Promise<StoredApproval>;
  /** The oldest active approval covering this removal (user, account, actor, time), or null. */
  findApproval(input: FindApprovalInput): Promise<StoredApproval | null>;

  // Outbox --------------------------------------------------------------------------------------
  /** Queue a notification, normally in the transaction of the change it announces. Never twice per dedupeKey. */
  enqueueNotification(
    input: EnqueueNotificationInput,
  ): Promise<{ readonly id: string; readonly created: boolean }>;
  /** Leases due rows to one worker; rows leased by a live worker are skipped, expired leases are reclaimed. */
  claimNotifications(input: ClaimNotificationsInput): Promise<OutboxNotification[]>;
  /** False when this worker no longer holds the row (its lease was taken over, or it is already final). */
  markNotificationSent(id: string, workerId: string, nowMs: number): Promise<boolean>;
  /** Retry later (backoff chosen by the caller) or give up (dead letter, visible in the API). Same false as above. */
  markNotificationFailed(id: string, workerId: string, failure: NotificationFailure): Promise<boolean>;
  /**
   * Heartbeat: extends the lease of the rows this worker still holds to `nowMs + leaseMs`; returns their ids. A
   * short lease kept alive this way means a crashed worker's rows are re-sent soon, and only those truly in flight.
   */
  renewNotificationLeases(input: {
    readonly ids: readonly string[];
    readonly workerId: string;
    readonly nowMs: number;
    readonly leaseMs: number;
  }): Promise<string[]>;
  /**
   * A dead notification queued again: pending, due now, attempts counted afresh. NotFoundError when absent,
   * ConflictError when it is not dead (a pending one is still being tried; a sent one arrived).
   */
  retryNotification(id: string, nowMs: number): Promise<OutboxNotification>;
  /** Oldest first. */
  listNotifications(query: {
    readonly state: NotificationState;
    readonly limit: number;
  }): Promise<OutboxNotification[]>;
  /** The notifications about one case (payload `caseId`), in any state, oldest first, at most `limit`. */
  listCaseNotifications(caseId: string, limit: number): Promise<OutboxNotification[]>;
  outboxDepth(): Promise<OutboxDepth>;

  // API tokens -----------------------------------------------------------------------------------
  /** Idempotent by token hash (bootstrapping the admin token from the environment on every start). */
  createApiToken(
    input: CreateApiTokenInput,
  ): Promise<{ readonly token: ApiToken; readonly created: boolean }>;
  /** Only tokens that are not revoked. */
  findApiToken(tokenHash: string): Promise<ApiToken | null>;
  listApiTokens(): Promise<ApiToken[]>;
  /** NotFoundError when absent; revoking twice keeps the first revocation time. */
  revokeApiToken(id: string, nowMs: number): Promise<ApiToken>;

  // Checkpoints ----------------------------------------------------------------------------------
  /** Resume points for S3 polling and LookupEvents, e.g. the last key or time seen. */
  getCheckpoint(key: string): Promise<string | null>;
  setCheckpoint(key: string, value: string, nowMs: number): Promise<void>;

  // Work claims ----------------------------------------------------------------------------------
  /**
   * True when this worker now owns the item: not done, and not leased by another worker whose lease
   * is still running. Claiming again while owning it renews the lease.
   */
  claimWork(input: ClaimWorkInput): Promise<boolean>;
  /** False when the worker lost the lease (another worker took the item over) or it was already done. */
  completeWork(key: string, workerId: string, nowMs: number): Promise<boolean>;
  isWorkDone(key: string): Promise<boolean>;

  // Dead letters ---------------------------------------------------------------------------------
  addDeadLetter(input: AddDeadLetterInput): Promise<DeadLetter>;
  /** Newest first. */
  listDeadLetters(query: { readonly limit: number }): Promise<DeadLetter[]>;

  // KPIs -----------------------------------------------------------------------------------------
  kpiSnapshot(query: { readonly fromMs: number; readonly toMs: number }): Promise<KpiSnapshot>;
}

export interface Store extends StoreTx {
  /** `sqlite` or `postgres`, for health output and metrics labels. */
  readonly kind: 'sqlite' | 'postgres';
  /** The URL it was opened with, password removed. */
  readonly url: string;
  /**
   * Runs `fn` in one transaction: all its writes commit together or none do (a case change and its
   * outbox row, for instance). Use only `tx` inside: calling the store itself, or nesting transactions,
   * throws a StoreError with code `misuse`. Concurrent transactions are group-committed (one BEGIN ... COMMIT, each
   * in its own savepoint; see sql/group-commit.ts). `priority: 'background'` (a coalesced re-triage flush) runs only
   * when no foreground transaction waits, so ingestion never queues behind it.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Waits for running work, then closes connections; later calls throw a StoreError with code `closed`. */
  close(): Promise<void>;
}

export interface TransactionOptions {
  /**
   * `background`: yields the writer to every waiting foreground transaction (default `foreground`). `light`: a
   * transaction of a few statements, grouped with other light ones ahead of the foreground ones (taking turns), so it
   * never waits for a long one.
   */
  readonly priority?: 'light' | 'foreground' | 'background';
}

export interface OpenStoreOptions {
  /** SQLite: how long a write waits for another process's write lock (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** PostgreSQL: connections in the pool (default 10). */
  readonly poolSize?: number;
  /** PostgreSQL: give up connecting after this long (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** PostgreSQL: use this schema (created when missing), e.g. to share one database between environments. */
  readonly schema?: string;
  /**
   * Errors of background work: PostgreSQL's idle pooled connections (the pool replaces them), SQLite's checkpoint
   * worker (the automatic checkpoint takes over); ignored when not given.
   */
  readonly onBackgroundError?: (error: Error) => void;
  /**
   * SQLite: checkpoint the write-ahead log in a worker thread instead of inside the COMMIT that fills it (serve: see
   * sqlite/checkpointer.ts). Off by default: a short-lived command has no requests to keep waiting.
   */
  readonly backgroundCheckpoints?: boolean;
}
