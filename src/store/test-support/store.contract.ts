// The one contract every store implementation must pass; run against real SQLite and real PostgreSQL.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Actor, Alert, CloudTrailEvent, Severity } from '../../model/index.ts';
import { UsageError } from '../../model/index.ts';
import { defineAlertSearchContract } from './alert-search.contract.ts';
import { defineSightingsContract } from './baseline-sightings.contract.ts';
import { defineJobLeasesContract } from './job-leases.contract.ts';
import { defineKpiFactsContract } from './kpi-facts.contract.ts';
import { definePostureSnapshotsContract } from './posture-snapshots.contract.ts';
import { defineResponseActionsContract } from './response-actions.contract.ts';
import { defineSessionLinksContract } from './session-links.contract.ts';
import { ConflictError, InvalidTransitionError, NotFoundError, StoreError } from '../errors.ts';
import { targetKeyOf } from '../keys.ts';
import type { Store, StoredAlert } from '../store.ts';

/** Opens a store on one fresh, empty database; calling it again opens a second instance on the same database. */
export type OpenOnDatabase = () => Promise<Store>;

const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);
const MINUTE = 60_000;
const ACCOUNT = '111122223333';

// ---------------------------------------------------------------------------------------------
// Builders

interface EventOverrides extends Partial<Omit<CloudTrailEvent, 'actor' | 'target'>> {
  readonly actor?: Partial<Actor>;
  readonly target?: Partial<CloudTrailEvent['target']>;
}

export function makeEvent(id: string, timeMs: number, overrides: EventOverrides = {}): CloudTrailEvent {
  const { actor, target, ...rest } = overrides;
  return {
    id,
    name: 'DeactivateMFADevice',
    source: 'iam.amazonaws.com',
    time: new Date(timeMs).toISOString(),
    timeMs,
    type: 'AwsApiCall',
    category: 'Management',
    account: ACCOUNT,
    region: 'us-east-1',
    sourceIp: '198.51.100.23',
    sourceIpIsAddress: true,
    userAgent: 'aws-cli/2.15.40 <script>x</script>',
    outcome: 'success',
    errorCode: null,
    errorMessage: null,
    mfaUsed: null,
    consoleLoginResult: null,
    readOnly: false,
    requestParameters: {
      userName: 'alice',
      serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice`,
      nested: { list: [1, 'two', null] },
    },
    responseElements: null,
    additionalEventData: null,
    origin: { location: 's3://bucket/key.json.gz', index: 3 },
    raw: { eventID: id, eventName: 'DeactivateMFADevice', ünïcode: 'ok ✓' },
    ...rest,
    actor: {
      type: 'IAMUser',
      arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
      userName: 'bob',
      principalId: 'AIDAEXAMPLEBOB',
      accountId: ACCOUNT,
      accessKeyId: 'AKIAEXAMPLEBOB',
      accessKeyKind: 'long-term',
      mfaAuthenticated: null,
      consoleSession: false,
      invokedBy: null,
      sessionIssuer: null,
      ...actor,
    },
    target: { userName: 'alice', serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice`, ...target },
  };
}

interface AlertOverrides {
  readonly ruleId?: string;
  readonly eventId?: string;
  readonly eventName?: string;
  readonly eventTimeMs?: number;
  readonly severity?: Severity;
  readonly riskScore?: number;
  readonly targetUser?: string | null;
  readonly classification?: Alert['classification'];
  readonly vulnerabilityWindowSeconds?: number;
}

export function makeAlert(id: string, overrides: AlertOverrides = {}): Alert {
  const severity = overrides.severity ?? 'high';
  const eventTimeMs = overrides.eventTimeMs ?? T0;
  return {
    id,
    rule: {
      id: overrides.ruleId ?? 'mfaguard-mfa-removed',
      name: 'MFA device removed',
      format: 'builtin',
      severity,
      riskScore: 50,
      mitre: [],
    },
    severity,
    riskScore: overrides.riskScore ?? 50,
    title: 'bob removed the MFA device of alice',
    event: {
      id: overrides.eventId ?? `evt-${id}`,
      name: overrides.eventName ?? 'DeactivateMFADevice',
      source: 'iam.amazonaws.com',
      time: new Date(eventTimeMs).toISOString(),
      outcome: 'success',
      errorCode: null,
      account: ACCOUNT,
      region: 'us-east-1',
      location: 'test',
      index: 0,
    },
    actor: {
      arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
      type: 'IAMUser',
      userName: 'bob',
      accessKeyId: null,
      accessKeyKind: null,
      sourceIp: '198.51.100.23',
      userAgent: 'aws-cli',
      mfaAuthenticated: false,
      consoleSession: false,
    },
    target: {
      userName: overrides.targetUser === undefined ? 'alice' : overrides.targetUser,
      serialNumber: null,
    },
    ...(overrides.classification === undefined ? {} : { classification: overrides.classification }),
    ...(overrides.vulnerabilityWindowSeconds === undefined
      ? {}
      : { vulnerabilityWindowSeconds: overrides.vulnerabilityWindowSeconds }),
    reasons: [{ code: 'no-mfa-session', message: 'the session had no MFA' }],
  };
}

const ALICE = targetKeyOf(ACCOUNT, 'alice');
const SYSTEM = { actor: 'system', nowMs: T0 + MINUTE };

/** A case for alice from one stored alert. */
async function openCase(store: Store, alertId = 'a1', overrides: AlertOverrides = {}): Promise<string> {
  const alert = makeAlert(alertId, overrides);
  await store.insertAlerts([alert], T0 + 30_000);
  const result = await store.openOrAttachCase({
    alert,
    targetKey: targetKeyOf(ACCOUNT, alert.target.userName ?? 'alice'),
    nowMs: T0 + MINUTE,
    actor: 'system',
  });
  return result.case.id;
}

async function rejectsWith(
  promise: Promise<unknown>,
  type: new (...args: never[]) => Error,
  pattern?: RegExp,
): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof type,
    `expected ${type.name}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
  );
  if (pattern !== undefined) assert.match(caught.message, pattern);
  return caught;
}

// ---------------------------------------------------------------------------------------------

/**
 * Defines the contract tests for one implementation. `freshDatabase` prepares an empty database (a file,
 * a schema) and returns how to open stores on it; `cleanup` runs once after all tests.
 */
export function defineStoreContract(
  name: string,
  freshDatabase: () => Promise<OpenOnDatabase>,
  cleanup: () => Promise<void>,
): void {
  describe(`store contract: ${name}`, () => {
    after(cleanup);

    /** Runs a test with a fresh database; every store it opens is closed afterwards, pass or fail. */
    function test(title: string, body: (open: OpenOnDatabase) => Promise<void>): void {
      it(title, async () => {
        const openOnDatabase = await freshDatabase();
        const opened: Store[] = [];
        try {
          await body(async () => {
            const store = await openOnDatabase();
            opened.push(store);
            return store;
          });
        } finally {
          for (const store of opened) await store.close();
        }
      });
    }

    defineSightingsContract(test, { makeEvent });
    defineJobLeasesContract(test);
    defineKpiFactsContract(test, { makeAlert, makeEvent });
    definePostureSnapshotsContract(test);
    defineSessionLinksContract(test);
    defineResponseActionsContract(test, (store) => openCase(store));
    defineAlertSearchContract(test, makeAlert);

    // Opening and migrations ---------------------------------------------------------------------

    test('two instances opening the same empty database at once both migrate and share data', async (open) => {
      const [first, second] = await Promise.all([open(), open()]);
      await first.setCheckpoint('k', 'v', T0);
      assert.equal(await second.getCheckpoint('k'), 'v');
      const third = await open(); // a restart: migrations already applied, nothing happens
      assert.equal(await third.getCheckpoint('k'), 'v');
      assert.ok(first.kind === 'sqlite' || first.kind === 'postgres');
    });

    test('close: later calls fail with a closed StoreError', async (open) => {
      const store = await open();
      await store.close();
      const error = await rejectsWith(store.getCheckpoint('k'), StoreError, /closed/);
      assert.equal((error as StoreError).code, 'closed');
      await store.close(); // idempotent
    });

    // Events -------------------------------------------------------------------------------------

    test('events: stored events round-trip exactly and duplicates are skipped, across instances', async (open) => {
      const store = await open();
      const e1 = makeEvent('e1', T0);
      const e2 = makeEvent('e2', T0 + 1000);
      const first = await store.insertEvents([e1, e2, e1]);
      assert.deepEqual(
        first.inserted.map((event) => event.id),
        ['e1', 'e2'],
      );
      assert.equal(first.duplicates, 1);
      assert.deepEqual(await store.findEvents({ fromMs: T0, toMs: T0 + 2000 }), [e1, e2]);

      const restarted = await open();
      const again = await restarted.insertEvents([e2, makeEvent('e3', T0 + 500)]);
      assert.deepEqual(
        again.inserted.map((event) => event.id),
        ['e3'],
      );
      assert.equal(again.duplicates, 1);
      assert.deepEqual(await store.insertEvents([]), { inserted: [], duplicates: 0 });
    });

    test('events: findEvents filters by name, actor, target, account; [from, to) bounds; time then id order; limit', async (open) => {
      const store = await open();
      await store.insertEvents([
        makeEvent('b', T0),
        makeEvent('a', T0), // same time: id decides
        makeEvent('c', T0 + 1000, {
          name: 'EnableMFADevice',
          actor: { arn: null, principalId: 'AROAEXAMPLE:session' },
        }),
        makeEvent('d', T0 + 2000, { target: { userName: 'Carol' }, account: '444455556666' }),
        makeEvent('e', T0 + 3000),
      ]);
      const ids = async (query: Parameters<Store['findEvents']>[0]): Promise<string[]> =>
        (await store.findEvents(query)).map((event) => event.id);
      assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 3000 }), ['a', 'b', 'c', 'd']);
      assert.deepEqual(await ids({ fromMs: T0 + 1000, toMs: T0 + 3001 }), ['c', 'd', 'e']);
      assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, names: ['EnableMFADevice'] }), ['c']);
      assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, actorKeys: ['AROAEXAMPLE:session'] }), ['c']);
      assert.deepEqual(
        await ids({ fromMs: T0, toMs: T0 + 5000, actorKeys: [`arn:aws:iam::${ACCOUNT}:user/bob`] }),
        ['a', 'b', 'd', 'e'],
      );
      assert.deepEqual(
        await ids({ fromMs: T0, toMs: T0 + 5000, targetKeys: [targetKeyOf('444455556666', 'CAROL')] }),
        ['d'],
      );
      assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, accounts: ['444455556666'] }), ['d']);
      assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, names: [] }), []);
      assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, limit: 2 }), ['a', 'b']);
      const carol = targetKeyOf('444455556666', 'CAROL');
      const either = (actorKeys: string[], targetKeys: string[]) => ({ actorKeys, targetKeys });
      // By an actor OR about a target, each once, with the other filters and the order and limit as usual.
      assert.deepEqual(
        await ids({
          fromMs: T0,
          toMs: T0 + 5000,
          actorOrTargetKeys: either(['AROAEXAMPLE:session'], [carol]),
        }),
        ['c', 'd'],
      );
      assert.deepEqual(
        await ids({
          fromMs: T0,
          toMs: T0 + 5000,
          actorOrTargetKeys: either([`arn:aws:iam::${ACCOUNT}:user/bob`], [carol]),
        }),
        ['a', 'b', 'd', 'e'],
      );
      assert.deepEqual(
        await ids({ fromMs: T0, toMs: T0 + 5000, limit: 1, actorOrTargetKeys: either([], [carol]) }),
        ['d'],
      );
      assert.deepEqual(
        await ids({
          fromMs: T0,
          toMs: T0 + 5000,
          names: ['EnableMFADevice'],
          actorOrTargetKeys: either(['AROAEXAMPLE:session'], [carol]),
        }),
        ['c'],
      );
      assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, actorOrTargetKeys: either([], []) }), []);
    });

    test('events: invalid input is a UsageError naming the field, and nothing is stored', async (open) => {
      const store = await open();
      const bad = { ...makeEvent('x', T0), timeMs: Number.NaN };
      await rejectsWith(store.insertEvents([makeEvent('ok', T0), bad]), UsageError, /events\[1\]\.timeMs/);
      await rejectsWith(
        store.insertEvents([{ ...makeEvent('y', T0), id: '' }]),
        UsageError,
        /events\[0\]\.id/,
      );
      assert.deepEqual(await store.findEvents({ fromMs: 0, toMs: T0 * 2 }), []);
      await rejectsWith(store.findEvents({ fromMs: 0, toMs: 1, limit: 0 }), UsageError, /limit/);
    });

    // Alerts -------------------------------------------------------------------------------------

    test('alerts: idempotent by id across instances; getAlert; updateAlert', async (open) => {
      const store = await open();
      const a1 = makeAlert('a1');
      const result = await store.insertAlerts([a1, makeAlert('a2')], T0 + 5000);
      assert.deepEqual(
        result.inserted.map((alert) => alert.id),
        ['a1', 'a2'],
      );
      const restarted = await open();
      const replay = await restarted.insertAlerts([a1, makeAlert('a3')], T0 + 9000);
      assert.deepEqual(
        replay.inserted.map((alert) => alert.id),
        ['a3'],
      );
      assert.equal(replay.duplicates, 1);

      const stored = await store.getAlert('a1');
      assert.deepEqual(stored, { alert: a1, detectedAt: T0 + 5000, updatedAt: T0 + 5000, caseId: null });
      assert.equal(await store.getAlert('nope'), null);

      const triaged: Alert = {
        ...a1,
        severity: 'critical',
        classification: 'unauthorized',
        reasons: [{ code: 'owner-denied', message: 'not me' }],
      };
      await store.updateAlert(triaged, T0 + 20_000);
      const updated = await restarted.getAlert('a1');
      assert.deepEqual(updated?.alert, triaged);
      assert.equal(updated?.detectedAt, T0 + 5000);
      assert.equal(updated?.updatedAt, T0 + 20_000);
      await rejectsWith(store.updateAlert(makeAlert('missing'), T0), NotFoundError, /missing/);
      await rejectsWith(
        store.insertAlerts([{ ...makeAlert('bad'), severity: 'urgent' as Severity }], T0),
        UsageError,
        /severity/,
      );
    });

    test('alerts: keyset pagination is complete, ordered and stable while new alerts arrive; filters', async (open) => {
      const store = await open();
      // Ties on detectedAt on purpose: the id breaks them.
      for (const [id, at] of [
        ['a', 1],
        ['b', 1],
        ['c', 2],
        ['d', 3],
        ['e', 3],
        ['f', 3],
        ['g', 4],
      ] as const) {
        await store.insertAlerts(
          [
            makeAlert(id, {
              severity: id === 'c' ? 'critical' : 'high',
              ruleId: id === 'd' ? 'other' : 'mfaguard-mfa-removed',
              targetUser: id === 'e' ? 'Carol' : 'alice',
              classification: id === 'f' ? 'rotation' : 'suspicious',
            }),
          ],
          T0 + at * 1000,
        );
      }
      const expected = ['g', 'f', 'e', 'd', 'c', 'b', 'a'];
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.listAlerts({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...page.items.map((item: StoredAlert) => item.alert.id));
        pages++;
        if (pages === 1) await store.insertAlerts([makeAlert('newest')], T0 + 99_000); // must not shift later pages
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      assert.deepEqual(seen, expected);
      assert.equal(pages, 3);
      const ids = async (query: Omit<Parameters<Store['listAlerts']>[0], 'limit'>): Promise<string[]> =>
        (await store.listAlerts({ limit: 100, ...query })).items.map((item) => item.alert.id);
      assert.deepEqual(await ids({ severity: 'critical' }), ['c']);
      assert.deepEqual(await ids({ ruleId: 'other' }), ['d']);
      assert.deepEqual(await ids({ targetUser: 'CAROL' }), ['e']);
      assert.deepEqual(await ids({ classification: 'rotation' }), ['f']);
      assert.deepEqual(await ids({ since: T0 + 3000, until: T0 + 4000 }), ['f', 'e', 'd']);
      await rejectsWith(store.listAlerts({ limit: 3, cursor: 'garbage' }), UsageError, /cursor/);
      const casesCursor = (await store.listCases({ limit: 1 })).nextCursor;
      assert.equal(casesCursor, null);
      await rejectsWith(store.listAlerts({ limit: 5000 }), UsageError, /limit/);
    });

    // Cases --------------------------------------------------------------------------------------

    test('cases: open, attach (severity rises, earliest event kept), replay, audit log', async (open) => {
      const store = await open();
      const first = makeAlert('a1', {
        severity: 'medium',
        riskScore: 40,
        eventTimeMs: T0,
        classification: 'suspicious',
      });
      const second = makeAlert('a2', { severity: 'critical', riskScore: 90, eventTimeMs: T0 - MINUTE });
      await store.insertAlerts([first], T0 + 1000);
      await store.insertAlerts([second], T0 + 2000);

      const opened = await store.openOrAttachCase({
        alert: first,
        targetKey: ALICE,
        nowMs: T0 + 1500,
        actor: 'system',
      });
      assert.equal(opened.created, true);
      assert.equal(opened.attached, true);
      assert.deepEqual(opened.case, {
        id: opened.case.id,
        targetKey: ALICE,
        account: ACCOUNT,
        userName: 'alice',
        state: 'open',
        classification: 'suspicious',
        severity: 'medium',
        riskScore: 40,
        assignee: null,
        openedAt: T0 + 1500,
        firstEventAt: T0,
        detectedAt: T0 + 1000,
        resolvedAt: null,
        resolution: null,
        vulnerabilityWindowSeconds: null,
        updatedAt: T0 + 1500,
      });

      const attached = await store.openOrAttachCase({
        alert: second,
        targetKey: ALICE,
        nowMs: T0 + 2500,
        actor: 'system',
      });
      assert.equal(attached.created, false);
      assert.equal(attached.attached, true);
      assert.equal(attached.case.id, opened.case.id);
      assert.equal(attached.case.severity, 'critical');
      assert.equal(attached.case.riskScore, 90);
      assert.equal(attached.case.firstEventAt, T0 - MINUTE);
      assert.equal(attached.case.detectedAt, T0 + 1000);

      const replay = await (
        await open()
      ).openOrAttachCase({ alert: second, targetKey: ALICE, nowMs: T0 + 3000, actor: 'system' });
      assert.deepEqual([replay.created, replay.attached, replay.case.id], [false, false, opened.case.id]);

      const detail = await store.getCase(opened.case.id);
      assert.ok(detail !== null);
      assert.deepEqual(detail.alertIds, ['a1', 'a2']);
      assert.equal(detail.severity, 'critical');
      assert.deepEqual(
        detail.audit.map((entry) => [entry.action, entry.actor, entry.at, entry.before, entry.after]),
        [
          [
            'opened',
            'system',
            T0 + 1500,
            null,
            { state: 'open', severity: 'medium', classification: 'suspicious', alertId: 'a1' },
          ],
          [
            'alert-attached',
            'system',
            T0 + 2500,
            { severity: 'medium', riskScore: 40, firstEventAt: T0 },
            { alertId: 'a2', severity: 'critical', riskScore: 90, firstEventAt: T0 - MINUTE },
          ],
        ],
      );
      assert.equal((await store.getAlert('a2'))?.caseId, opened.case.id);
      await rejectsWith(
        store.openOrAttachCase({
          alert: makeAlert('unstored'),
          targetKey: ALICE,
          nowMs: T0,
          actor: 'system',
        }),
        NotFoundError,
        /unstored/,
      );
      assert.equal(await store.getCase('999999'), null);
      assert.equal(await store.getCase('not-a-number'), null);
    });

    test('cases: two instances opening a case for the same target at once get one case', async (open) => {
      const [one, two] = await Promise.all([open(), open()]);
      const alerts = Array.from({ length: 6 }, (_, index) => makeAlert(`r${index}`));
      await one.insertAlerts(alerts, T0);
      const results = await Promise.all(
        alerts.map((alert, index) =>
          (index % 2 === 0 ? one : two).openOrAttachCase({
            alert,
            targetKey: ALICE,
            nowMs: T0 + index,
            actor: 'system',
          }),
        ),
      );
      const caseIds = new Set(results.map((result) => result.case.id));
      assert.equal(caseIds.size, 1, `expected one case, got ${[...caseIds].join(', ')}`);
      assert.equal(results.filter((result) => result.created).length, 1);
      const [caseId] = [...caseIds];
      assert.deepEqual((await one.getCase(caseId!))?.alertIds.sort(), alerts.map((alert) => alert.id).sort());
      assert.equal((await two.listCases({ limit: 10 })).items.length, 1);
    });

    test('cases: a resolved case is final; the next alert for the target opens a new case', async (open) => {
      const store = await open();
      const first = await openCase(store, 'a1');
      await store.transitionCase(first, 'resolved', {
        actor: 'alice@example.com',
        nowMs: T0 + 10 * MINUTE,
        note: 'rotation',
      });
      const second = await openCase(store, 'a2');
      assert.notEqual(second, first);
      const other = await openCase(store, 'a3', { targetUser: 'Carol' });
      assert.notEqual(other, second);
      assert.equal((await store.listCases({ limit: 10, state: 'open' })).items.length, 2);
    });

    test('cases: "not me" reopens a resolved case as escalated, audited; never over another open case', async (open) => {
      const store = await open();
      const first = await openCase(store, 'a1');
      await rejectsWith(
        store.reopenCase(first, { actor: 'owner:alice', nowMs: T0 + 5 * MINUTE, note: 'not me' }),
        InvalidTransitionError,
      );
      await store.updateCase(
        first,
        { resolution: 'false-positive' },
        { actor: 'bob', nowMs: T0 + 9 * MINUTE },
      );
      await store.transitionCase(first, 'resolved', { actor: 'bob', nowMs: T0 + 10 * MINUTE });
      const reopened = await store.reopenCase(first, {
        actor: 'owner:alice@example.com',
        nowMs: T0 + 20 * MINUTE,
        note: 'the owner said "this was not me"',
      });
      assert.deepEqual([reopened.state, reopened.resolvedAt, reopened.resolution], ['escalated', null, null]);
      const detail = await store.getCase(first);
      assert.equal(detail?.state, 'escalated');
      const last = detail?.audit.at(-1);
      assert.deepEqual(
        [last?.actor, last?.action, last?.before, last?.after],
        [
          'owner:alice@example.com',
          'transition',
          { state: 'resolved', resolvedAt: T0 + 10 * MINUTE, resolution: 'false-positive' },
          { state: 'escalated', note: 'the owner said "this was not me"' },
        ],
      );
      // Closed again, then a new case opens for the same user: the old one cannot come back over it.
      await store.transitionCase(first, 'resolved', { actor: 'bob', nowMs: T0 + 30 * MINUTE });
      const second = await openCase(store, 'a2');
      await rejectsWith(
        store.reopenCase(first, { actor: 'owner:alice', nowMs: T0 + 40 * MINUTE, note: 'not me' }),
        ConflictError,
        new RegExp(`case ${second} is already open`),
      );
      assert.equal((await store.getCase(first))?.state, 'resolved');
    });

    test('cases: transitions follow the lifecycle; others are rejected with InvalidTransitionError; audited', async (open) => {
      const store = await open();
      const id = await openCase(store);
      await rejectsWith(
        store.transitionCase(id, 'open', SYSTEM),
        InvalidTransitionError,
        /cannot go from open to open/,
      );
      const verifying = await store.transitionCase(id, 'verifying', {
        actor: 'system',
        nowMs: T0 + 2 * MINUTE,
      });
      assert.equal(verifying.state, 'verifying');
      assert.equal(
        (await store.transitionCase(id, 'open', { actor: 'api:ann', nowMs: T0 + 3 * MINUTE })).state,
        'open',
      );
      await store.transitionCase(id, 'verifying', { actor: 'system', nowMs: T0 + 4 * MINUTE });
      await store.transitionCase(id, 'escalated', {
        actor: 'system',
        nowMs: T0 + 5 * MINUTE,
        note: 'owner denied',
      });
      const error = (await rejectsWith(
        store.transitionCase(id, 'verifying', SYSTEM),
        InvalidTransitionError,
      )) as InvalidTransitionError;
      assert.deepEqual(
        [error.from, error.to, error.allowed, error.code],
        ['escalated', 'verifying', ['resolved'], 'invalid-transition'],
      );
      assert.ok(error instanceof ConflictError);
      const resolved = await store.transitionCase(id, 'resolved', {
        actor: 'api:ann',
        nowMs: T0 + 6 * MINUTE,
      });
      assert.equal(resolved.resolvedAt, T0 + 6 * MINUTE);
      for (const to of ['open', 'verifying', 'escalated', 'resolved'] as const) {
        await rejectsWith(store.transitionCase(id, to, SYSTEM), InvalidTransitionError, /final state/);
      }
      await rejectsWith(store.transitionCase('424242', 'resolved', SYSTEM), NotFoundError);
      await rejectsWith(store.transitionCase(id, 'closed' as 'resolved', SYSTEM), UsageError, /to/);
      const detail = await store.getCase(id);
      assert.deepEqual(
        detail?.audit
          .filter((entry) => entry.action === 'transition')
          .map((entry) => [entry.actor, entry.before, entry.after]),
        [
          ['system', { state: 'open' }, { state: 'verifying' }],
          ['api:ann', { state: 'verifying' }, { state: 'open' }],
          ['system', { state: 'open' }, { state: 'verifying' }],
          ['system', { state: 'verifying' }, { state: 'escalated', note: 'owner denied' }],
          ['api:ann', { state: 'escalated' }, { state: 'resolved', resolvedAt: T0 + 6 * MINUTE }],
        ],
      );
    });

    test('cases: updateCase changes and audits only what changed; comments; listCases filters and pages', async (open) => {
      const store = await open();
      const id = await openCase(store);
      const updated = await store.updateCase(
        id,
        { assignee: 'ann', classification: 'verified', severity: 'high', vulnerabilityWindowSeconds: 42 },
        { actor: 'api:ann', nowMs: T0 + 5 * MINUTE },
      );
      assert.deepEqual(
        [
          updated.assignee,
          updated.classification,
          updated.severity,
          updated.vulnerabilityWindowSeconds,
          updated.updatedAt,
        ],
        ['ann', 'verified', 'high', 42, T0 + 5 * MINUTE],
      );
      await store.updateCase(id, { assignee: 'ann' }, { actor: 'api:ann', nowMs: T0 + 6 * MINUTE }); // no change, no entry
      const comment = await store.addComment(id, {
        author: 'api:ann',
        text: 'called alice <b>',
        nowMs: T0 + 7 * MINUTE,
      });
      assert.equal(comment.text, 'called alice <b>');
      const detail = await store.getCase(id);
      assert.deepEqual(detail?.comments, [comment]);
      const updates = detail?.audit.filter((entry) => entry.action === 'updated') ?? [];
      assert.equal(updates.length, 1);
      assert.deepEqual(updates[0]?.before, {
        assignee: null,
        classification: null,
        vulnerabilityWindowSeconds: null,
      });
      assert.deepEqual(updates[0]?.after, {
        assignee: 'ann',
        classification: 'verified',
        vulnerabilityWindowSeconds: 42,
      });
      assert.equal(detail?.audit.at(-1)?.action, 'commented');
      await rejectsWith(
        store.updateCase(id, { severity: 'extreme' as Severity }, SYSTEM),
        UsageError,
        /severity/,
      );
      await rejectsWith(store.addComment('999', { author: 'x', text: 'y', nowMs: T0 }), NotFoundError);
      await rejectsWith(store.addComment(id, { author: 'x', text: '', nowMs: T0 }), UsageError, /text/);

      for (const user of ['bea', 'cid', 'dan', 'eve'])
        await openCase(store, `alert-${user}`, {
          targetUser: user,
          severity: user === 'dan' ? 'critical' : 'high',
        });
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<Store['listCases']>> = await store.listCases({
          limit: 2,
          ...(cursor === null ? {} : { cursor }),
        });
        all.push(...page.items.map((item) => item.userName));
        cursor = page.nextCursor;
      } while (cursor !== null);
      // All opened at the same time: newest id first.
      assert.deepEqual(all, ['eve', 'dan', 'cid', 'bea', 'alice']);
      assert.deepEqual(
        (await store.listCases({ limit: 10, severity: 'critical' })).items.map((item) => item.userName),
        ['dan'],
      );
      assert.deepEqual(
        (await store.listCases({ limit: 10, assignee: 'ann' })).items.map((item) => item.userName),
        ['alice'],
      );
      assert.equal((await store.listCases({ limit: 10, assignee: null })).items.length, 4);
      await rejectsWith(
        store.listCases({ limit: 2, cursor: (await store.listAlerts({ limit: 1 })).nextCursor ?? 'x' }),
        UsageError,
        /cursor/,
      );
    });

    // Transactions -------------------------------------------------------------------------------

    test('transaction: a case change and its outbox row commit together or not at all', async (open) => {
      const store = await open();
      const id = await openCase(store);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.transitionCase(id, 'escalated', SYSTEM);
          await tx.enqueueNotification({
            kind: 'escalation',
            channel: 'slack',
            payload: { id },
            dedupeKey: `case:${id}:escalated:slack`,
            nowMs: T0,
          });
          throw new Error('notifier configuration broken');
        }),
        /notifier configuration broken/,
      );
      assert.equal((await store.getCase(id))?.state, 'open');
      assert.deepEqual(await store.listNotifications({ state: 'pending', limit: 10 }), []);
      assert.equal(
        (await store.getCase(id))?.audit.filter((entry) => entry.action === 'transition').length,
        0,
      );

      const result = await store.transaction(async (tx) => {
        const changed = await tx.transitionCase(id, 'escalated', SYSTEM);
        await tx.enqueueNotification({
          kind: 'escalation',
          channel: 'slack',
          payload: { id },
          dedupeKey: `case:${id}:escalated:slack`,
          nowMs: T0,
        });
        return changed.state;
      });
      assert.equal(result, 'escalated');
      assert.equal((await store.getCase(id))?.state, 'escalated');
      assert.equal((await store.listNotifications({ state: 'pending', limit: 10 })).length, 1);
    });

    test('notifications of one case: by the payload caseId only, never a prefix or a lookalike', async (open) => {
      const store = await open();
      const payloads: [string, unknown][] = [
        ['a', { caseId: '1', kind: 'case-opened' }],
        ['b', { caseId: '12', kind: 'case-opened' }],
        ['c', { caseId: '1%', kind: 'case-opened' }],
        ['d', { caseId: '2', title: 'mentions "caseId":"1" in text' }],
        ['e', { caseId: '1', kind: 'case-resolved' }],
      ];
      await store.transaction(async (tx) => {
        for (const [key, payload] of payloads)
          await tx.enqueueNotification({ kind: 'k', channel: 'slack', payload, dedupeKey: key, nowMs: T0 });
      });
      const one = await store.listCaseNotifications('1', 100);
      assert.deepEqual(
        one.map((n) => n.dedupeKey),
        ['a', 'e'],
      );
      assert.deepEqual(
        (await store.listCaseNotifications('1%', 100)).map((n) => n.dedupeKey),
        ['c'],
      );
      assert.deepEqual(await store.listCaseNotifications('404', 100), []);
    });

    test('transaction: concurrent ones commit alone or together, and one that fails fails alone', async (open) => {
      // On SQLite these are written as one group commit (a savepoint each); the outcome must be the same as one by one.
      const store = await open();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          store.transaction(async (tx) => {
            await tx.setCheckpoint(`k${i}`, `v${i}`, T0);
            if (i % 5 === 2) throw new Error(`job ${i} broke`);
            await tx.setCheckpoint(`after${i}`, 'yes', T0);
            return i;
          }),
        ),
      );
      for (const [i, outcome] of outcomes.entries()) {
        const failed = i % 5 === 2;
        assert.equal(outcome.status, failed ? 'rejected' : 'fulfilled', `job ${i}`);
        if (outcome.status === 'fulfilled') assert.equal(outcome.value, i);
        else assert.match(String(outcome.reason), new RegExp(`job ${i} broke`));
        assert.equal(await store.getCheckpoint(`k${i}`), failed ? null : `v${i}`, `job ${i} first write`);
        assert.equal(await store.getCheckpoint(`after${i}`), failed ? null : 'yes', `job ${i} second write`);
      }
    });

    test('transaction: nesting, using the store inside, and using tx afterwards are errors', async (open) => {
      const store = await open();
      const nested = await rejectsWith(
        store.transaction(() => store.transaction(() => Promise.resolve(1))),
        StoreError,
        /nested transaction/,
      );
      assert.equal((nested as StoreError).code, 'misuse');
      await rejectsWith(
        store.transaction(() => store.setCheckpoint('k', 'v', T0)),
        StoreError,
        /use tx\.setCheckpoint/,
      );
      assert.equal(await store.getCheckpoint('k'), null);
      let leaked: Parameters<Parameters<Store['transaction']>[0]>[0] | undefined;
      await store.transaction((tx) => {
        leaked = tx;
        return Promise.resolve();
      });
      await rejectsWith(leaked!.setCheckpoint('k', 'v', T0), StoreError, /already ended/);
      // The store still works after all that.
      await store.setCheckpoint('k', 'v', T0);
      assert.equal(await store.getCheckpoint('k'), 'v');
    });

    // Owner verification -------------------------------------------------------------------------

    test('verification: single use, expiry, unknown token, escalation, audit', async (open) => {
      const store = await open();
      const id = await openCase(store);
      const created = await store.createVerification({
        caseId: id,
        owner: 'alice@example.com',
        tokenHash: 'h1',
        expiresAtMs: T0 + 60 * MINUTE,
        nowMs: T0 + 2 * MINUTE,
      });
      assert.deepEqual(created, {
        id: created.id,
        caseId: id,
        owner: 'alice@example.com',
        state: 'pending',
        createdAt: T0 + 2 * MINUTE,
        expiresAt: T0 + 60 * MINUTE,
        answeredAt: null,
        escalatedAt: null,
      });
      await rejectsWith(
        store.createVerification({
          caseId: id,
          owner: 'x@example.com',
          tokenHash: 'h1',
          expiresAtMs: T0 + 60 * MINUTE,
          nowMs: T0,
        }),
        ConflictError,
      );
      await rejectsWith(
        store.createVerification({
          caseId: '999',
          owner: 'x@example.com',
          tokenHash: 'h9',
          expiresAtMs: T0 + 60 * MINUTE,
          nowMs: T0,
        }),
        NotFoundError,
      );
      await rejectsWith(
        store.createVerification({
          caseId: id,
          owner: 'x@example.com',
          tokenHash: 'h8',
          expiresAtMs: T0,
          nowMs: T0,
        }),
        UsageError,
        /expiresAtMs/,
      );

      const answer = await store.consumeVerification({
        tokenHash: 'h1',
        answer: 'denied',
        nowMs: T0 + 12 * MINUTE,
      });
      assert.ok(answer.ok);
      assert.equal(answer.verification.state, 'denied');
      assert.equal(answer.verification.answeredAt, T0 + 12 * MINUTE);
      assert.deepEqual(
        await store.consumeVerification({ tokenHash: 'h1', answer: 'confirmed', nowMs: T0 + 13 * MINUTE }),
        { ok: false, reason: 'used' },
      );
      assert.deepEqual(
        await store.consumeVerification({ tokenHash: 'forged', answer: 'confirmed', nowMs: T0 }),
        { ok: false, reason: 'unknown' },
      );

      await store.createVerification({
        caseId: id,
        owner: 'alice@example.com',
        tokenHash: 'h2',
        expiresAtMs: T0 + 60 * MINUTE,
        nowMs: T0,
      });
      // Exactly at the deadline the link is dead.
      assert.deepEqual(
        await store.consumeVerification({ tokenHash: 'h2', answer: 'confirmed', nowMs: T0 + 60 * MINUTE }),
        { ok: false, reason: 'expired' },
      );
      const expired = await store.listExpiredVerifications(T0 + 60 * MINUTE);
      assert.deepEqual(
        expired.map((entry) => entry.state),
        ['pending'],
      );
      assert.equal(await store.markVerificationEscalated(expired[0]!.id, T0 + 61 * MINUTE), true);
      assert.equal(await store.markVerificationEscalated(expired[0]!.id, T0 + 62 * MINUTE), false);
      assert.equal(await store.markVerificationEscalated(answer.verification.id, T0 + 62 * MINUTE), false); // answered: never overridden
      assert.deepEqual(await store.listExpiredVerifications(T0 + 70 * MINUTE), []);
      assert.deepEqual(
        await store.consumeVerification({ tokenHash: 'h2', answer: 'confirmed', nowMs: T0 + 63 * MINUTE }),
        { ok: false, reason: 'expired' },
      );
      await rejectsWith(store.markVerificationEscalated('777', T0), NotFoundError);
      // Found by its token hash in whatever state, without changing it (a link's page reads it on GET).
      assert.deepEqual(await store.findVerification('h1'), answer.verification);
      assert.equal((await store.findVerification('h2'))?.state, 'expired');
      assert.equal((await store.findVerification('h2'))?.escalatedAt, T0 + 61 * MINUTE);
      assert.equal(await store.findVerification('nope'), null);
      await rejectsWith(
        store.consumeVerification({ tokenHash: 'h1', answer: 'maybe' as 'confirmed', nowMs: T0 }),
        UsageError,
        /answer/,
      );

      const detail = await store.getCase(id);
      assert.deepEqual(
        detail?.verifications.map((entry) => entry.state),
        ['denied', 'expired'],
      );
      assert.deepEqual(
        detail?.audit
          .filter((entry) => entry.action.startsWith('verification'))
          .map((entry) => [entry.action, entry.actor]),
        [
          ['verification-requested', 'system'],
          ['verification-answered', 'owner:alice@example.com'],
          ['verification-requested', 'system'],
          ['verification-expired', 'system'],
        ],
      );
    });

    test('verification: two instances answering the same link at once: exactly one wins', async (open) => {
      const [one, two] = await Promise.all([open(), open()]);
      const id = await openCase(one);
      await one.createVerification({
        caseId: id,
        owner: 'alice@example.com',
        tokenHash: 'race',
        expiresAtMs: T0 + 60 * MINUTE,
        nowMs: T0,
      });
      const answers = await Promise.all([
        one.consumeVerification({ tokenHash: 'race', answer: 'confirmed', nowMs: T0 + MINUTE }),
        two.consumeVerification({ tokenHash: 'race', answer: 'denied', nowMs: T0 + MINUTE }),
        one.consumeVerification({ tokenHash: 'race', answer: 'denied', nowMs: T0 + MINUTE }),
        two.consumeVerification({ tokenHash: 'race', answer: 'confirmed', nowMs: T0 + MINUTE }),
      ]);
      assert.equal(answers.filter((answer) => answer.ok).length, 1);
      assert.deepEqual(
        answers.filter((answer) => !answer.ok).map((answer) => (answer.ok ? '' : answer.reason)),
        ['used', 'used', 'used'],
      );
    });

    // Approvals ----------------------------------------------------------------------------------

    test('approvals: matching by user (any case), window edges, account, actor name or ARN; revoke', async (open) => {
      const store = await open();
      const base = {
        ticket: 'CHG-1',
        user: 'Alice',
        fromMs: T0,
        toMs: T0 + 60 * MINUTE,
        approver: 'boss',
        createdBy: 'api:ann',
        nowMs: T0 - MINUTE,
      };
      const any = await store.createApproval(base);
      assert.deepEqual(any, {
        id: any.id,
        ticket: 'CHG-1',
        user: 'Alice',
        actor: null,
        account: null,
        fromMs: T0,
        toMs: T0 + 60 * MINUTE,
        approver: 'boss',
        createdBy: 'api:ann',
        createdAt: T0 - MINUTE,
        revokedAt: null,
        revokedBy: null,
      });
      const byArn = await store.createApproval({
        ...base,
        ticket: 'CHG-2',
        user: 'carol',
        actor: `arn:aws:iam::${ACCOUNT}:user/bob`,
        account: ACCOUNT,
      });
      const byName = await store.createApproval({ ...base, ticket: 'CHG-3', user: 'dave', actor: 'Bob' });
      const bob = { arn: `arn:aws:iam::${ACCOUNT}:user/bob`, userName: 'bob' };
      const mallory = { arn: `arn:aws:iam::${ACCOUNT}:user/mallory`, userName: 'mallory' };

      assert.equal(
        (await store.findApproval({ user: 'ALICE', account: ACCOUNT, actor: mallory, atMs: T0 }))?.id,
        any.id,
      );
      assert.equal(
        (await store.findApproval({ user: 'alice', account: null, actor: bob, atMs: T0 + 60 * MINUTE }))?.id,
        any.id,
      );
      assert.equal(
        await store.findApproval({ user: 'alice', account: ACCOUNT, actor: bob, atMs: T0 - 1 }),
        null,
      );
      assert.equal(
        await store.findApproval({ user: 'alice', account: ACCOUNT, actor: bob, atMs: T0 + 60 * MINUTE + 1 }),
        null,
      );
      assert.equal(
        (await store.findApproval({ user: 'carol', account: ACCOUNT, actor: bob, atMs: T0 }))?.id,
        byArn.id,
      );
      assert.equal(
        await store.findApproval({ user: 'carol', account: ACCOUNT, actor: mallory, atMs: T0 }),
        null,
      );
      assert.equal(
        await store.findApproval({ user: 'carol', account: '999988887777', actor: bob, atMs: T0 }),
        null,
      );
      assert.equal(
        await store.findApproval({
          user: 'carol',
          account: ACCOUNT,
          actor: { arn: null, userName: 'bob' },
          atMs: T0,
        }),
        null,
      );
      assert.equal(
        (
          await store.findApproval({
            user: 'dave',
            account: ACCOUNT,
            actor: { arn: null, userName: 'BOB' },
            atMs: T0,
          })
        )?.id,
        byName.id,
      );
      assert.equal(
        await store.findApproval({ user: 'dave', account: ACCOUNT, actor: mallory, atMs: T0 }),
        null,
      );

      const revoked = await store.revokeApproval(any.id, 'api:ann', T0 + MINUTE);
      assert.deepEqual([revoked.revokedAt, revoked.revokedBy], [T0 + MINUTE, 'api:ann']);
      assert.equal((await store.revokeApproval(any.id, 'api:other', T0 + 2 * MINUTE)).revokedBy, 'api:ann');
      assert.equal(
        await store.findApproval({ user: 'alice', account: ACCOUNT, actor: bob, atMs: T0 + 2 * MINUTE }),
        null,
      );
      assert.deepEqual((await store.listApprovals({ activeAt: T0 })).map((entry) => entry.ticket).sort(), [
        'CHG-2',
        'CHG-3',
      ]);
      assert.deepEqual(
        (await store.listApprovals({ activeAt: T0 + 61 * MINUTE })).map((entry) => entry.ticket),
        [],
      );
      assert.equal((await store.listApprovals()).length, 3);
      await rejectsWith(store.revokeApproval('12345', 'x', T0), NotFoundError);
      await rejectsWith(store.createApproval({ ...base, toMs: T0 - 1 }), UsageError, /toMs/);
      await rejectsWith(store.createApproval({ ...base, ticket: '' }), UsageError, /ticket/);
    });

    // Outbox -------------------------------------------------------------------------------------

    test('outbox: dedupe key, due time, lease, re-claim after lease expiry, sent, retry, dead', async (open) => {
      const store = await open();
      const input = {
        kind: 'case-opened',
        channel: 'slack',
        payload: { text: 'case <1>', n: [1, 2] },
        dedupeKey: 'case:1:opened:slack',
        nowMs: T0,
      };
      const first = await store.enqueueNotification(input);
      assert.deepEqual(await store.enqueueNotification({ ...input, payload: { other: true } }), {
        id: first.id,
        created: false,
      });
      await store.enqueueNotification({ ...input, dedupeKey: 'later', notBeforeMs: T0 + 10 * MINUTE });

      const claimed = await store.claimNotifications({
        nowMs: T0 + 1000,
        limit: 10,
        workerId: 'w1',
        leaseMs: 30_000,
      });
      assert.deepEqual(
        claimed.map((row) => [row.id, row.payload, row.attempts, row.leaseOwner, row.leaseUntil]),
        [[first.id, input.payload, 1, 'w1', T0 + 31_000]],
      );
      assert.deepEqual(
        await store.claimNotifications({ nowMs: T0 + 2000, limit: 10, workerId: 'w2', leaseMs: 30_000 }),
        [],
      );
      // w1 crashed: its lease runs out and w2 takes the row over.
      const reclaimed = await store.claimNotifications({
        nowMs: T0 + 31_000,
        limit: 10,
        workerId: 'w2',
        leaseMs: 30_000,
      });
      assert.deepEqual(
        reclaimed.map((row) => [row.id, row.attempts, row.leaseOwner]),
        [[first.id, 2, 'w2']],
      );
      assert.equal(await store.markNotificationSent(first.id, 'w1', T0 + 32_000), false); // w1 lost it
      assert.equal(
        await store.markNotificationFailed(reclaimed[0]!.id, 'w2', {
          error: 'HTTP 500',
          nextAttemptAtMs: T0 + 5 * MINUTE,
          nowMs: T0 + 32_000,
        }),
        true,
      );
      assert.deepEqual(
        await store.claimNotifications({
          nowMs: T0 + 4 * MINUTE,
          limit: 10,
          workerId: 'w2',
          leaseMs: 30_000,
        }),
        [],
      );
      const retry = await store.claimNotifications({
        nowMs: T0 + 5 * MINUTE,
        limit: 10,
        workerId: 'w2',
        leaseMs: 30_000,
      });
      assert.deepEqual(
        retry.map((row) => [row.id, row.attempts, row.lastError]),
        [[first.id, 3, 'HTTP 500']],
      );
      assert.equal(await store.markNotificationSent(first.id, 'w2', T0 + 5 * MINUTE + 1), true);
      assert.equal(await store.markNotificationSent(first.id, 'w2', T0 + 5 * MINUTE + 2), false); // already final
      const sent = await store.listNotifications({ state: 'sent', limit: 10 });
      assert.deepEqual(
        sent.map((row) => [row.id, row.sentAt, row.leaseOwner]),
        [[first.id, T0 + 5 * MINUTE + 1, null]],
      );

      const later = await store.claimNotifications({
        nowMs: T0 + 10 * MINUTE,
        limit: 10,
        workerId: 'w1',
        leaseMs: 30_000,
      });
      assert.equal(later.length, 1);
      assert.equal(
        await store.markNotificationFailed(later[0]!.id, 'w1', {
          error: 'HTTP 410 gone',
          dead: true,
          nowMs: T0 + 10 * MINUTE,
        }),
        true,
      );
      assert.deepEqual(
        (await store.listNotifications({ state: 'dead', limit: 10 })).map((row) => [
          row.dedupeKey,
          row.lastError,
        ]),
        [['later', 'HTTP 410 gone']],
      );
      assert.deepEqual(await store.outboxDepth(), { pending: 0, dead: 1, oldestPendingAt: null });
      await store.enqueueNotification({ ...input, dedupeKey: 'third', nowMs: T0 + 20 * MINUTE });
      assert.deepEqual(await store.outboxDepth(), { pending: 1, dead: 1, oldestPendingAt: T0 + 20 * MINUTE });
      await rejectsWith(store.markNotificationSent('98765', 'w1', T0), NotFoundError);
      await rejectsWith(
        store.claimNotifications({ nowMs: T0, limit: 10, workerId: 'w1', leaseMs: 0 }),
        UsageError,
        /leaseMs/,
      );
      await rejectsWith(
        store.enqueueNotification({ ...input, dedupeKey: 'u', payload: undefined }),
        UsageError,
        /payload/,
      );
    });

    test('outbox: two workers claiming at once never get the same row, and together get all', async (open) => {
      const [one, two] = await Promise.all([open(), open()]);
      const total = 60;
      await one.transaction(async (tx) => {
        for (let index = 0; index < total; index++) {
          await tx.enqueueNotification({
            kind: 'k',
            channel: 'c',
            payload: { index },
            dedupeKey: `n${index}`,
            nowMs: T0,
          });
        }
      });
      const claimedBy = new Map<string, string>();
      const worker = async (store: Store, workerId: string): Promise<void> => {
        for (;;) {
          const rows = await store.claimNotifications({
            nowMs: T0 + 1000,
            limit: 4,
            workerId,
            leaseMs: 60_000,
          });
          if (rows.length === 0) return;
          for (const row of rows) {
            assert.equal(
              claimedBy.get(row.id),
              undefined,
              `row ${row.id} claimed by ${claimedBy.get(row.id)} and ${workerId}`,
            );
            claimedBy.set(row.id, workerId);
          }
        }
      };
      await Promise.all([worker(one, 'w1'), worker(two, 'w2'), worker(one, 'w3'), worker(two, 'w4')]);
      assert.equal(claimedBy.size, total);
    });

    test('outbox: claims by channel lane, heartbeats renew only held leases, a dead row is retried once', async (open) => {
      const store = await open();
      const enqueue = (channel: string, dedupeKey: string) =>
        store.enqueueNotification({ kind: 'k', channel, payload: { channel }, dedupeKey, nowMs: T0 });
      const slack = await enqueue('slack', 'a@slack');
      const hook = await enqueue('hook', 'a@hook');
      const odd = await enqueue('gone', 'a@gone');
      const claim = (filter: { channels?: string[]; exceptChannels?: string[] }, workerId = 'w1') =>
        store.claimNotifications({ nowMs: T0, limit: 10, workerId, leaseMs: 10_000, ...filter });
      assert.deepEqual(await claim({ channels: [] }), []);
      assert.deepEqual(
        (await claim({ channels: ['hook'] })).map((row) => row.id),
        [hook.id],
      );
      assert.deepEqual(
        (await claim({ exceptChannels: ['hook', 'slack'] })).map((row) => row.id),
        [odd.id],
      );
      assert.deepEqual(
        (await claim({ channels: ['slack', 'hook'] }, 'w2')).map((row) => row.id),
        [slack.id],
      );
      await rejectsWith(claim({ channels: [''] }), UsageError, /channels/);

      // w1 holds hook and gone; w2 holds slack. A heartbeat extends only what the worker holds and is still live.
      assert.deepEqual(
        await store.renewNotificationLeases({
          ids: [hook.id, odd.id, slack.id, 'nonsense'],
          workerId: 'w1',
          nowMs: T0 + 9_000,
          leaseMs: 10_000,
        }),
        [hook.id, odd.id].sort((a, b) => Number(a) - Number(b)),
      );
      // Renewed to T0 + 19 s: still w1's at T0 + 15 s; w2's slack row lapsed at T0 + 10 s and cannot be renewed.
      assert.deepEqual(await claim({}, 'w3').then((rows) => rows.map((row) => row.id)), []);
      assert.deepEqual(
        await store.renewNotificationLeases({
          ids: [slack.id],
          workerId: 'w2',
          nowMs: T0 + 11_000,
          leaseMs: 10_000,
        }),
        [],
      );
      assert.deepEqual(
        (
          await store.claimNotifications({ nowMs: T0 + 15_000, limit: 10, workerId: 'w3', leaseMs: 10_000 })
        ).map((row) => row.id),
        [slack.id],
      );

      assert.equal(
        await store.markNotificationFailed(odd.id, 'w1', {
          error: 'no notifier',
          dead: true,
          nowMs: T0 + 16_000,
        }),
        true,
      );
      await rejectsWith(store.retryNotification(hook.id, T0 + 17_000), ConflictError, /pending/);
      await rejectsWith(store.retryNotification('98765', T0 + 17_000), NotFoundError);
      const retried = await store.retryNotification(odd.id, T0 + 20_000);
      assert.deepEqual(
        [retried.state, retried.attempts, retried.nextAttemptAt, retried.lastError, retried.leaseOwner],
        ['pending', 0, T0 + 20_000, 'no notifier', null],
      );
      await rejectsWith(store.retryNotification(odd.id, T0 + 21_000), ConflictError, /pending/);
      const again = await store.claimNotifications({
        nowMs: T0 + 20_000,
        limit: 10,
        workerId: 'w4',
        leaseMs: 10_000,
        channels: ['gone'],
      });
      assert.deepEqual(
        again.map((row) => [row.id, row.attempts]),
        [[odd.id, 1]],
      );
      assert.equal(await store.markNotificationSent(odd.id, 'w4', T0 + 21_000), true);
      await rejectsWith(store.retryNotification(odd.id, T0 + 22_000), ConflictError, /was sent/);
    });

    // API tokens ---------------------------------------------------------------------------------

    test("API tokens: a person's token and session keep subject, display name, kind and expiry", async (open) => {
      const store = await open();
      const session = await store.createApiToken({
        name: 'dashboard session',
        role: 'responder',
        tokenHash: 'sha256:session',
        createdBy: 'oidc:https://idp.example',
        nowMs: T0,
        kind: 'session',
        subject: 'sub-ada',
        displayName: 'Ada Lovelace',
        expiresAt: T0 + 480 * MINUTE,
      });
      const found = await (await open()).findApiToken('sha256:session');
      assert.deepEqual(found, session.token);
      assert.equal(found?.kind, 'session');
      assert.equal(found?.subject, 'sub-ada');
      assert.equal(found?.displayName, 'Ada Lovelace');
      assert.equal(found?.expiresAt, T0 + 480 * MINUTE);
    });

    test('API tokens: hashed, idempotent by hash, only active ones found, revocable', async (open) => {
      const store = await open();
      const created = await store.createApiToken({
        name: 'bootstrap',
        role: 'admin',
        tokenHash: 'sha256:aa',
        createdBy: 'env',
        nowMs: T0,
      });
      assert.equal(created.created, true);
      assert.deepEqual(created.token, {
        id: created.token.id,
        name: 'bootstrap',
        role: 'admin',
        createdBy: 'env',
        createdAt: T0,
        revokedAt: null,
        kind: 'token',
        subject: null,
        displayName: null,
        expiresAt: null,
      });
      const again = await (
        await open()
      ).createApiToken({
        name: 'bootstrap',
        role: 'admin',
        tokenHash: 'sha256:aa',
        createdBy: 'env',
        nowMs: T0 + 1,
      });
      assert.deepEqual(again, { token: created.token, created: false });
      const viewer = await store.createApiToken({
        name: 'grafana',
        role: 'viewer',
        tokenHash: 'sha256:bb',
        createdBy: 'api:admin',
        nowMs: T0,
      });
      assert.deepEqual(await store.findApiToken('sha256:bb'), viewer.token);
      assert.equal(await store.findApiToken('sha256:zz'), null);
      const revoked = await store.revokeApiToken(viewer.token.id, T0 + MINUTE);
      assert.equal(revoked.revokedAt, T0 + MINUTE);
      assert.equal(await store.findApiToken('sha256:bb'), null);
      const listed = await store.listApiTokens();
      assert.deepEqual(
        listed.map((token) => [token.name, token.revokedAt]),
        [
          ['bootstrap', null],
          ['grafana', T0 + MINUTE],
        ],
      );
      assert.ok(!JSON.stringify(listed).includes('sha256:'), 'hashes are never listed');
      await rejectsWith(store.revokeApiToken('4444', T0), NotFoundError);
      await rejectsWith(
        store.createApiToken({
          name: 'x',
          role: 'root' as 'admin',
          tokenHash: 'h',
          createdBy: 'x',
          nowMs: T0,
        }),
        UsageError,
        /role/,
      );
    });

    // Checkpoints and work claims ----------------------------------------------------------------

    test('checkpoints: absent, set, overwritten, seen by another instance', async (open) => {
      const store = await open();
      assert.equal(await store.getCheckpoint('s3:trail'), null);
      await store.setCheckpoint('s3:trail', 'AWSLogs/1/a.json.gz', T0);
      await store.setCheckpoint('s3:trail', 'AWSLogs/1/b.json.gz', T0 + 1);
      assert.equal(await (await open()).getCheckpoint('s3:trail'), 'AWSLogs/1/b.json.gz');
    });

    test('work claims: one owner at a time, lease expiry, renewal, completion is final', async (open) => {
      const store = await open();
      const key = 's3://bucket/AWSLogs/x.json.gz';
      assert.equal(await store.claimWork({ key, workerId: 'w1', leaseMs: 1000, nowMs: T0 }), true);
      assert.equal(await store.claimWork({ key, workerId: 'w2', leaseMs: 1000, nowMs: T0 + 999 }), false);
      assert.equal(await store.claimWork({ key, workerId: 'w1', leaseMs: 1000, nowMs: T0 + 900 }), true); // renewal
      assert.equal(await store.claimWork({ key, workerId: 'w2', leaseMs: 1000, nowMs: T0 + 1899 }), false);
      assert.equal(await store.claimWork({ key, workerId: 'w2', leaseMs: 1000, nowMs: T0 + 1900 }), true); // w1's lease ran out
      assert.equal(await store.completeWork(key, 'w1', T0 + 2000), false);
      assert.equal(await store.isWorkDone(key), false);
      assert.equal(await store.completeWork(key, 'w2', T0 + 2000), true);
      assert.equal(await store.isWorkDone(key), true);
      assert.equal(await store.claimWork({ key, workerId: 'w3', leaseMs: 1000, nowMs: T0 + 99_000 }), false);
      assert.equal(await store.completeWork(key, 'w2', T0 + 3000), false);
      assert.equal(await store.isWorkDone('never-seen'), false);
    });

    test('work claims: many workers on two instances racing for one item: exactly one wins', async (open) => {
      const [one, two] = await Promise.all([open(), open()]);
      const wins = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          (index % 2 === 0 ? one : two).claimWork({
            key: 'item',
            workerId: `w${index}`,
            leaseMs: 60_000,
            nowMs: T0,
          }),
        ),
      );
      assert.equal(wins.filter(Boolean).length, 1);
    });

    // Dead letters -------------------------------------------------------------------------------

    test('dead letters: raw bytes kept exactly, newest first', async (open) => {
      const store = await open();
      const bytes = Buffer.from([0x1f, 0x8b, 0x00, 0xff, 0xfe, 0x7b]);
      await store.addDeadLetter({
        source: 'sqs',
        location: 'msg-1',
        reason: 'not gzip',
        raw: bytes,
        nowMs: T0,
      });
      await store.addDeadLetter({
        source: 'eventbridge',
        location: 'req-2',
        reason: 'not JSON',
        raw: '{"broken',
        nowMs: T0 + 1,
      });
      const listed = await store.listDeadLetters({ limit: 10 });
      assert.deepEqual(
        listed.map((entry) => [entry.source, entry.location, entry.reason, entry.createdAt]),
        [
          ['eventbridge', 'req-2', 'not JSON', T0 + 1],
          ['sqs', 'msg-1', 'not gzip', T0],
        ],
      );
      assert.ok(Buffer.isBuffer(listed[1]?.raw));
      assert.deepEqual([...(listed[1]?.raw ?? [])], [...bytes]);
      assert.equal(listed[0]?.raw.toString('utf8'), '{"broken');
      assert.equal((await store.listDeadLetters({ limit: 1 })).length, 1);
    });

    // KPIs ---------------------------------------------------------------------------------------

    test('KPIs: a case that closed itself (a rotation) is counted apart, not as an MTTR of nothing', async (open) => {
      const store = await open();
      const at = Date.UTC(2025, 3, 1);
      const cases = [];
      for (const user of ['ann', 'ben']) {
        const alert = makeAlert(`auto-${user}`, {
          eventId: `auto-ev-${user}`,
          eventTimeMs: at,
          targetUser: user,
        });
        await store.insertAlerts([alert], at + 1_000);
        cases.push(
          (
            await store.openOrAttachCase({
              alert,
              targetKey: targetKeyOf(ACCOUNT, user),
              nowMs: at + 2_000,
              actor: 'system',
            })
          ).case,
        );
      }
      const [auto, remediated] = cases;
      assert.ok(auto && remediated);
      await store.updateCase(auto.id, { resolution: 'rotation' }, { actor: 'system', nowMs: at + 3_000 });
      await store.transitionCase(auto.id, 'resolved', { actor: 'system', nowMs: at + 3_000 });
      await store.updateCase(
        remediated.id,
        { resolution: 'owner-confirmed' },
        { actor: 'api:ann', nowMs: at + 60_000 },
      );
      await store.transitionCase(remediated.id, 'resolved', { actor: 'api:ann', nowMs: at + 61_000 });
      const kpis = await store.kpiSnapshot({ fromMs: at, toMs: at + 86_400_000 });
      assert.equal(kpis.autoResolved, 1);
      assert.deepEqual(kpis.mttr, { count: 1, avgMs: 60_000, p50Ms: 60_000, p90Ms: 60_000 });
    });

    test('KPIs: MTTD, MTTR, removals per month by classification, open cases, windows, answer times', async (open) => {
      const store = await open();
      const jan = Date.UTC(2025, 0, 10);
      const feb = Date.UTC(2025, 1, 10);
      // Removals: two rules on one January event (counted once), one February event, one failed removal (not counted),
      // and a non-removal alert (counts for MTTD only).
      const alerts: [Alert, number][] = [
        [
          makeAlert('r1-x', {
            eventId: 'ev1',
            eventTimeMs: jan,
            targetUser: 'alice',
            classification: 'suspicious',
          }),
          jan + 10_000,
        ],
        [
          makeAlert('r2-x', { eventId: 'ev1', eventTimeMs: jan, targetUser: 'alice', ruleId: 'elastic' }),
          jan + 30_000,
        ],
        [
          makeAlert('r1-y', {
            eventId: 'ev2',
            eventTimeMs: feb,
            targetUser: 'bea',
            classification: 'rotation',
            vulnerabilityWindowSeconds: 120,
          }),
          feb + 20_000,
        ],
        [
          makeAlert('r1-z', {
            eventId: 'ev3',
            eventTimeMs: feb,
            targetUser: 'cid',
            eventName: 'CreateLoginProfile',
          }),
          feb + 40_000,
        ],
        [
          {
            ...makeAlert('r1-f', { eventId: 'ev4', eventTimeMs: feb, targetUser: 'dan' }),
            event: {
              ...makeAlert('q').event,
              id: 'ev4',
              outcome: 'failure',
              time: new Date(feb).toISOString(),
            },
          },
          feb + 5_000,
        ],
      ];
      for (const [alert, at] of alerts) await store.insertAlerts([alert], at);
      const alice = (
        await store.openOrAttachCase({
          alert: alerts[0]![0],
          targetKey: targetKeyOf(ACCOUNT, 'alice'),
          nowMs: jan + 40_000,
          actor: 'system',
        })
      ).case;
      await store.openOrAttachCase({
        alert: alerts[1]![0],
        targetKey: targetKeyOf(ACCOUNT, 'alice'),
        nowMs: jan + 40_000,
        actor: 'system',
      });
      const bea = (
        await store.openOrAttachCase({
          alert: alerts[2]![0],
          targetKey: targetKeyOf(ACCOUNT, 'bea'),
          nowMs: feb + 30_000,
          actor: 'system',
        })
      ).case;
      await store.openOrAttachCase({
        alert: alerts[3]![0],
        targetKey: targetKeyOf(ACCOUNT, 'cid'),
        nowMs: feb + 50_000,
        actor: 'system',
      });
      // The owner's answer lands on the case: alice said "not me".
      await store.updateCase(
        alice.id,
        { classification: 'unauthorized', severity: 'critical' },
        { actor: 'system', nowMs: jan + MINUTE },
      );
      await store.createVerification({
        caseId: alice.id,
        owner: 'alice@example.com',
        tokenHash: 'k1',
        expiresAtMs: jan + 99 * MINUTE,
        nowMs: jan + MINUTE,
      });
      await store.consumeVerification({ tokenHash: 'k1', answer: 'denied', nowMs: jan + 4 * MINUTE });
      await store.createVerification({
        caseId: bea.id,
        owner: 'bea@example.com',
        tokenHash: 'k2',
        expiresAtMs: feb + 99 * MINUTE,
        nowMs: feb,
      });
      await store.consumeVerification({ tokenHash: 'k2', answer: 'confirmed', nowMs: feb + 2 * MINUTE });
      await store.transitionCase(alice.id, 'resolved', { actor: 'api:ann', nowMs: jan + 10_000 + 3_600_000 });
      await store.transitionCase(bea.id, 'resolved', { actor: 'system', nowMs: feb + 20_000 + 60_000 });

      const kpis = await store.kpiSnapshot({ fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 2, 1) });
      // detectedAt − event time: 10s, 30s, 20s, 40s, 5s.
      assert.deepEqual(kpis.mttd, { count: 5, avgMs: 21_000, p50Ms: 20_000, p90Ms: 40_000 });
      // resolvedAt − first alert detectedAt: 1h and 1 min.
      assert.deepEqual(kpis.mttr, {
        count: 2,
        avgMs: (3_600_000 + 60_000) / 2,
        p50Ms: 60_000,
        p90Ms: 3_600_000,
      });
      assert.equal(kpis.autoResolved, 0);
      const zero = {
        rotation: 0,
        approved: 0,
        'admin-reset': 0,
        verified: 0,
        suspicious: 0,
        unauthorized: 0,
        unresolved: 0,
        unclassified: 0,
      };
      assert.deepEqual(kpis.removalsByMonth, [
        { month: '2025-01', total: 1, byClassification: { ...zero, unauthorized: 1 } },
        { month: '2025-02', total: 1, byClassification: { ...zero, rotation: 1 } },
      ]);
      assert.deepEqual(kpis.openCasesBySeverity, { info: 0, low: 0, medium: 0, high: 1, critical: 0 });
      assert.deepEqual(kpis.vulnerabilityWindow, { count: 1, medianSeconds: 120, p90Seconds: 120 });
      assert.deepEqual(kpis.verificationAnswerTime, {
        count: 2,
        avgMs: 150_000,
        p50Ms: 120_000,
        p90Ms: 180_000,
      });

      const january = await store.kpiSnapshot({ fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) });
      assert.deepEqual(
        [
          january.mttd.count,
          january.mttr.count,
          january.removalsByMonth.length,
          january.verificationAnswerTime.count,
        ],
        [2, 1, 1, 1],
      );
      const empty = await store.kpiSnapshot({ fromMs: 0, toMs: 1 });
      assert.deepEqual(empty.mttd, { count: 0, avgMs: null, p50Ms: null, p90Ms: null });
      assert.deepEqual(empty.removalsByMonth, []);
    });
  });
}
