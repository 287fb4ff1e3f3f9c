// The store contract's part on the alerts list: every filter, every sort in both directions, keyset paging.

import assert from 'node:assert/strict';
import type { Alert, Severity } from '../../model/index.ts';
import { UsageError } from '../../model/index.ts';
import { targetKeyOf } from '../keys.ts';
import type { AlertQuery, Store } from '../store.ts';

type ContractTest = (title: string, body: (open: () => Promise<Store>) => Promise<void>) => void;
type MakeAlert = (
  id: string,
  overrides: { eventTimeMs?: number; severity?: Severity; targetUser?: string | null },
) => Alert;

const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);
const MINUTE = 60_000;

interface Spec {
  readonly id: string;
  /** Minutes after T0 of the event; detection is in reverse order, so the two sorts disagree. */
  readonly minute: number;
  readonly severity: Severity;
  readonly account: string;
  readonly region: string;
  readonly actor: string;
  readonly ip: string;
  readonly target: string;
  /** The removal this alert belongs to (its own event when it is the removal). */
  readonly incident?: string;
}

const SPECS: readonly Spec[] = [
  {
    id: 'r1',
    minute: 0,
    severity: 'high',
    account: '111122223333',
    region: 'us-east-1',
    actor: 'bob',
    ip: '198.51.100.1',
    target: 'alice',
    incident: 'evt-r1',
  },
  {
    id: 'd1',
    minute: 1,
    severity: 'medium',
    account: '111122223333',
    region: 'us-east-1',
    actor: 'bob',
    ip: '198.51.100.1',
    target: 'alice',
    incident: 'evt-r1',
  },
  {
    id: 'e1',
    minute: 2,
    severity: 'critical',
    account: '111122223333',
    region: 'us-east-1',
    actor: 'bob',
    ip: '198.51.100.1',
    target: 'alice',
    incident: 'evt-r1',
  },
  {
    id: 'r2',
    minute: 3,
    severity: 'low',
    account: '444455556666',
    region: 'eu-west-1',
    actor: 'Carol',
    ip: '203.0.113.9',
    target: 'dave',
    incident: 'evt-r2',
  },
  {
    id: 'x1',
    minute: 4,
    severity: 'high',
    account: '444455556666',
    region: 'eu-west-1',
    actor: 'carol',
    ip: '2001:db8::1',
    target: 'erin',
  },
  {
    id: 'x2',
    minute: 5,
    severity: 'info',
    account: '111122223333',
    region: 'ap-south-1',
    actor: 'frank',
    ip: '198.51.100.2',
    target: 'gina',
  },
];

function build(make: MakeAlert, spec: Spec): Alert {
  const base = make(spec.id, {
    eventTimeMs: T0 + spec.minute * MINUTE,
    severity: spec.severity,
    targetUser: spec.target,
  });
  return {
    ...base,
    event: { ...base.event, account: spec.account, region: spec.region },
    actor: {
      ...base.actor,
      arn: `arn:aws:iam::${spec.account}:user/${spec.actor}`,
      userName: spec.actor,
      sourceIp: spec.ip,
    },
    ...(spec.incident === undefined
      ? {}
      : {
          incident: {
            removalEventId: spec.incident,
            role: spec.incident === `evt-${spec.id}` ? ('removal' as const) : ('member' as const),
          },
        }),
  };
}

async function seed(store: Store, make: MakeAlert): Promise<void> {
  // Detected in reverse event order: the newest event is the first detected.
  for (const [index, spec] of [...SPECS].reverse().entries())
    await store.insertAlerts([build(make, spec)], T0 + 10 * MINUTE + index * 1000);
  // alice's incident is in a resolved case, dave's in an open one; erin and gina in none.
  for (const id of ['r1', 'r2']) {
    const stored = await store.getAlert(id);
    assert.ok(stored);
    const opened = await store.openOrAttachCase({
      alert: stored.alert,
      targetKey: targetKeyOf(stored.alert.event.account, stored.alert.target.userName ?? ''),
      nowMs: T0 + 20 * MINUTE,
      actor: 'system',
    });
    if (id === 'r1')
      await store.transitionCase(opened.case.id, 'resolved', { actor: 'system', nowMs: T0 + 21 * MINUTE });
  }
}

/** Every page of a query, following nextCursor, `size` at a time. */
async function allPages(store: Store, query: Omit<AlertQuery, 'limit' | 'cursor'>, size: number) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listAlerts({ ...query, limit: size, ...(cursor === null ? {} : { cursor }) });
    ids.push(...page.items.map((item) => item.alert.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids;
}

export function defineAlertSearchContract(test: ContractTest, make: MakeAlert): void {
  test('alert search: each filter keeps exactly the alerts it names', async (open) => {
    const store = await open();
    await seed(store, make);
    const ids = async (query: Omit<AlertQuery, 'limit'>): Promise<string[]> =>
      (await store.listAlerts({ limit: 100, ...query })).items.map((item) => item.alert.id).sort();
    assert.deepEqual(await ids({ account: '444455556666' }), ['r2', 'x1']);
    assert.deepEqual(await ids({ region: 'ap-south-1' }), ['x2']);
    assert.deepEqual(await ids({ actor: 'CAROL' }), ['r2', 'x1'], 'a user name matches in any case');
    assert.deepEqual(await ids({ actor: 'arn:aws:iam::444455556666:user/Carol' }), ['r2'], 'an ARN exactly');
    assert.deepEqual(await ids({ sourceIp: '2001:db8::1' }), ['x1']);
    assert.deepEqual(await ids({ targetUser: 'ALICE' }), ['d1', 'e1', 'r1']);
    assert.deepEqual(await ids({ incident: 'evt-r1' }), ['d1', 'e1', 'r1']);
    assert.deepEqual(await ids({ incident: 'evt-x2' }), ['x2'], 'an alert outside incidents is its own');
    assert.deepEqual(await ids({ caseState: 'resolved' }), ['r1']);
    assert.deepEqual(await ids({ caseState: 'open' }), ['r2']);
    assert.deepEqual(await ids({ caseState: 'none' }), ['d1', 'e1', 'x1', 'x2']);
    assert.deepEqual(await ids({ eventFrom: T0 + MINUTE, eventTo: T0 + 3 * MINUTE }), ['d1', 'e1']);
    assert.deepEqual(await ids({ account: '111122223333', severity: 'high', actor: 'bob' }), ['r1']);
    assert.deepEqual(await ids({ region: 'nowhere' }), []);

    // Triage rewrites the body: the filters follow it.
    const x2 = await store.getAlert('x2');
    assert.ok(x2);
    await store.updateAlert(
      { ...x2.alert, actor: { ...x2.alert.actor, sourceIp: '192.0.2.7' } },
      T0 + 60 * MINUTE,
    );
    assert.deepEqual(await ids({ sourceIp: '192.0.2.7' }), ['x2']);
    assert.deepEqual(await ids({ sourceIp: '198.51.100.2' }), []);
  });

  test('alert search: rows carry their case as it stands; the classification filter follows a person’s triage', async (open) => {
    const store = await open();
    await seed(store, make);
    const rows = async (query: Omit<AlertQuery, 'limit'> = {}) =>
      (await store.listAlerts({ limit: 100, ...query })).items
        .map((item) => `${item.alert.id}:${item.caseState ?? '-'}:${item.caseClassification ?? '-'}`)
        .sort();
    assert.deepEqual(await rows({ targetUser: 'dave' }), ['r2:open:-']);
    assert.deepEqual(await rows({ caseState: 'resolved' }), ['r1:resolved:-']);
    assert.deepEqual(await rows({ region: 'eu-west-1', caseState: 'none' }), ['x1:-:-']);

    // Triage set x1's own classification; a person then classifies dave's case (r2): each is found by what stands.
    const x1 = await store.getAlert('x1');
    assert.ok(x1);
    await store.updateAlert({ ...x1.alert, classification: 'unauthorized' }, T0 + 30 * MINUTE);
    const r2 = await store.listAlerts({ limit: 1, targetUser: 'dave' });
    const caseId = r2.items[0]?.caseId;
    assert.ok(caseId);
    await store.updateCase(
      caseId,
      { classification: 'rotation' },
      { actor: 'api:lead', nowMs: T0 + 31 * MINUTE },
    );
    assert.deepEqual(await rows({ classification: 'rotation' }), ['r2:open:rotation']);
    assert.deepEqual(await rows({ classification: 'unauthorized' }), ['x1:-:-']);
    await store.updateCase(
      caseId,
      { classification: 'unauthorized' },
      { actor: 'api:lead', nowMs: T0 + 32 * MINUTE },
    );
    assert.deepEqual(await rows({ classification: 'unauthorized' }), ['r2:open:unauthorized', 'x1:-:-']);
    assert.deepEqual(await rows({ classification: 'rotation' }), []);

    // One alert read alone carries its case as the list row does (null, not absent, without a case).
    const one = async (id: string) => {
      const got = await store.getAlertWithCase(id);
      return got === null ? null : [got.caseId === null, got.caseState, got.caseClassification];
    };
    assert.deepEqual(await one('r2'), [false, 'open', 'unauthorized']);
    assert.deepEqual(await one('r1'), [false, 'resolved', null]);
    assert.deepEqual(await one('x1'), [true, null, null]);
    assert.equal(await store.getAlertWithCase('nope'), null);
    for (const item of (await store.listAlerts({ limit: 100 })).items)
      assert.deepEqual(await store.getAlertWithCase(item.alert.id), item, item.alert.id);
  });

  test('alert search: sorts in both directions page through every alert once, ties by id', async (open) => {
    const store = await open();
    await seed(store, make);
    const byEvent = [...SPECS].sort((a, b) => a.minute - b.minute).map((s) => s.id);
    assert.deepEqual(await allPages(store, { sort: 'eventTime', order: 'asc' }, 2), byEvent);
    assert.deepEqual(await allPages(store, { sort: 'eventTime' }, 4), [...byEvent].reverse());
    // Detected in reverse event order.
    assert.deepEqual(await allPages(store, { order: 'asc' }, 5), [...byEvent].reverse());
    assert.deepEqual(await allPages(store, {}, 1), byEvent);
    // Severity, then the newest detection first: r1 and x1 are both high, x1 detected earlier.
    assert.deepEqual(await allPages(store, { sort: 'severity' }, 2), ['e1', 'r1', 'x1', 'd1', 'r2', 'x2']);
    assert.deepEqual(await allPages(store, { sort: 'severity', order: 'asc' }, 3), [
      'x2',
      'r2',
      'd1',
      'x1',
      'r1',
      'e1',
    ]);
    assert.deepEqual(await allPages(store, { sort: 'severity', account: '111122223333' }, 1), [
      'e1',
      'r1',
      'd1',
      'x2',
    ]);
  });

  test('alert search: a cursor works only with the sort it came from; bad values are named', async (open) => {
    const store = await open();
    await seed(store, make);
    const first = await store.listAlerts({ limit: 2, sort: 'eventTime' });
    assert.ok(first.nextCursor);
    await assert.rejects(store.listAlerts({ limit: 2, cursor: first.nextCursor }), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /invalid cursor for alerts/);
      return true;
    });
    await assert.rejects(
      store.listAlerts({ limit: 2, sort: 'eventTime', order: 'asc', cursor: first.nextCursor }),
      UsageError,
    );
    await assert.rejects(
      store.listAlerts({ limit: 2, sort: 'name' as 'eventTime' }),
      /sort: expected one of/,
    );
    await assert.rejects(store.listAlerts({ limit: 2, caseState: 'gone' as 'open' }), /caseState: expected/);
  });
}
