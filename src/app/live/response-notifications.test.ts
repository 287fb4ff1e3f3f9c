import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it, test } from 'node:test';
import { AttachUserPolicyCommand, DetachUserPolicyCommand } from '@aws-sdk/client-iam';
import type { Route } from '../../notify/index.ts';
import {
  buildSlackMessage,
  composeEmail,
  messageFacts,
  parseStoredNotification,
} from '../../notify/index.ts';
import { createResponder } from '../../respond/index.ts';
import type { ResponderDeps } from '../../respond/index.ts';
import { ACCOUNT, T0, classifiedCase, enforcing } from '../../respond/test-support/cases.ts';
import { fakeIam } from '../../respond/test-support/fake-iam.ts';
import type { FakeIam } from '../../respond/test-support/fake-iam.ts';
import { openStore } from '../../store/index.ts';
import type { OutboxNotification, Store } from '../../store/index.ts';
import { createThrowawayDatabase, postgresProblem } from '../../store/test-support/postgres.ts';
import type { ThrowawayDatabase } from '../../store/test-support/postgres.ts';
import { missing } from '../../test-support/requirements.ts';
import { responseAnnouncer } from './response-notifications.ts';
import { tempSqlite } from './test-support/live.ts';

const ROUTES: Route[] = [
  { name: 'soc', minSeverity: 'low', classifications: null, kinds: null, notify: ['slack', 'webhook'] },
  // A route that takes only failures: a pager for the one message that needs a person now.
  { name: 'pager', minSeverity: 'low', classifications: null, kinds: ['response-failed'], notify: ['pager'] },
];
const CONTEXT = { routes: ROUTES, publicUrl: 'https://mfaguard.example' };

let cleanup: () => void = () => undefined;
let store: Store;
let iam: FakeIam;
let now = T0 + 120_000;
const logged: string[] = [];

function responder(overrides: Partial<ResponderDeps> = {}) {
  return createResponder({
    store,
    config: enforcing(),
    breakGlassUsers: new Set(),
    knownAdmins: new Set(),
    iam: () => iam.client,
    clock: () => now,
    announce: responseAnnouncer(CONTEXT, (entry) => logged.push(entry.msg)),
    ...overrides,
  });
}

/** The outbox rows of a case as (kind, channel, dedupe key), in a stable order. */
async function rows(caseId: string): Promise<OutboxNotification[]> {
  const all = await store.listCaseNotifications(caseId, 100);
  return [...all].sort((a, b) => a.dedupeKey.localeCompare(b.dedupeKey));
}

function payload(row: OutboxNotification | undefined) {
  const parsed = parseStoredNotification(row?.payload);
  assert.ok('notification' in parsed, JSON.stringify(parsed));
  return parsed.notification;
}

const accessDenied = () =>
  Object.assign(
    new Error(
      'User: arn:aws:sts::111122223333:assumed-role/mfaguard/x is not authorized to perform: iam:AttachUserPolicy',
    ),
    { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
  );

// The action's record and its messages share one transaction: both stores, since each implements its own.
const pgProblem = await postgresProblem();
let database: ThrowawayDatabase | null = null;
let schemas = 0;
const BACKENDS: { name: string; open: () => Promise<{ store: Store; cleanup: () => void }> }[] = [
  {
    name: 'SQLite',
    open: async () => {
      const temp = tempSqlite();
      return { store: await temp.open(), cleanup: () => temp.cleanup() };
    },
  },
  ...(pgProblem !== null
    ? []
    : [
        {
          name: 'PostgreSQL',
          open: async () => {
            database ??= await createThrowawayDatabase('mfaguard_respnotify');
            const opened = await openStore(database.url, { schema: `s${++schemas}`, poolSize: 2 });
            return { store: opened, cleanup: () => undefined };
          },
        },
      ]),
];
if (pgProblem !== null) test('response notifications: postgres', (t) => void missing(t, 'pg', pgProblem));
after(async () => {
  await database?.drop();
});

for (const backend of BACKENDS)
  describe(`response notifications (${backend.name})`, () => {
    beforeEach(async () => {
      ({ store, cleanup } = await backend.open());
      iam = fakeIam();
      now = T0 + 120_000;
      logged.length = 0;
    });
    afterEach(async () => {
      iam.mock.restore();
      await store.close();
      cleanup();
    });

    it('applied: one message per routed notifier, saying action, target, case, who, why and the result', async () => {
      const caseId = await classifiedCase(store, 'carol');
      await responder().caseChanged([caseId]);
      const [action] = await store.listResponseActions({ caseId });
      assert.equal(action?.state, 'applied');
      const queued = await rows(caseId);
      assert.deepEqual(
        queued.map((r) => [r.kind, r.channel, r.dedupeKey]),
        [
          ['response-applied', 'slack', `response-applied:${action?.id}@slack`],
          ['response-applied', 'webhook', `response-applied:${action?.id}@webhook`],
        ],
      );
      const n = payload(queued[0]);
      assert.equal(n.caseId, caseId);
      assert.equal(n.classification, 'unauthorized');
      assert.equal(n.links?.case, `https://mfaguard.example/cases/${caseId}`);
      assert.equal(
        n.title,
        `Response applied on case ${caseId}: Quarantine the user until a new MFA device is enrolled (user ${ACCOUNT}/carol)`,
      );
      assert.match(n.summary, new RegExp(`applied to user ${ACCOUNT}/carol on case ${caseId} by system\\.`));
      assert.match(n.summary, /Why: the case is unauthorized: quarantine the user/);
      assert.match(n.summary, /Result: applied: AttachUserPolicy\./);
      assert.match(n.summary, new RegExp(`mfaguard respond undo ${caseId}`));
    });

    it('undone: the person who undid it and what was reversed', async () => {
      const caseId = await classifiedCase(store, 'carol');
      const r = responder();
      await r.caseChanged([caseId]);
      const [action] = await store.listResponseActions({ caseId });
      now += 60_000;
      await r.undo(action?.id ?? '', 'api:lead', 'the owner was on a plane');
      const undone = (await rows(caseId)).filter((row) => row.kind === 'response-undone');
      assert.deepEqual(
        undone.map((row) => row.channel),
        ['slack', 'webhook'],
      );
      const n = payload(undone[0]);
      assert.match(n.title, /^Response undone on case .*\(user 111122223333\/carol\)$/);
      assert.match(
        n.summary,
        /was undone by api:lead\. Result: the owner was on a plane: DetachUserPolicy\./,
      );
    });

    it('failed: IAM refuses, the action is failed, and the failure (with the error) goes to the pager too', async () => {
      iam.mock.on(AttachUserPolicyCommand).rejects(accessDenied());
      const caseId = await classifiedCase(store, 'carol');
      await responder().caseChanged([caseId]);
      const [action] = await store.listResponseActions({ caseId });
      assert.equal(action?.state, 'failed');
      const queued = await rows(caseId);
      assert.deepEqual(
        queued.map((r) => [r.kind, r.channel]),
        [
          ['response-failed', 'pager'],
          ['response-failed', 'slack'],
          ['response-failed', 'webhook'],
        ],
      );
      const n = payload(queued[0]);
      assert.match(n.title, /^Response FAILED on case /);
      assert.match(
        n.summary,
        /failed after 1 attempt\(s\): iam:AttachUserPolicy failed: AccessDenied: User: arn:aws:sts::/,
      );
      assert.match(n.summary, /user 111122223333\/carol is NOT contained: contain it by hand\./);
    });

    it('a failed undo leaves the action applied and says so', async () => {
      const caseId = await classifiedCase(store, 'carol');
      const r = responder();
      await r.caseChanged([caseId]);
      const [action] = await store.listResponseActions({ caseId });
      iam.mock.on(DetachUserPolicyCommand).rejects(accessDenied());
      await assert.rejects(r.undo(action?.id ?? '', 'api:lead'), /AccessDenied/);
      assert.equal((await store.getResponseAction(action?.id ?? ''))?.state, 'applied');
      const failed = (await rows(caseId)).filter((row) => row.kind === 'response-failed');
      assert.deepEqual(
        failed.map((row) => row.channel),
        ['pager', 'slack', 'webhook'],
      );
      assert.match(payload(failed[0]).summary, /asked by api:lead, failed: .*AccessDenied.*still in place/);
    });

    it('a retried action (worker killed after its calls were recorded) is applied and announced once', async () => {
      const caseId = await classifiedCase(store, 'carol');
      // Worker A records its calls and is "killed" before sending: its apply never returns.
      let reached: () => void = () => undefined;
      const atSend = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const killed = responder({
        workerId: 'a',
        leaseMs: 60_000,
        beforeSend: () => {
          reached();
          return new Promise<void>(() => undefined);
        },
      });
      void killed.caseChanged([caseId]);
      await atSend;
      const current = (await store.listResponseActions({ caseId }))[0];
      assert.equal(current?.state, 'applying');
      assert.notEqual(current?.calls, null);
      assert.deepEqual(await rows(caseId), []);
      // Worker B finds the lapsed lease and resends; then everything runs again, twice.
      now += 61_000;
      const b = responder({ workerId: 'b' });
      await b.tick();
      await b.tick();
      await b.caseChanged([caseId]);
      assert.equal((await store.getResponseAction(current?.id ?? ''))?.state, 'applied');
      assert.deepEqual(iam.writes, ['AttachUserPolicy']);
      assert.deepEqual(
        (await rows(caseId)).map((r) => [r.kind, r.channel]),
        [
          ['response-applied', 'slack'],
          ['response-applied', 'webhook'],
        ],
      );
    });

    it('attacker-chosen names and AWS error text are escaped by each sink', async () => {
      const evil = 'eve<script>x</script>*<!channel>';
      iam.mock.on(AttachUserPolicyCommand).rejects(
        Object.assign(new Error('denied <b>bold</b> <https://evil.example|click>'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        }),
      );
      const caseId = await classifiedCase(store, evil);
      await responder().caseChanged([caseId]);
      const n = payload((await rows(caseId))[0]);
      assert.ok(n.summary.includes(evil), 'the raw text is kept; sinks escape it');
      const facts = messageFacts(n, { verificationLinks: false });
      const slack = JSON.stringify(buildSlackMessage(facts));
      assert.ok(!slack.includes('<!channel>'), slack);
      assert.ok(!slack.includes('<https://evil.example|click>'), slack);
      assert.ok(slack.includes('&lt;!channel&gt;'), slack);
      const email = composeEmail('[mfaguard]', facts);
      assert.ok(!email.html.includes('<script>'), email.html);
      assert.ok(!email.html.includes('<b>bold</b>'), email.html);
      assert.ok(email.html.includes('&lt;script&gt;'), email.html);
    });

    it('without a matching route nothing is queued and the miss is logged', async () => {
      const caseId = await classifiedCase(store, 'carol');
      await responder({
        announce: responseAnnouncer({ ...CONTEXT, routes: [] }, (e) => logged.push(e.msg)),
      }).caseChanged([caseId]);
      assert.equal((await store.listResponseActions({ caseId }))[0]?.state, 'applied');
      assert.deepEqual(await rows(caseId), []);
      assert.deepEqual(logged, ['no notification route matches']);
    });
  });
