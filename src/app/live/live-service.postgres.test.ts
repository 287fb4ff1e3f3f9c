// The live core's main flow once more on a real PostgreSQL (skipped loudly when none is reachable).

import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import type { Notification } from '../../notify/index.ts';
import { openStore } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import { createThrowawayDatabase, postgresProblem } from '../../store/test-support/postgres.ts';
import type { ThrowawayDatabase } from '../../store/test-support/postgres.ts';
import { ORIGIN, PUBLIC_URL, eventBridge, fakeClock, makeService, rawRecord } from './test-support/live.ts';
import { missing } from '../../test-support/requirements.ts';

function takeover(): Record<string, unknown>[] {
  const attacker = { actor: 'bob', ip: '192.0.2.66', userAgent: 'Boto3/1.34.0 Python/3.12' } as const;
  return [
    rawRecord({ name: 'ListUsers', at: '2026-11-10T14:00:00Z', actor: 'bob', ip: '203.0.113.20' }),
    rawRecord({ name: 'DeactivateMFADevice', at: '2026-11-18T02:14:00Z', ...attacker, target: 'carol' }),
    rawRecord({
      name: 'EnableMFADevice',
      at: '2026-11-18T02:16:30Z',
      ...attacker,
      key: 'temporary',
      mfa: false,
      target: 'carol',
    }),
  ];
}

const problem = await postgresProblem();
if (problem !== null) {
  test('live service: postgres', (t) => void missing(t, 'pg', problem));
} else {
  describe('live service on PostgreSQL', () => {
    let database: ThrowawayDatabase;
    let schemaCounter = 0;
    const opened: Store[] = [];
    const open = async (schema: string): Promise<Store> => {
      const store = await openStore(database.url, { schema, poolSize: 4 });
      opened.push(store);
      return store;
    };

    before(async () => {
      database = await createThrowawayDatabase('mfaguard_live');
    });
    after(async () => {
      for (const store of opened) await store.close().catch(() => undefined);
      await database.drop();
    });

    it('removal -> case, verification and owner message; replay -> nothing new; "not me" -> escalated', async () => {
      const store = await open(`s${++schemaCounter}`);
      const clock = fakeClock('2026-11-18T02:20:00Z');
      const live = makeService(store, clock);
      const records = takeover();
      const first = await live.ingestRecords(records.map(eventBridge), ORIGIN);
      const second = await live.ingestRecords(records, ORIGIN);
      assert.equal(second.duplicates, records.length);
      assert.deepEqual(second.alerts, []);
      assert.equal((await store.listAlerts({ limit: 100 })).items.length, first.alerts.length);
      const [kase] = (await store.listCases({ limit: 10 })).items;
      assert.equal(kase?.state, 'verifying');
      assert.equal(kase.classification, 'suspicious');
      const rows = await store.listNotifications({ state: 'pending', limit: 100 });
      const request = rows.find((row) => row.kind === 'verification-request');
      assert.equal(request?.channel, 'owners');
      const deny = (request?.payload as Notification).links?.deny ?? '';
      assert.ok(deny.startsWith(`${PUBLIC_URL}/verify/`));
      const answer = await live.answerVerification(deny.slice(`${PUBLIC_URL}/verify/`.length));
      assert.deepEqual(answer, {
        ok: true,
        caseId: kase.id,
        answer: 'denied',
        classification: 'unauthorized',
      });
      const after = await store.getCase(kase.id);
      assert.equal(after?.state, 'escalated');
      assert.equal(after?.classification, 'unauthorized');
      const escalations = (await store.listNotifications({ state: 'pending', limit: 100 })).filter(
        (row) => row.kind === 'case-escalated',
      );
      assert.equal(escalations.length, 1);
      clock.advance(25 * 3_600_000);
      await live.tick();
      assert.equal(
        (await store.listNotifications({ state: 'pending', limit: 100 })).filter(
          (row) => row.kind === 'case-escalated',
        ).length,
        1,
        'an answered verification never escalates again',
      );
    });

    it('two services on one database ingesting the same batch at once: one alert per rule, one case', async () => {
      const schema = `s${++schemaCounter}`;
      const one = await open(schema);
      const two = await open(schema);
      const clock = fakeClock('2026-11-18T02:20:00Z');
      const records = takeover();
      const [a, b] = await Promise.all([
        makeService(one, clock).ingestRecords(records, ORIGIN),
        makeService(two, clock).ingestRecords(records.map(eventBridge), ORIGIN),
      ]);
      assert.equal(a.stored + b.stored, records.length);
      const alerts = (await one.listAlerts({ limit: 100 })).items;
      assert.equal(alerts.length, a.alerts.length + b.alerts.length);
      const cases = (await one.listCases({ limit: 10 })).items;
      assert.equal(cases.length, 1);
      const detail = await one.getCase(cases[0]!.id);
      assert.equal(detail?.verifications.length, 1);
    });
  });
}
