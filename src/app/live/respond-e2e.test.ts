// The response end to end on the live core: "not me" -> quarantine applied (IAM mocked) -> the owner re-enrols -> lifted.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { AttachUserPolicyCommand, DetachUserPolicyCommand } from '@aws-sdk/client-iam';
import { createResponder } from '../../respond/index.ts';
import { carolAndIntruderKeys, fakeIam } from '../../respond/test-support/fake-iam.ts';
import type { FakeIam } from '../../respond/test-support/fake-iam.ts';
import type { Store } from '../../store/index.ts';
import {
  ACCOUNT,
  ORIGIN,
  PUBLIC_URL,
  TEST_CONFIG_YAML,
  fakeClock,
  makeService,
  rawRecord,
  tempSqlite,
  testConfig,
} from './test-support/live.ts';
import type { TempStore } from './test-support/live.ts';

const POLICY = `arn:aws:iam::${ACCOUNT}:policy/mfaguard-quarantine`;
const CONFIG = `${TEST_CONFIG_YAML}
respond:
  mode: enforce
  rules:
    - when: [unauthorized]
      actions: [quarantine, revoke-sessions]
`;
const carolAtHome = { actor: 'carol', ip: '198.51.100.7', console: true, mfa: true } as const;
const attacker = { actor: 'bob', ip: '192.0.2.66', userAgent: 'Boto3/1.34.0 Python/3.12' } as const;

async function denyLink(store: Store): Promise<string> {
  const rows = await store.listNotifications({ state: 'pending', limit: 100 });
  const request = rows.find((row) => row.kind === 'verification-request');
  const deny = (request?.payload as { links?: { deny?: string } } | undefined)?.links?.deny ?? '';
  assert.ok(deny.startsWith(`${PUBLIC_URL}/verify/`), 'no verification request queued');
  return deny.slice(`${PUBLIC_URL}/verify/`.length);
}

describe('response end to end on the live core', () => {
  let temp: TempStore;
  let store: Store;
  let iam: FakeIam;
  before(async () => {
    temp = tempSqlite();
    store = await temp.open();
  });
  after(async () => {
    await store.close();
    temp.cleanup();
  });
  afterEach(() => iam.mock.restore());

  it('"not me" quarantines the user; a device enabled from the intruder\'s address does not lift it; the owner\'s re-enrolment does', async () => {
    const clock = fakeClock('2026-11-18T02:20:00Z');
    iam = fakeIam({ keys: carolAndIntruderKeys() });
    const config = testConfig(CONFIG);
    const responder = createResponder({
      store,
      config: config.respond!,
      breakGlassUsers: config.triage.breakGlassUsers,
      knownAdmins: config.triage.administrators,
      iam: () => iam.client,
      clock,
    });
    const live = makeService(store, clock, { config, responder });

    // Carol's usual place, days before; then someone removes her device from elsewhere.
    await live.ingestRecords(
      [
        rawRecord({ name: 'ListUsers', at: '2026-11-10T09:00:00Z', ...carolAtHome }),
        rawRecord({ name: 'GetUser', at: '2026-11-12T09:00:00Z', ...carolAtHome }),
        rawRecord({ name: 'DeactivateMFADevice', at: '2026-11-18T02:14:00Z', ...attacker, target: 'carol' }),
      ],
      ORIGIN,
    );
    const [kase] = (await store.listCases({ limit: 10 })).items;
    assert.ok(kase);
    assert.equal(iam.writes.length, 0, 'nothing happens before the owner answers');

    clock.advance(10 * 60_000);
    const answer = await live.answerVerification(await denyLink(store));
    assert.equal(answer.ok && answer.classification, 'unauthorized');
    assert.deepEqual(iam.mock.commandCalls(AttachUserPolicyCommand)[0]?.args[0].input, {
      UserName: 'carol',
      PolicyArn: POLICY,
    });
    assert.deepEqual(iam.writes.sort(), ['AttachUserPolicy', 'UpdateAccessKey:AKIAINTRUDER:Inactive']);
    const applied = await store.listResponseActions({ caseId: kase.id });
    assert.deepEqual(
      applied.map((a) => [a.kind, a.state]),
      [
        ['quarantine', 'applied'],
        ['revoke-sessions', 'applied'],
      ],
    );

    // The intruder enrols a device as carol from their own address: evidence, not re-enrolment.
    clock.advance(5 * 60_000);
    await live.ingestRecords(
      [
        rawRecord({
          name: 'EnableMFADevice',
          at: '2026-11-18T02:36:00Z',
          actor: 'carol',
          ip: '192.0.2.66',
          target: 'carol',
        }),
      ],
      ORIGIN,
    );
    assert.ok(iam.state.attached.get('carol')?.has(POLICY));
    const comments = (await store.getCase(kase.id))?.comments.map((c) => c.text) ?? [];
    assert.match(
      comments.join('\n'),
      /not by the owner from a place seen before the removal \(192\.0\.2\.66\)/,
    );

    // Carol re-enrols from her usual place: the quarantine is lifted, the intruder's key stays off.
    clock.advance(60 * 60_000);
    await live.ingestRecords(
      [rawRecord({ name: 'EnableMFADevice', at: '2026-11-18T03:40:00Z', ...carolAtHome, target: 'carol' })],
      ORIGIN,
    );
    assert.equal(iam.mock.commandCalls(DetachUserPolicyCommand).length, 1);
    assert.equal(iam.state.attached.get('carol')?.has(POLICY), false);
    assert.equal(
      iam.state.keys.get('carol')?.find((k) => k.AccessKeyId === 'AKIAINTRUDER')?.Status,
      'Inactive',
    );
    const after = await store.listResponseActions({ caseId: kase.id });
    assert.deepEqual(
      after.map((a) => [a.kind, a.state, a.undoneBy]),
      [
        ['quarantine', 'undone', 'system'],
        ['revoke-sessions', 'applied', null],
      ],
    );
    const audit = (await store.getCase(kase.id))?.audit.filter((e) => e.action === 'response') ?? [];
    assert.match(
      String(audit.at(-1)?.after?.['note']),
      /lifted: carol re-enrolled an MFA device .* from a familiar address/,
    );
  });
});
