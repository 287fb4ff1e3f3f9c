// The eventID is the identity: a record reusing a stored eventID under another event name is dead-lettered and
// raises nothing; a true replay stays a silent duplicate. Plus the env admin token that was revoked stays revoked.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../store/index.ts';
import { bootstrapAdminToken } from '../serve.ts';
import type { TempStore } from './test-support/live.ts';
import { ORIGIN, eventBridge, fakeClock, makeService, rawRecord, tempSqlite } from './test-support/live.ts';

describe('eventID identity', () => {
  let temp: TempStore;
  let store: Store;
  before(async () => {
    temp = tempSqlite();
    store = await temp.open();
  });
  after(async () => {
    await store.close();
    temp.cleanup();
  });

  it('a second record with a stored eventID but another name raises no alert and is dead-lettered', async () => {
    const clock = fakeClock('2026-11-20T10:00:00Z');
    const service = makeService(store, clock);
    const id = '11111111-2222-4333-8444-555555555555';
    const first = rawRecord({
      name: 'EnableMFADevice',
      at: '2026-11-20T09:00:00Z',
      actor: 'carol',
      target: 'carol',
      id,
    });
    const stored = await service.ingestRecords([eventBridge(first)], ORIGIN);
    assert.equal(stored.stored, 1);

    const forged = rawRecord({
      name: 'DeactivateMFADevice',
      at: '2026-11-20T09:05:00Z',
      actor: 'mallory',
      target: 'carol',
      id,
    });
    const outcome = await service.ingestRecords([eventBridge(forged)], ORIGIN);
    assert.equal(outcome.stored, 0);
    assert.equal(outcome.alerts.length, 0, 'nothing alerts on a record that was not stored');
    assert.equal(outcome.caseIds.length, 0);
    assert.equal(outcome.rejected.length, 1);
    assert.equal(outcome.rejected[0]?.code, 'event-id-conflict');
    const letters = await store.listDeadLetters({ limit: 10 });
    assert.ok(
      letters.some(
        (letter) => letter.reason.startsWith('event-id-conflict') && letter.raw.toString().includes(id),
      ),
    );
    assert.ok(service.logs.some((entry) => entry.msg === 'eventID conflict: record ignored'));
    const alerts = await store.listAlerts({ limit: 100 });
    assert.equal(alerts.items.length, 0);
  });

  it('the same record again (a replay) is a plain duplicate: no conflict, no second alert', async () => {
    const clock = fakeClock('2026-11-21T10:00:00Z');
    const service = makeService(store, clock);
    const removal = rawRecord({
      name: 'DeactivateMFADevice',
      at: '2026-11-21T09:00:00Z',
      actor: 'alice',
      target: 'alice',
    });
    const first = await service.ingestRecords([eventBridge(removal)], ORIGIN);
    assert.ok(first.alerts.length >= 1);
    const again = await service.ingestRecords([eventBridge(removal)], ORIGIN);
    assert.equal(again.duplicates, 1);
    assert.equal(again.rejected.length, 0);
    assert.equal(again.alerts.length, 0);
  });

  it('MFAGUARD_ADMIN_TOKEN revoked through the API is reported as revoked, not active', async () => {
    const env = { MFAGUARD_ADMIN_TOKEN: 'env-admin-token-0123456789' };
    assert.equal(await bootstrapAdminToken(store, {}, 1), 'absent');
    assert.equal(await bootstrapAdminToken(store, env, 1), 'active');
    const token = (await store.listApiTokens()).find((entry) => entry.name.includes('MFAGUARD_ADMIN_TOKEN'));
    assert.ok(token !== undefined);
    await store.revokeApiToken(token.id, 2);
    assert.equal(await bootstrapAdminToken(store, env, 3), 'revoked');
  });
});
