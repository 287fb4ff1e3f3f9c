// What the parts of the live service share: their dependencies, a batch's effects, and transactions that are retried.

import type { TriageConfig } from '../../enrich/index.ts';
import type { Alert, CloudTrailEvent } from '../../model/index.ts';
import type { Store, StoreTx, TransactionOptions } from '../../store/index.ts';
import { isTransientStoreError } from '../../store/index.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServeConfig } from '../config.ts';
import type { LoadedRuleSet } from '../rule-set.ts';
import type { LiveMetrics } from './metrics.ts';
import type { NotificationContext } from './notifications.ts';
import type { SightingsBuffer } from './sightings-buffer.ts';

export interface LiveLogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** What the live core tells the responder; it logs its own failures and never throws into ingestion. */
export interface ResponseHooks {
  caseChanged(caseIds: readonly string[]): Promise<void>;
  eventsIngested(events: readonly CloudTrailEvent[]): Promise<void>;
  tick(): Promise<void>;
}

/** Everything a batch does inside its transaction, gathered for the outcome and for logs after commit. */
export interface BatchEffects {
  readonly newAlerts: Map<string, Alert>;
  readonly caseIds: Set<string>;
  readonly counters: Map<Parameters<LiveMetrics['inc']>[0], number>;
  readonly logs: LiveLogEntry[];
}

export function count(effects: BatchEffects, counter: Parameters<LiveMetrics['inc']>[0], by = 1): void {
  effects.counters.set(counter, (effects.counters.get(counter) ?? 0) + by);
}

/** What a re-triage wrote, for the cases step that follows it. */
export interface Retriaged {
  /** Cases whose alerts changed. */
  readonly touched: Set<string>;
  /** Incident alerts stored earlier in no case (a deleted device seen before its removal): they join one now. */
  readonly unattached: Alert[];
  /** The ids of each removal's own alerts, by removal event id. */
  readonly removalAlerts: Map<string, string[]>;
}

/**
 * Runs `fn` in one transaction with fresh effects; counted and logged once it commits. `background` (a coalesced
 * re-triage flush): the store lets every waiting ingestion transaction go first.
 */
export type Transact = <T>(
  fn: (tx: StoreTx, effects: BatchEffects) => Promise<T>,
  options?: TransactionOptions,
) => Promise<T>;

/** Whom to ask about a user, by case target key (null: nobody on record). */
export type OwnerTargets = Iterable<{ key: string; account: string | null; userName: string }>;

/** The live service's dependencies as its parts see them; each part takes the slice it needs (Pick). */
export interface LiveContext {
  readonly store: Store;
  readonly rules: LoadedRuleSet;
  readonly triageConfig: TriageConfig;
  readonly serve: ServeConfig;
  /** Epoch milliseconds. */
  readonly clock: () => number;
  readonly metrics: LiveMetrics;
  readonly log: (entry: LiveLogEntry) => void;
  readonly notifyContext: NotificationContext;
  /** HMAC key of the verification links. */
  readonly secret: Uint8Array;
  readonly publicUrl: string;
  readonly randomBytes: ((size: number) => Buffer) | undefined;
  readonly responder: ResponseHooks | undefined;
  readonly inTransaction: Transact;
  /** Baseline sightings waiting for the next write (see sightings-buffer.ts). */
  readonly sightings: SightingsBuffer;
  readonly resolveOwners: (targets: OwnerTargets) => Promise<Map<string, string | null>>;
  /**
   * Alerts written by triage while a flush is between its reads and its writes (see flushRetriage): one set per
   * flush in progress. Their values come from a triage that ran later, over more events, so the flush leaves them
   * alone.
   */
  readonly flushGuards: Set<Set<string>>;
  /** The time up to which every event is taken to have arrived (CloudTrail delivers late). */
  readonly coverageEnd: (now: number) => number;
}

/**
 * A transaction that lost a race (PostgreSQL deadlock victim, serialisation failure) or met a momentary outage
 * (connection reset, server restarting) is run again, this often in all; after that the caller answers 503.
 */
const MAX_TX_ATTEMPTS = 5;
/** Pause before attempt n+1: 20 ms doubling to at most 400 ms, with jitter, about 1.5 s in all. */
const txRetryPauseMs = (failed: number): number => {
  const base = Math.min(400, 20 * 2 ** (failed - 1));
  return base + Math.random() * base;
};

/**
 * Runs `fn` in one transaction, again when the database picked it as a deadlock victim or the connection
 * broke before COMMIT (nothing was written: the work is simply redone, with fresh effects).
 */
export function createTransactionRunner(context: Pick<LiveContext, 'store' | 'metrics' | 'log'>): Transact {
  const { store, metrics, log } = context;
  return async function inTransaction<T>(
    fn: (tx: StoreTx, effects: BatchEffects) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const effects: BatchEffects = {
        newAlerts: new Map(),
        caseIds: new Set(),
        counters: new Map(),
        logs: [],
      };
      try {
        const result = await store.transaction((tx) => fn(tx, effects), options);
        for (const [counter, by] of effects.counters) metrics.inc(counter, by);
        for (const entry of effects.logs) log(entry);
        return result;
      } catch (error) {
        if (!isTransientStoreError(error) || attempt >= MAX_TX_ATTEMPTS) throw error;
        await sleep(txRetryPauseMs(attempt));
      }
    }
  };
}
