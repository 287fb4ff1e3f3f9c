// Failed and interrupted response actions: transient AWS errors retried with backoff (a bounded number of times), then
// `failed` with the reason on the case; a person's retry resends, never applying twice; permanent errors wait for it.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  AttachUserPolicyCommand,
  IAMServiceException,
  ListAttachedUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { tempSqlite } from '../app/live/test-support/live.ts';
import type { TempStore } from '../app/live/test-support/live.ts';
import { UsageError } from '../model/index.ts';
import { ConflictError } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { isTransient } from './iam-calls.ts';
import { createResponder, MAX_ATTEMPTS, retryDelayMs } from './responder.ts';
import type { ResponderDeps } from './responder.ts';
import { ACCOUNT, T0, classifiedCase, enforcing } from './test-support/cases.ts';
import { accessDenied, fakeIam } from './test-support/fake-iam.ts';
import type { FakeIam } from './test-support/fake-iam.ts';

const ARN = `arn:aws:iam::${ACCOUNT}:policy/mfaguard-quarantine`;
let temp: TempStore;
let store: Store;
let iam: FakeIam;
let now = T0 + 120_000;

function responder(overrides: Partial<ResponderDeps> = {}) {
  return createResponder({
    store,
    config: enforcing(),
    breakGlassUsers: new Set(),
    knownAdmins: new Set(),
    iam: () => iam.client,
    clock: () => now,
    ...overrides,
  });
}

/** IAM's throttling answer as the SDK raises it (HTTP 400, error code `Throttling`). */
const throttled = (): IAMServiceException =>
  new IAMServiceException({
    name: 'Throttling',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });
const networkDown = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

async function only(caseId: string) {
  const actions = await store.listResponseActions({ caseId });
  assert.equal(actions.length, 1);
  return actions[0]!;
}

const attachWrites = () => iam.writes.filter((write) => write === 'AttachUserPolicy');

describe('retrying response actions', () => {
  beforeEach(async () => {
    temp = tempSqlite();
    store = await temp.open();
    iam = fakeIam();
    now = T0 + 120_000;
  });
  afterEach(async () => {
    iam.mock.restore();
    await store.close();
    temp.cleanup();
  });

  it('tells transient errors (throttling, 5xx, network) from those that need a person', () => {
    assert.equal(isTransient(throttled()), true);
    assert.equal(isTransient(networkDown()), true);
    assert.equal(
      isTransient(
        new IAMServiceException({
          name: 'ServiceFailure',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
          message: 'internal',
        }),
      ),
      true,
    );
    assert.equal(isTransient(accessDenied()), false);
    assert.equal(isTransient(new Error('a bug')), false);
    assert.deepEqual(
      [1, 2, 3, 6, 20].map(retryDelayMs),
      [30_000, 60_000, 120_000, 900_000, 900_000],
      'doubling, at most 15 min',
    );
  });

  it('a throttled read is retried after the backoff and applied once; the case says so', async () => {
    const caseId = await classifiedCase(store, 'carol');
    // The quarantine reads the user's policies first (resolve): throttled once, then IAM answers.
    iam.mock
      .on(ListAttachedUserPoliciesCommand)
      .rejectsOnce(throttled())
      .callsFake((input: { UserName: string }) => ({
        AttachedPolicies: [...(iam.state.attached.get(input.UserName) ?? [])].map((arn) => ({
          PolicyArn: arn,
          PolicyName: arn.split('/').pop(),
        })),
        IsTruncated: false,
      }));
    await responder().caseChanged([caseId]);
    const waiting = await only(caseId);
    assert.deepEqual([waiting.state, waiting.hold, waiting.attempts], ['planned', null, 1]);
    assert.match(waiting.error ?? '', /Rate exceeded/);
    assert.equal(waiting.notBefore, now + retryDelayMs(1));
    assert.deepEqual(iam.writes, []);

    now += retryDelayMs(1) - 1;
    await responder().tick();
    assert.equal((await only(caseId)).state, 'planned', 'not before the backoff');
    now += 1;
    await responder().tick();
    const done = await only(caseId);
    assert.equal(done.state, 'applied');
    assert.deepEqual(attachWrites(), ['AttachUserPolicy']);
    const notes =
      (await store.getCase(caseId))?.audit.map((e) => JSON.stringify(e.after?.['note'] ?? '')) ?? [];
    assert.ok(
      notes.some((note) => /attempt 1 of 5 failed, will retry at .*Rate exceeded/.test(note)),
      notes.join('\n'),
    );
  });

  it('a network failure reaching IAM is retried too', async () => {
    const caseId = await classifiedCase(store, 'carol');
    let down = true;
    const r = responder({
      iam: () => (down ? Promise.reject(networkDown()) : iam.client),
    });
    await r.caseChanged([caseId]);
    assert.equal((await only(caseId)).state, 'planned');
    down = false;
    now += retryDelayMs(1);
    await r.tick();
    assert.equal((await only(caseId)).state, 'applied');
  });

  it(`after ${MAX_ATTEMPTS} transient failures it fails with the reason; a person's retry applies it once`, async () => {
    const caseId = await classifiedCase(store, 'carol');
    iam.mock.on(AttachUserPolicyCommand).rejects(throttled());
    const r = responder();
    await r.caseChanged([caseId]);
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      now += retryDelayMs(attempt);
      await r.tick();
    }
    const failed = await only(caseId);
    assert.deepEqual([failed.state, failed.attempts], ['failed', MAX_ATTEMPTS]);
    assert.match(failed.error ?? '', /iam:AttachUserPolicy failed: Throttling: Rate exceeded/);
    const audit = (await store.getCase(caseId))?.audit ?? [];
    assert.match(String(audit.at(-1)?.after?.['note']), /failed after 5 attempts: .*Rate exceeded/);
    now += 3_600_000;
    await r.tick();
    assert.equal((await only(caseId)).state, 'failed', 'no more automatic attempts');

    // IAM recovers; a viewer may not retry, a responder may (the rule asks for no approval).
    iam.mock.restore();
    iam = fakeIam();
    await assert.rejects(r.retry(failed.id, 'api:viewer', 'viewer'), UsageError);
    const retried = await r.retry(failed.id, 'api:lead', 'responder');
    assert.deepEqual([retried.state, retried.approvedBy], ['applied', 'api:lead']);
    assert.deepEqual(attachWrites(), ['AttachUserPolicy']);
    assert.ok(iam.state.attached.get('carol')?.has(ARN));
    await assert.rejects(r.retry(failed.id, 'api:lead', 'responder'), ConflictError, 'only a failed one');
  });

  it('a permanent error fails at once; the retry after the fix finds the change already made and does not make it again', async () => {
    const caseId = await classifiedCase(store, 'carol');
    iam.mock.on(AttachUserPolicyCommand).rejects(accessDenied());
    const r = responder();
    await r.caseChanged([caseId]);
    const failed = await only(caseId);
    assert.deepEqual([failed.state, failed.attempts], ['failed', 1]);
    assert.match(failed.error ?? '', /AccessDenied/);
    assert.deepEqual(failed.calls, [
      { api: 'AttachUserPolicy', input: { UserName: 'carol', PolicyArn: ARN } },
    ]);

    // Someone attached the policy by hand meanwhile: the retry reads IAM first and sends nothing.
    iam.mock.restore();
    iam = fakeIam({ attached: new Map([['carol', new Set([ARN])]]) });
    const { retried, refused } = await r.retryCase(caseId, 'api:lead', 'admin');
    assert.deepEqual(refused, []);
    assert.deepEqual(
      retried.map((a) => a.state),
      ['applied'],
    );
    assert.deepEqual(iam.writes, []);
  });

  it('a retry is refused in dry-run and for a target protected since', async () => {
    const caseId = await classifiedCase(store, 'carol');
    iam.mock.on(AttachUserPolicyCommand).rejects(accessDenied());
    await responder().caseChanged([caseId]);
    const failed = await only(caseId);
    await assert.rejects(
      responder({ config: { ...enforcing(), mode: 'dry-run' } }).retry(failed.id, 'api:lead', 'admin'),
      /dry-run/,
    );
    await assert.rejects(
      responder({ breakGlassUsers: new Set(['carol']) }).retry(failed.id, 'api:lead', 'admin'),
      /cannot be retried/,
    );
    assert.equal((await only(caseId)).state, 'failed');
  });
});
