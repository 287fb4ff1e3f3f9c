// The Store both databases share: transactions, misuse guards and the one-call-one-transaction wrappers.

import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTransientStoreError, StoreError } from '../errors.ts';
import type {
  AddDeadLetterInput,
  AlertQuery,
  CaseChange,
  ApiRole,
  CasePatch,
  CaseQuery,
  CaseState,
  ClaimNotificationsInput,
  ClaimWorkInput,
  CreateApiTokenInput,
  CreateApprovalInput,
  CreateVerificationInput,
  EnqueueNotificationInput,
  EventQuery,
  FindApprovalInput,
  NotificationFailure,
  NotificationState,
  OpenOrAttachCaseInput,
  Store,
  StoreTx,
  TransactionOptions,
  VerificationAnswer,
} from '../store.ts';
import type { Alert, CloudTrailEvent } from '../../model/index.ts';
import type { SightingQuery, SightingRow } from '../baseline-sightings.ts';
import type { JobLeaseInput } from '../job-leases.ts';
import type { RemovalChain } from '../removal-chains.ts';
import type { DenialFact, KpiFactsQuery } from '../kpi-facts.ts';
import type { PostureSnapshotInput, PostureSnapshotQuery } from '../posture-snapshots.ts';
import type { SessionLink } from '../session-links.ts';
import type {
  PlanResponseActionInput,
  ResponseActionPatch,
  ResponseActionQuery,
  ResponseActionState,
} from '../response-actions.ts';
import type { SqlConn, SqlDriver, SqlRow, SqlValue } from './driver.ts';
import { newSqlCaches, SqlOps } from './sql-ops.ts';

/** A single store call is tried this often in all when it fails for a transient reason. */
const STORE_CALL_ATTEMPTS = 3;

/** Exponential pause with jitter: 25-50 ms, then 50-100 ms, ... capped at 1 s, so retries from many callers spread out. */
export function retryPauseMs(failedAttempts: number): number {
  const base = Math.min(1000, 25 * 2 ** (failedAttempts - 1));
  return base + Math.random() * base;
}

interface TxContext {
  active: boolean;
}

/** A connection handle that stops working when its transaction ends, so a leaked `tx` cannot write later. */
class ScopedConn implements SqlConn {
  readonly #conn: SqlConn;
  readonly #context: TxContext;
  constructor(conn: SqlConn, context: TxContext) {
    this.#conn = conn;
    this.#context = context;
  }
  #check(): void {
    if (!this.#context.active)
      throw new StoreError(
        'misuse',
        'this transaction has already ended: use tx only inside the transaction callback',
      );
  }
  query<R extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    this.#check();
    return this.#conn.query<R>(sql, params);
  }
  execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    this.#check();
    return this.#conn.execute(sql, params);
  }
}

export class SqlStore implements Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly url: string;
  readonly #driver: SqlDriver;
  /** Marks code running inside one of this store's transactions, to catch calls that bypass `tx`. */
  readonly #inTransaction = new AsyncLocalStorage<TxContext>();
  /** Decoded event and alert bodies, shared by every call and transaction of this store (see decoded-cache.ts). */
  readonly #caches = newSqlCaches();
  #closed = false;

  constructor(driver: SqlDriver, url: string) {
    this.#driver = driver;
    this.kind = driver.dialect.name;
    this.url = url;
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.#guard('transaction');
    return this.#driver.transaction(async (conn) => {
      const context: TxContext = { active: true };
      try {
        return await this.#inTransaction.run(context, () =>
          fn(new SqlOps(new ScopedConn(conn, context), this.#driver.dialect, this.#caches)),
        );
      } finally {
        context.active = false;
      }
    }, options.priority);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#driver.close();
  }

  /**
   * Inside a transaction the store itself must not be used: on SQLite it would wait for the transaction
   * that is waiting for it (a deadlock); on PostgreSQL it would silently write outside the transaction.
   */
  #guard(method: string): void {
    if (this.#closed) throw new StoreError('closed', `store ${this.url} is closed`);
    if (this.#inTransaction.getStore()?.active === true) {
      throw new StoreError(
        'misuse',
        method === 'transaction'
          ? 'nested transaction: store.transaction() was called inside a transaction; use the tx you were given'
          : `store.${method}() was called inside a transaction; use tx.${method}() so it is part of the transaction`,
      );
    }
  }

  async #write<T>(method: string, op: (ops: SqlOps) => Promise<T>): Promise<T> {
    this.#guard(method);
    return this.#withRetry(() =>
      this.#driver.transaction((conn) => op(new SqlOps(conn, this.#driver.dialect, this.#caches))),
    );
  }

  /**
   * A single store call is pure database work, so a deadlock, a lost race (PostgreSQL picks a victim when
   * two workers' batches overlap) or a momentary outage (a connection reset, a server restarting) is simply
   * retried, with a growing pause. User transactions are not: their callback may have done other things;
   * the caller gets the transient error (see isTransientStoreError) and decides.
   */
  async #withRetry<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isTransientStoreError(error) || tries >= STORE_CALL_ATTEMPTS) throw error;
        await sleep(retryPauseMs(tries));
      }
    }
  }

  async #read<T>(method: string, op: (ops: SqlOps) => Promise<T>): Promise<T> {
    this.#guard(method);
    return this.#withRetry(() =>
      this.#driver.read((conn) => op(new SqlOps(conn, this.#driver.dialect, this.#caches))),
    );
  }

  // Each call is its own transaction (writes) or runs on committed data (reads).

  insertEvents(
    events: readonly CloudTrailEvent[],
    options?: { readonly sightings?: readonly SightingRow[] },
  ) {
    return this.#write('insertEvents', (ops) => ops.insertEvents(events, options));
  }
  findEvents(query: EventQuery) {
    return this.#read('findEvents', (ops) => ops.findEvents(query));
  }
  recordSightings(rows: readonly SightingRow[]) {
    return this.#write('recordSightings', (ops) => ops.recordSightings(rows));
  }
  findSightings(query: SightingQuery) {
    return this.#read('findSightings', (ops) => ops.findSightings(query));
  }
  planResponseAction(input: PlanResponseActionInput) {
    return this.#write('planResponseAction', (ops) => ops.planResponseAction(input));
  }
  getResponseAction(id: string) {
    return this.#read('getResponseAction', (ops) => ops.getResponseAction(id));
  }
  listResponseActions(query: ResponseActionQuery) {
    return this.#read('listResponseActions', (ops) => ops.listResponseActions(query));
  }
  updateResponseAction(
    id: string,
    expect: readonly ResponseActionState[],
    patch: ResponseActionPatch,
    change: { readonly actor: string; readonly nowMs: number; readonly note: string },
  ) {
    return this.#write('updateResponseAction', (ops) => ops.updateResponseAction(id, expect, patch, change));
  }
  insertAlerts(alerts: readonly Alert[], detectedAtMs: number) {
    return this.#write('insertAlerts', (ops) => ops.insertAlerts(alerts, detectedAtMs));
  }
  updateAlert(alert: Alert, nowMs: number) {
    return this.#write('updateAlert', (ops) => ops.updateAlert(alert, nowMs));
  }
  getAlert(id: string) {
    return this.#read('getAlert', (ops) => ops.getAlert(id));
  }
  getAlertWithCase(id: string) {
    return this.#read('getAlertWithCase', (ops) => ops.getAlertWithCase(id));
  }
  listAlerts(query: AlertQuery) {
    return this.#read('listAlerts', (ops) => ops.listAlerts(query));
  }
  openOrAttachCase(input: OpenOrAttachCaseInput) {
    return this.#write('openOrAttachCase', (ops) => ops.openOrAttachCase(input));
  }
  getCase(id: string) {
    return this.#read('getCase', (ops) => ops.getCase(id));
  }
  listCases(query: CaseQuery) {
    return this.#read('listCases', (ops) => ops.listCases(query));
  }
  transitionCase(id: string, to: CaseState, change: CaseChange & { readonly note?: string }) {
    return this.#write('transitionCase', (ops) => ops.transitionCase(id, to, change));
  }
  reopenCase(id: string, change: CaseChange & { readonly note: string }) {
    return this.#write('reopenCase', (ops) => ops.reopenCase(id, change));
  }
  updateCase(id: string, patch: CasePatch, change: CaseChange) {
    return this.#write('updateCase', (ops) => ops.updateCase(id, patch, change));
  }
  addComment(
    id: string,
    comment: { readonly author: string; readonly text: string; readonly nowMs: number },
  ) {
    return this.#write('addComment', (ops) => ops.addComment(id, comment));
  }
  createVerification(input: CreateVerificationInput) {
    return this.#write('createVerification', (ops) => ops.createVerification(input));
  }
  consumeVerification(input: {
    readonly tokenHash: string;
    readonly answer: VerificationAnswer;
    readonly nowMs: number;
  }) {
    return this.#write('consumeVerification', (ops) => ops.consumeVerification(input));
  }
  findVerification(tokenHash: string) {
    return this.#read('findVerification', (ops) => ops.findVerification(tokenHash));
  }
  listExpiredVerifications(nowMs: number) {
    return this.#read('listExpiredVerifications', (ops) => ops.listExpiredVerifications(nowMs));
  }
  markVerificationEscalated(id: string, nowMs: number) {
    return this.#write('markVerificationEscalated', (ops) => ops.markVerificationEscalated(id, nowMs));
  }
  createApproval(input: CreateApprovalInput) {
    return this.#write('createApproval', (ops) => ops.createApproval(input));
  }
  listApprovals(query?: { readonly activeAt?: number }) {
    return this.#read('listApprovals', (ops) => ops.listApprovals(query));
  }
  revokeApproval(id: string, by: string, nowMs: number) {
    return this.#write('revokeApproval', (ops) => ops.revokeApproval(id, by, nowMs));
  }
  findApproval(input: FindApprovalInput) {
    return this.#read('findApproval', (ops) => ops.findApproval(input));
  }
  enqueueNotification(input: EnqueueNotificationInput) {
    return this.#write('enqueueNotification', (ops) => ops.enqueueNotification(input));
  }
  claimNotifications(input: ClaimNotificationsInput) {
    return this.#write('claimNotifications', (ops) => ops.claimNotifications(input));
  }
  markNotificationSent(id: string, workerId: string, nowMs: number) {
    return this.#write('markNotificationSent', (ops) => ops.markNotificationSent(id, workerId, nowMs));
  }
  markNotificationFailed(id: string, workerId: string, failure: NotificationFailure) {
    return this.#write('markNotificationFailed', (ops) => ops.markNotificationFailed(id, workerId, failure));
  }
  renewNotificationLeases(input: Parameters<StoreTx['renewNotificationLeases']>[0]) {
    return this.#write('renewNotificationLeases', (ops) => ops.renewNotificationLeases(input));
  }
  retryNotification(id: string, nowMs: number) {
    return this.#write('retryNotification', (ops) => ops.retryNotification(id, nowMs));
  }
  listNotifications(query: { readonly state: NotificationState; readonly limit: number }) {
    return this.#read('listNotifications', (ops) => ops.listNotifications(query));
  }
  listCaseNotifications(caseId: string, limit: number) {
    return this.#read('listCaseNotifications', (ops) => ops.listCaseNotifications(caseId, limit));
  }
  outboxDepth() {
    return this.#read('outboxDepth', (ops) => ops.outboxDepth());
  }
  createApiToken(input: CreateApiTokenInput) {
    return this.#write('createApiToken', (ops) => ops.createApiToken(input));
  }
  findApiToken(tokenHash: string) {
    return this.#read('findApiToken', (ops) => ops.findApiToken(tokenHash));
  }
  listApiTokens() {
    return this.#read('listApiTokens', (ops) => ops.listApiTokens());
  }
  revokeApiToken(id: string, nowMs: number) {
    return this.#write('revokeApiToken', (ops) => ops.revokeApiToken(id, nowMs));
  }
  getCheckpoint(key: string) {
    return this.#read('getCheckpoint', (ops) => ops.getCheckpoint(key));
  }
  setCheckpoint(key: string, value: string, nowMs: number) {
    return this.#write('setCheckpoint', (ops) => ops.setCheckpoint(key, value, nowMs));
  }
  claimWork(input: ClaimWorkInput) {
    return this.#write('claimWork', (ops) => ops.claimWork(input));
  }
  completeWork(key: string, workerId: string, nowMs: number) {
    return this.#write('completeWork', (ops) => ops.completeWork(key, workerId, nowMs));
  }
  isWorkDone(key: string) {
    return this.#read('isWorkDone', (ops) => ops.isWorkDone(key));
  }
  acquireJobLease(input: JobLeaseInput) {
    return this.#write('acquireJobLease', (ops) => ops.acquireJobLease(input));
  }
  releaseJobLease(name: string, workerId: string) {
    return this.#write('releaseJobLease', (ops) => ops.releaseJobLease(name, workerId));
  }
  getJobLease(name: string) {
    return this.#read('getJobLease', (ops) => ops.getJobLease(name));
  }
  lockRemovalChain(actorKey: string, account: string | null) {
    return this.#write('lockRemovalChain', (ops) => ops.lockRemovalChain(actorKey, account));
  }
  putRemovalChain(chain: RemovalChain) {
    return this.#write('putRemovalChain', (ops) => ops.putRemovalChain(chain));
  }
  recordPostureSnapshot(input: PostureSnapshotInput) {
    return this.#write('recordPostureSnapshot', (ops) => ops.recordPostureSnapshot(input));
  }
  listPostureSnapshots(query: PostureSnapshotQuery) {
    return this.#read('listPostureSnapshots', (ops) => ops.listPostureSnapshots(query));
  }
  getPostureSnapshot(id: string) {
    return this.#read('getPostureSnapshot', (ops) => ops.getPostureSnapshot(id));
  }
  latestPostureSnapshots(query: { readonly accountId?: string } = {}) {
    return this.#read('latestPostureSnapshots', (ops) => ops.latestPostureSnapshots(query));
  }
  linkSession(link: SessionLink) {
    return this.#write('linkSession', (ops) => ops.linkSession(link));
  }
  getSessionLink(tokenId: string) {
    return this.#read('getSessionLink', (ops) => ops.getSessionLink(tokenId));
  }
  refreshSession(input: SessionLink & { readonly role: ApiRole }) {
    return this.#write('refreshSession', (ops) => ops.refreshSession(input));
  }
  deleteEndedSessions(beforeMs: number) {
    return this.#write('deleteEndedSessions', (ops) => ops.deleteEndedSessions(beforeMs));
  }
  addDeadLetter(input: AddDeadLetterInput) {
    return this.#write('addDeadLetter', (ops) => ops.addDeadLetter(input));
  }
  listDeadLetters(query: { readonly limit: number }) {
    return this.#read('listDeadLetters', (ops) => ops.listDeadLetters(query));
  }
  kpiSnapshot(query: { readonly fromMs: number; readonly toMs: number }) {
    return this.#read('kpiSnapshot', (ops) => ops.kpiSnapshot(query));
  }

  kpiFacts(query: KpiFactsQuery) {
    return this.#read('kpiFacts', (ops) => ops.kpiFacts(query));
  }
  recordDenials(denials: readonly DenialFact[]) {
    return this.#write('recordDenials', (ops) => ops.recordDenials(denials));
  }
}
