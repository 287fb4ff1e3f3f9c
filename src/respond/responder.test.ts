import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { tempSqlite } from '../app/live/test-support/live.ts';
import type { TempStore } from '../app/live/test-support/live.ts';
import { ConflictError } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { UsageError } from '../model/index.ts';
import { createResponder } from './responder.ts';
import type { ResponderDeps } from './responder.ts';
import type { AdminFact } from './safeguards.ts';
import { ACCOUNT, T0, classifiedCase, enforcing } from './test-support/cases.ts';
import { fakeIam } from './test-support/fake-iam.ts';
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

const posture = (admins: readonly AdminFact[] | null) => ({ administrators: () => Promise.resolve(admins) });
const quarantined = (user: string) => iam.state.attached.get(user)?.has(ARN) === true;

describe('responder safeguards', () => {
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
  after(() => undefined);

  it('dry-run (the default) records the plan on the case and applies nothing; it cannot be approved', async () => {
    const caseId = await classifiedCase(store, 'carol');
    const r = responder({ config: { ...enforcing(), mode: 'dry-run' } });
    await r.caseChanged([caseId]);
    const [action] = await store.listResponseActions({ caseId });
    assert.equal(action?.state, 'planned');
    assert.equal(action?.hold, 'dry-run');
    assert.deepEqual(
      (action?.plan as { steps: { api: string }[] }).steps.map((s) => s.api),
      ['AttachUserPolicy'],
    );
    assert.deepEqual(iam.writes, []);
    await assert.rejects(r.approve(action?.id ?? '', 'api:lead', 'admin'), /dry-run/);
    await r.tick();
    assert.deepEqual(iam.writes, []);
  });

  it('enforced: the not-me case is quarantined, and the action is audited on the case with who and why', async () => {
    const caseId = await classifiedCase(store, 'carol');
    await responder().caseChanged([caseId]);
    assert.ok(quarantined('carol'));
    const [action] = await store.listResponseActions({ caseId });
    assert.equal(action?.state, 'applied');
    const audit = (await store.getCase(caseId))?.audit.filter((e) => e.action === 'response') ?? [];
    assert.deepEqual(
      audit.map((e) => [e.actor, e.after?.['state']]),
      [
        ['system', 'planned'],
        ['system', 'applying'],
        ['system', 'applied'],
      ],
    );
    assert.match(String(audit[0]?.after?.['note']), /unauthorized: quarantine the user/);
  });

  it("in aws-us-gov and aws-cn, the quarantine policy ARN is in the case's partition, planned and applied", async () => {
    const gov = await classifiedCase(
      store,
      'gina',
      'unauthorized',
      `arn:aws-us-gov:sts::${ACCOUNT}:assumed-role/Ops/x`,
    );
    const cn = await classifiedCase(
      store,
      'chen',
      'unauthorized',
      `arn:aws-cn:sts::${ACCOUNT}:assumed-role/Ops/y`,
    );
    await responder().caseChanged([gov, cn]);
    for (const [caseId, user, partition] of [
      [gov, 'gina', 'aws-us-gov'],
      [cn, 'chen', 'aws-cn'],
    ] as const) {
      const [action] = await store.listResponseActions({ caseId });
      const arn = `arn:${partition}:iam::${ACCOUNT}:policy/mfaguard-quarantine`;
      assert.deepEqual(
        (action?.plan as { steps: { input: { PolicyArn?: string } }[] }).steps.map((s) => s.input.PolicyArn),
        [arn],
      );
      assert.equal(action?.state, 'applied');
      assert.deepEqual([...(iam.state.attached.get(user) ?? [])], [arn]);
    }
  });

  it('break-glass users, protected users and roles, and root are never touched, not even with approval', async () => {
    const config = enforcing({
      protected: ['ops-admin', `arn:aws:iam::${ACCOUNT}:role/Automation`],
      breakGlassRoles: ['BreakGlass'],
      rules: [
        {
          classifications: ['unauthorized'],
          actions: ['quarantine', 'revoke-sessions'],
          delayMs: 0,
          approval: 'none',
        },
      ],
    });
    const r = responder({ config, breakGlassUsers: new Set(['emergency']) });
    const cases = [
      await classifiedCase(store, 'emergency'),
      await classifiedCase(store, 'OPS-ADMIN'),
      await classifiedCase(store, 'root'),
      await classifiedCase(
        store,
        'erin',
        'unauthorized',
        `arn:aws:sts::${ACCOUNT}:assumed-role/Automation/x`,
      ),
      await classifiedCase(
        store,
        'frank',
        'unauthorized',
        `arn:aws:sts::${ACCOUNT}:assumed-role/BreakGlass/y`,
      ),
    ];
    await r.caseChanged(cases);
    const actions = await store.listResponseActions({});
    const refused = actions
      .filter((a) => a.state === 'refused')
      .map((a) => `${a.targetKind}:${a.targetName}`);
    assert.deepEqual(refused.sort(), [
      'role:Automation',
      'role:BreakGlass',
      'user:OPS-ADMIN',
      'user:OPS-ADMIN',
      'user:emergency',
      'user:emergency',
      'user:root',
      'user:root',
    ]);
    for (const action of actions.filter((a) => a.state === 'refused'))
      await assert.rejects(r.approve(action.id, 'api:lead', 'admin'), ConflictError);
    assert.deepEqual(iam.writes, ['AttachUserPolicy', 'AttachUserPolicy']); // erin and frank themselves
    assert.ok(quarantined('erin') && quarantined('frank') && !quarantined('emergency'));
  });

  it('never locks out the last administrator with working MFA (per the stored posture)', async () => {
    const alone = posture([
      { userName: 'alice', mfaWorking: true },
      { userName: 'bob', mfaWorking: false },
    ]);
    const aliceCase = await classifiedCase(store, 'alice');
    await responder({ posture: alone }).caseChanged([aliceCase]);
    const [held] = await store.listResponseActions({ caseId: aliceCase });
    assert.equal(held?.hold, 'last-admin');
    assert.match(held?.holdReason ?? '', /last administrator with working MFA/);
    assert.equal(quarantined('alice'), false);
    // A person decides: approved, it is applied.
    await assert.rejects(responder().approve(held?.id ?? '', 'api:viewer', 'viewer'), UsageError);
    const approved = await responder().approve(held?.id ?? '', 'api:lead', 'responder');
    assert.equal(approved.state, 'applied');
    assert.equal(approved.approvedBy, 'api:lead');
    assert.ok(quarantined('alice'));
  });

  it('another administrator with working MFA lets the quarantine go ahead, unless mfaguard already locked them out', async () => {
    const two = posture([
      { userName: 'alice', mfaWorking: true },
      { userName: 'bob', mfaWorking: true },
    ]);
    const bobCase = await classifiedCase(store, 'bob');
    await responder({ posture: two }).caseChanged([bobCase]);
    assert.ok(quarantined('bob'));
    const aliceCase = await classifiedCase(store, 'alice');
    await responder({ posture: two }).caseChanged([aliceCase]);
    assert.equal((await store.listResponseActions({ caseId: aliceCase }))[0]?.hold, 'last-admin');
    assert.equal(quarantined('alice'), false);
  });

  it('with no posture stored, a known administrator waits for a person (and the case says why); others do not', async () => {
    const r = responder({ knownAdmins: new Set(['dave']) });
    const daveCase = await classifiedCase(store, 'dave');
    const carolCase = await classifiedCase(store, 'carol');
    await r.caseChanged([daveCase, carolCase]);
    const [dave] = await store.listResponseActions({ caseId: daveCase });
    assert.equal(dave?.hold, 'no-posture');
    assert.match(dave?.holdReason ?? '', /no posture snapshot is stored/);
    assert.equal(quarantined('dave'), false);
    assert.ok(quarantined('carol'));
  });

  it('a burst of 50 does not quarantine 50 users without a person: the rate limit holds the rest', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(await classifiedCase(store, `admin${i}`));
    await responder().caseChanged(ids);
    const actions = await store.listResponseActions({});
    assert.equal(actions.filter((a) => a.state === 'applied').length, 3);
    assert.equal(actions.filter((a) => a.hold === 'rate-limit').length, 47);
    assert.equal(iam.writes.length, 3);
    // The window passes: the next ones are due again, three more.
    now += 3_600_001;
    const held = actions.filter((a) => a.hold === 'rate-limit');
    for (const action of held.slice(0, 5))
      await store.updateResponseAction(
        action.id,
        ['planned'],
        { hold: null },
        { actor: 'test', nowMs: now, note: 'retry' },
      );
    await responder().tick();
    assert.equal(iam.writes.length, 6);
    // A person may approve beyond the limit; approved actions do not count against it.
    const approved = await responder().approve(held[10]?.id ?? '', 'api:lead', 'responder');
    assert.equal(approved.state, 'applied');
  });

  it('a rule that asks for approval waits; a delay waits until due', async () => {
    const config = enforcing({
      rules: [
        { classifications: ['unauthorized'], actions: ['quarantine'], delayMs: 0, approval: 'admin' },
        { classifications: ['suspicious'], actions: ['quarantine'], delayMs: 600_000, approval: 'none' },
      ],
    });
    const a = await classifiedCase(store, 'carol');
    const b = await classifiedCase(store, 'erin', 'suspicious');
    await responder({ config }).caseChanged([a, b]);
    assert.equal(iam.writes.length, 0);
    const [carol] = await store.listResponseActions({ caseId: a });
    await assert.rejects(responder({ config }).approve(carol?.id ?? '', 'api:r', 'responder'), /admin role/);
    now += 600_000;
    await responder({ config }).tick();
    assert.ok(quarantined('erin'));
    assert.equal(quarantined('carol'), false);
  });

  it('revoking a role the remover acted through needs a person', async () => {
    const config = enforcing({
      rules: [
        { classifications: ['unauthorized'], actions: ['revoke-sessions'], delayMs: 0, approval: 'none' },
      ],
    });
    const caseId = await classifiedCase(
      store,
      'carol',
      'unauthorized',
      `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/s`,
    );
    await responder({ config }).caseChanged([caseId]);
    const role = (await store.listResponseActions({ caseId })).find((a) => a.targetKind === 'role');
    assert.equal(role?.hold, 'approval');
    assert.equal(iam.state.rolePolicies.size, 0);
    await responder({ config }).approve(role?.id ?? '', 'api:lead', 'responder');
    assert.equal(iam.state.rolePolicies.size, 1);
  });

  it('undo detaches what was attached and records who; a deleted password cannot be undone', async () => {
    const config = enforcing({
      rules: [
        {
          classifications: ['unauthorized'],
          actions: ['quarantine', 'disable-console'],
          delayMs: 0,
          approval: 'none',
        },
      ],
    });
    iam.state.loginProfiles.add('carol');
    const caseId = await classifiedCase(store, 'carol');
    const r = responder({ config });
    await r.caseChanged([caseId]);
    assert.ok(quarantined('carol'));
    assert.equal(iam.state.loginProfiles.has('carol'), false);
    const result = await r.undoCase(caseId, 'cli:lead');
    assert.equal(quarantined('carol'), false);
    assert.deepEqual(
      result.undone.map((a) => [a.kind, a.state, a.undoneBy]),
      [['quarantine', 'undone', 'cli:lead']],
    );
    assert.match(
      result.refused[0] ?? '',
      /\(disable-console carol\): a deleted console password cannot be restored/,
    );
  });
});
