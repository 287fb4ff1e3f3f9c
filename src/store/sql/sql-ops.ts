// Every store operation over one connection: the repositories, one per kind of stored data, composed into a StoreTx.

import { AlertsRepo } from './alerts-repo.ts';
import { ApprovalsRepo } from './approvals-repo.ts';
import { CasesRepo } from './cases-repo.ts';
import { DeadLettersRepo } from './dead-letters-repo.ts';
import type { Dialect, SqlConn } from './driver.ts';
import { EventsRepo } from './events-repo.ts';
import { KpisRepo } from './kpis-repo.ts';
import { OutboxRepo } from './outbox-repo.ts';
import { PostureSnapshotsRepo } from './posture-repo.ts';
import { RemovalChainsRepo } from './removal-chains-sql.ts';
import { ResponseActionsRepo } from './response-repo.ts';
import type { SqlCaches } from './sql-helpers.ts';
import { TokensRepo } from './tokens-repo.ts';
import { VerificationsRepo } from './verifications-repo.ts';
import { WorkRepo } from './work-repo.ts';
import type { StoreTx } from '../store.ts';

export { newSqlCaches } from './sql-helpers.ts';
export type { SqlCaches } from './sql-helpers.ts';

/** Alphabetical; each repository keeps one kind of data, and no two share a method name (checked when loaded). */
const REPOSITORIES = [
  AlertsRepo,
  ApprovalsRepo,
  CasesRepo,
  DeadLettersRepo,
  EventsRepo,
  KpisRepo,
  OutboxRepo,
  PostureSnapshotsRepo,
  RemovalChainsRepo,
  ResponseActionsRepo,
  TokensRepo,
  VerificationsRepo,
  WorkRepo,
] as const;

type Repository = InstanceType<(typeof REPOSITORIES)[number]>;
/** The public methods only (keyof leaves out the protected connection and #private members). */
type PublicOf<T> = T extends unknown ? Pick<T, keyof T> : never;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;
/** Compile-time proof that the repositories together cover StoreTx, with the same signatures. */
type Composed = UnionToIntersection<PublicOf<Repository>>;
const _coversStoreTx = (composed: Composed): StoreTx => composed;

type Method = (...args: unknown[]) => unknown;

/**
 * One transaction's (or one call's) view of the store. Built per call, so the forwarders live on the prototype,
 * installed once below: a call costs one extra function hop, not an object with ninety bound methods per call.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- the methods are StoreTx's, forwarded by the static block
export interface SqlOps extends StoreTx {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class SqlOps {
  readonly #conn: SqlConn;
  readonly #dialect: Dialect;
  readonly #caches: SqlCaches | undefined;
  /**
   * Each repository is built on its first call: an ingested event's transaction uses three to five of the thirteen,
   * and building all of them per transaction and per read was a measurable share of `serve`'s main thread.
   */
  readonly #parts: (Repository | undefined)[] = [];

  constructor(conn: SqlConn, dialect: Dialect, caches?: SqlCaches) {
    this.#conn = conn;
    this.#dialect = dialect;
    this.#caches = caches;
  }

  #part(index: number): Repository {
    let part = this.#parts[index];
    if (part === undefined) {
      part = new REPOSITORIES[index]!(this.#conn, this.#dialect, this.#caches);
      this.#parts[index] = part;
    }
    return part;
  }

  static {
    for (const [index, Repo] of REPOSITORIES.entries()) {
      for (const name of Object.getOwnPropertyNames(Repo.prototype)) {
        if (name === 'constructor') continue;
        if (Object.hasOwn(SqlOps.prototype, name)) throw new Error(`two store repositories define ${name}`);
        Object.defineProperty(SqlOps.prototype, name, {
          value(this: SqlOps, ...args: unknown[]): unknown {
            const part = this.#part(index) as unknown as Record<string, Method>;
            return (part[name] as Method).apply(part, args);
          },
        });
      }
    }
  }
}
