// The chain summary against the reference, on random chains: whatever the order removals arrive in (in order, out of
// order, twice, in batches), for several callers and accounts, with self-removals, unnamed users and user names that
// differ only by case, each removal stepped gets the burst standing findBursts gives over every removal stored so far,
// every earlier removal whose standing it changed is reported, and the stored row matches the chain's end.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { byTime, findBursts, isMfaRemoval } from '../../detect/index.ts';
import type { Burst } from '../../detect/index.ts';
import { DEFAULT_TRIAGE_CONFIG } from '../../enrich/index.ts';
import type { TriageConfig } from '../../enrich/index.ts';
import { normalizeRecord } from '../../ingest/index.ts';
import type { CloudTrailEvent } from '../../model/index.ts';
import { actorKeyOf } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import { assertProperty } from '../../test-support/property.ts';
import { stepRemovalChains } from './removal-chain.ts';
import type { TempStore } from './test-support/live.ts';
import { tempSqlite } from './test-support/live.ts';

// Small bursts in a short window, so a few dozen removals make chains, bursts, gaps and greedy cuts.
const CONFIG: TriageConfig = { ...DEFAULT_TRIAGE_CONFIG, burstCount: 3, burstWindowMs: 60_000 };
const START = Date.parse('2026-11-20T10:00:00Z');
const ACCOUNTS = ['111122223333', '444455556666'] as const;
const USERS = ['u1', 'U1', 'u2', 'U2', 'u3', 'u4', 'u5', 'Bob', 'bob', 'self', 'none'] as const;

interface Spec {
  readonly caller: 0 | 1;
  readonly account: 0 | 1;
  readonly user: (typeof USERS)[number];
  readonly second: number;
  readonly failed: boolean;
  readonly copies: number;
  readonly keys: readonly number[];
}

/** A DeactivateMFADevice record: caller 0 an IAM user (an unnamed target is itself), caller 1 a role (unknown). */
function record(run: number, index: number, spec: Spec): Record<string, unknown> {
  const account = ACCOUNTS[spec.account];
  const name = `${spec.caller === 0 ? 'mallory' : 'ops'}${run}`;
  const identity =
    spec.caller === 0
      ? {
          type: 'IAMUser',
          principalId: `AIDA${name.toUpperCase()}`,
          arn: `arn:aws:iam::${account}:user/${name}`,
          accountId: account,
          accessKeyId: 'AKIAEXAMPLEKEY00001',
          userName: name,
        }
      : {
          type: 'AssumedRole',
          principalId: `AROA${name.toUpperCase()}:${name}`,
          arn: `arn:aws:sts::${account}:assumed-role/Admin/${name}`,
          accountId: account,
          accessKeyId: 'ASIAEXAMPLEKEY00001',
        };
  const user = spec.user === 'self' ? name : spec.user === 'none' ? null : spec.user;
  return {
    eventVersion: '1.09',
    userIdentity: identity,
    eventTime: new Date(START + spec.second * 1_000).toISOString(),
    eventSource: 'iam.amazonaws.com',
    eventName: 'DeactivateMFADevice',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0 Python/3.11',
    requestParameters:
      user === null ? null : { userName: user, serialNumber: `arn:aws:iam::${account}:mfa/${user}` },
    responseElements: null,
    ...(spec.failed ? { errorCode: 'AccessDenied', errorMessage: 'not authorized' } : {}),
    eventID: `r${run}-${index}`,
    recipientAccountId: account,
  };
}

function decoded(raw: Record<string, unknown>): CloudTrailEvent {
  const result = normalizeRecord(raw, { location: 'property', index: 0 });
  assert.ok(result.ok);
  return result.event;
}

const spec: fc.Arbitrary<Spec> = fc.record({
  // Mostly one caller in one account, so chains are long enough to hold bursts and appends.
  caller: fc.constantFrom(0 as const, 0 as const, 0 as const, 1 as const),
  account: fc.constantFrom(0 as const, 0 as const, 0 as const, 1 as const),
  user: fc.constantFrom(...USERS),
  second: fc.integer({ min: 0, max: 150 }),
  failed: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  copies: fc.integer({ min: 1, max: 2 }),
  keys: fc.array(fc.nat(), { minLength: 2, maxLength: 2 }),
});

const scenario = fc.record({
  specs: fc.array(spec, { minLength: 1, maxLength: 30, size: 'medium' }),
  inOrder: fc.boolean(),
  batches: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 40, maxLength: 40 }),
});

/** A removal's standing as findBursts gives it: its burst's first removal, and the burst as it stood at it. */
function standingOf(bursts: ReadonlyMap<string, Pick<Burst, 'removals' | 'soFar'>>, id: string): string {
  const burst = bursts.get(id);
  return burst === undefined ? 'none' : JSON.stringify([burst.removals[0]?.id, burst.soFar.get(id)]);
}

describe('removal chain summaries on random chains (SQLite)', () => {
  let temp: TempStore;
  let store: Store;
  let run = 0;
  before(async () => {
    temp = tempSqlite();
    store = await temp.open();
  });
  after(async () => {
    await store.close();
    temp.cleanup();
  });

  it('give each stepped removal the standing findBursts gives over the stored chain', async () => {
    await assertProperty(
      fc.asyncProperty(scenario, async ({ specs, inOrder, batches }) => {
        run++;
        const events = specs.map((item, index) => decoded(record(run, index, item)));
        // Deliveries: each copy of each event, in time order or shuffled by its key.
        const deliveries = specs.flatMap((item, index) =>
          item.keys.slice(0, item.copies).map((key) => ({ event: events[index]!, key })),
        );
        if (inOrder) deliveries.sort((a, b) => byTime(a.event, b.event));
        else deliveries.sort((a, b) => a.key - b.key);
        const stored: CloudTrailEvent[] = [];
        let at = 0;
        for (const size of batches) {
          if (at >= deliveries.length) break;
          const batch = [...new Set(deliveries.slice(at, at + size).map((delivery) => delivery.event))];
          at += size;
          const beforeBursts = findBursts(stored.filter(isMfaRemoval), CONFIG);
          const { inserted, steps } = await store.transaction(async (tx) => {
            const result = await tx.insertEvents(batch);
            return { inserted: result.inserted, steps: await stepRemovalChains(tx, result.inserted, CONFIG) };
          });
          stored.push(...inserted);
          const bursts = findBursts(stored.filter(isMfaRemoval), CONFIG);
          const changed = new Set(steps.changed.map((event) => event.id));
          // A removal a later one of its batch changed (a burst it completed) is re-triaged from the chain, as
          // reported; the others are triaged with the standing given.
          for (const [id, standing] of steps.standings) {
            if (changed.has(id)) continue;
            const got = standing.burst === null ? 'none' : standingOf(new Map([[id, standing.burst]]), id);
            assert.equal(got, standingOf(bursts, id), `the standing of ${id}`);
          }
          for (const event of stored.filter(isMfaRemoval))
            if (
              !inserted.includes(event) &&
              standingOf(beforeBursts, event.id) !== standingOf(bursts, event.id)
            )
              assert.ok(changed.has(event.id), `${event.id}'s standing changed and is reported`);
        }
        await checkRows(store, stored);
      }),
      { numRuns: 150 },
    );
  });
});

/** Each caller's row: its newest removal, and (when that is in a burst) the burst's first removal and users. */
async function checkRows(store: Store, stored: readonly CloudTrailEvent[]): Promise<void> {
  const bursts = findBursts(stored.filter(isMfaRemoval), CONFIG);
  const chains = new Map<string, CloudTrailEvent[]>();
  for (const event of [...stored].sort(byTime)) {
    const key = `${actorKeyOf(event.actor)}\u0000${event.account}`;
    chains.set(key, [...(chains.get(key) ?? []), event]);
  }
  for (const chain of chains.values()) {
    const sample = chain[0]!;
    const row = await store.transaction((tx) =>
      tx.lockRemovalChain(actorKeyOf(sample.actor)!, sample.account),
    );
    const removals = chain.filter(isMfaRemoval);
    const failed = chain.filter((event) => !isMfaRemoval(event)).map((event) => event.timeMs);
    assert.equal(row?.failedMs ?? null, failed.length === 0 ? null : Math.max(...failed), 'newest refused');
    const last = removals[removals.length - 1];
    assert.equal(row?.lastId ?? null, last?.id ?? null, 'newest removal');
    if (last === undefined) continue;
    const burst = bursts.get(last.id);
    if (burst !== undefined) {
      assert.equal(row?.burstFirstId, burst.removals[0]?.id, "the newest removal's burst");
      assert.equal(row?.burstUsers, burst.targets.length, 'its users');
    } else if (row?.burstFirstMs !== null && row?.burstFirstMs !== undefined) {
      // A burst the newest removal is not in may stay named (as it was, when a late removal changed an older chain):
      // it must have ended, so that no later removal joins it.
      assert.ok(last.timeMs - row.burstFirstMs > CONFIG.burstWindowMs, 'the burst named has ended');
    }
  }
}

describe('user names that differ only by case', () => {
  it('are one user in a burst, for findBursts and for the chain summary alike', async () => {
    const temp = tempSqlite();
    const store = await temp.open();
    try {
      const users = ['u1', 'U1', 'u2', 'u3'] as const;
      const events = users.map((user, index) =>
        decoded(
          record(0, index, {
            caller: 0,
            account: 0,
            user,
            second: index,
            failed: false,
            copies: 1,
            keys: [],
          }),
        ),
      );
      const bursts = findBursts(events.slice(0, 3), CONFIG);
      assert.equal(bursts.size, 0, 'u1, U1 and u2 are two users: no burst of three');
      const burst = findBursts(events, CONFIG).get('r0-3');
      assert.deepEqual(burst?.targets, ['u1', 'u2', 'u3'], 'named as first spelled');
      assert.deepEqual(
        events.map((event) => burst?.soFar.get(event.id)?.count),
        [1, 1, 2, 3],
      );
      // The summary, stepped one removal at a time, counts the same users (the last step appends to the burst).
      let users4 = 0;
      for (const event of [
        ...events,
        decoded(
          record(0, 4, { caller: 0, account: 0, user: 'U2', second: 4, failed: false, copies: 1, keys: [] }),
        ),
      ]) {
        const steps = await store.transaction(async (tx) =>
          stepRemovalChains(tx, (await tx.insertEvents([event])).inserted, CONFIG),
        );
        users4 = steps.standings.get(event.id)?.burst?.soFar.get(event.id)?.count ?? 0;
      }
      assert.equal(users4, 3, 'U2 after u2 adds no user');
    } finally {
      await store.close();
      temp.cleanup();
    }
  });
});
