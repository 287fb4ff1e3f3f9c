// The live service's core, wired: ingest -> detect -> store -> triage -> cases -> verification and notifications.

import { chainOwnerLookups, configOwnerLookup, inspectVerificationLink } from '../../cases/index.ts';
import type { OwnerLookup } from '../../cases/index.ts';
import type { Route } from '../../notify/index.ts';
import type { Store } from '../../store/index.ts';
import { DEFAULT_SERVE_CONFIG } from '../config.ts';
import type { MfaguardConfig, ServeConfig } from '../config.ts';
import type { LoadedRuleSet } from '../rule-set.ts';
import type { LiveService, RecordOrigin } from './contract.ts';
import { decodeBytes, decodeRecords } from './decode.ts';
import type { DecodedBatch } from './decode.ts';
import { ingestEvents } from './ingest-batch.ts';
import { KeptWrites } from './kept-writes.ts';
import { createTransactionRunner } from './live-context.ts';
import type { LiveContext, LiveLogEntry, ResponseHooks } from './live-context.ts';
import { createLiveMetrics } from './metrics.ts';
import type { LiveMetrics } from './metrics.ts';
import type { NotificationContext } from './notifications.ts';
import { answerVerification } from './owner-answer.ts';
import { RetriageQueue } from './retriage-queue.ts';
import { SightingsBuffer } from './sightings-buffer.ts';
import { runTick } from './tick.ts';
import { flushRetriage } from './triage-writes.ts';

export type { LiveLogEntry, ResponseHooks } from './live-context.ts';

export interface LiveServiceDeps {
  readonly store: Store;
  readonly rules: LoadedRuleSet;
  readonly config: MfaguardConfig;
  /** HMAC key of the verification links (at least 32 random bytes; keep it across restarts or old links stop working). */
  readonly secret: Uint8Array;
  /** Base URL of the service as people reach it: links in messages point here. */
  readonly publicUrl: string;
  /** Epoch milliseconds. */
  readonly clock: () => number;
  readonly log?: (entry: LiveLogEntry) => void;
  /** Shared with the outbox worker and rendered by the HTTP layer; one is created when not given. */
  readonly metrics?: LiveMetrics;
  /** Owner sources tried after the configuration's `identities.owners`, e.g. `tagOwnerLookup` over IAM user tags. */
  readonly ownerLookups?: readonly OwnerLookup[];
  /** Notification routes; default: the configuration's `notify.routes`. */
  readonly routes?: readonly Route[];
  /** Random bytes for verification nonces (tests may fix them). */
  readonly randomBytes?: (size: number) => Buffer;
  /** The response (src/respond/): told of changed cases and ingested events after each commit; none when absent. */
  readonly responder?: ResponseHooks;
}

/** The live service plus what the shells need besides the contract. */
export interface LiveCore extends LiveService {
  readonly metrics: LiveMetrics;
}

/**
 * The live service composed of its parts (decode.ts, ingest-batch.ts, triage-writes.ts, case-steps.ts, escalation.ts,
 * owner-answer.ts, tick.ts): this wires their shared context (store, clock, config, retried transactions, metrics,
 * owner lookups) and logs and counts what fails at the edge.
 */
export function createLiveService(deps: LiveServiceDeps): LiveCore {
  const { store, rules, clock } = deps;
  const triageConfig = deps.config.triage;
  const serve: ServeConfig = deps.config.serve ?? DEFAULT_SERVE_CONFIG;
  const metrics = deps.metrics ?? createLiveMetrics();
  const log = (entry: LiveLogEntry): void => deps.log?.(entry);
  const notifyContext: NotificationContext = {
    routes: deps.routes ?? deps.config.notify?.routes ?? [],
    publicUrl: deps.publicUrl,
  };
  const ownerOf = chainOwnerLookups(
    [configOwnerLookup(triageConfig.owners), ...(deps.ownerLookups ?? [])],
    (error) => log({ level: 'warn', msg: 'owner lookup failed', error: String(error) }),
  );
  const coverageEnd = (now: number): number => now - serve.deliveryLagMs;
  const sightings = new SightingsBuffer();

  const inTransaction = createTransactionRunner({ store, metrics, log });
  const ctx: LiveContext = {
    store,
    rules,
    triageConfig,
    serve,
    clock,
    metrics,
    log,
    notifyContext,
    secret: deps.secret,
    publicUrl: deps.publicUrl,
    randomBytes: deps.randomBytes,
    responder: deps.responder,
    inTransaction,
    resolveOwners,
    coverageEnd,
    flushGuards: new Set(),
    sightings,
  };

  async function resolveOwners(targets: Iterable<{ key: string; account: string | null; userName: string }>) {
    const owners = new Map<string, string | null>();
    for (const target of targets) {
      if (owners.has(target.key)) continue;
      owners.set(target.key, await ownerOf({ account: target.account, userName: target.userName }));
    }
    return owners;
  }

  const retriageQueue = new RetriageQueue((events, chains) => flushRetriage(ctx, events, chains));
  const keptWrites = new KeptWrites(ctx);

  const ingest = (batch: DecodedBatch, origin: RecordOrigin) =>
    ingestEvents(ctx, { retriageQueue, keptWrites }, batch.events, batch.rejected, batch.received, origin);

  async function guarded<T>(where: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      metrics.inc('errors');
      log({
        level: 'error',
        msg: `${where} failed`,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  return {
    metrics,

    ingestRecords(records, origin) {
      return guarded('ingest', async () => {
        return ingest(decodeRecords(records, origin, clock()), origin);
      });
    },

    ingestBytes(data, origin) {
      return guarded('ingest', async () => {
        return ingest(decodeBytes(data, origin, clock()), origin);
      });
    },

    answerVerification(token, answer) {
      return guarded('verification', () => answerVerification(ctx, token, answer));
    },

    inspectVerification(token) {
      return guarded('verification', () => inspectVerificationLink(deps.store, deps.secret, token, clock()));
    },

    tick() {
      return guarded('tick', () => runTick(ctx));
    },
  };
}
