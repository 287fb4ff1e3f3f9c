// `mfaguard respond`: the plan of a case shown and recorded, an approval applied, applied actions undone; bad ids named.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fakeIam } from '../../respond/test-support/fake-iam.ts';
import type { FakeIam } from '../../respond/test-support/fake-iam.ts';
import { classifiedCase } from '../../respond/test-support/cases.ts';
import { openStore } from '../../store/index.ts';
import { runCli } from '../main.ts';
import { captureContext } from '../test-support/context.ts';

const dir = mkdtempSync(join(tmpdir(), 'mfaguard-respond-'));
const store = `sqlite:${join(dir, 'store.db')}`;
const enforce = join(dir, 'enforce.yml');
const POLICY = 'arn:aws:iam::111122223333:policy/mfaguard-quarantine';

async function cli(...args: string[]) {
  const captured = captureContext({ env: { USER: 'erin' } });
  const code = await runCli(['respond', ...args, '--store', store], captured.ctx);
  return { code, out: captured.out(), err: captured.err() };
}

describe('mfaguard respond', () => {
  let iam: FakeIam;
  let carol: string;
  let dave: string;
  before(async () => {
    writeFileSync(
      enforce,
      'identities:\n  administrators: [dave]\nrespond:\n  mode: enforce\n  rules:\n    - when: [unauthorized]\n      actions: [quarantine, disable-console]\n',
    );
    const s = await openStore(store);
    carol = await classifiedCase(s, 'carol');
    dave = await classifiedCase(s, 'dave');
    await s.close();
  });
  afterEach(() => iam.mock.restore());
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('plan shows and records the dry-run plan without touching IAM', async () => {
    iam = fakeIam();
    const result = await cli('plan', carol);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /#1 quarantine user carol: planned \(dry-run\) — respond.mode is dry-run/);
    assert.match(result.out, /attach the quarantine policy to carol/);
    assert.deepEqual(iam.writes, []);
  });

  it('approve applies a held action; undo reverses it and names what cannot be undone', async () => {
    iam = fakeIam({ loginProfiles: new Set(['dave']) });
    const planned = await cli('plan', dave, '--config', enforce);
    assert.match(
      planned.out,
      /quarantine user dave: planned \(no-posture\) — dave is an administrator and no posture snapshot is stored/,
    );
    const ids = [...planned.out.matchAll(/#(\d+) /g)].map((m) => m[1]!);
    for (const id of ids) {
      const approved = await cli('approve', id, '--config', enforce);
      assert.equal(approved.code, 0, approved.err);
      assert.match(approved.out, /: applied; approved by cli:erin/);
    }
    assert.ok(iam.state.attached.get('dave')?.has(POLICY));
    const undone = await cli('undo', dave, '--config', enforce);
    assert.equal(undone.code, 3, undone.err);
    assert.match(undone.out, /quarantine user dave: undone; approved by cli:erin; undone by cli:erin/);
    assert.match(undone.out, /not undone: .*disable-console dave.*cannot be restored/);
    assert.equal(iam.state.attached.get('dave')?.has(POLICY), false);
  });

  it("retry CASE [ACTION] applies a failed action once; another case's action or none failed is said", async () => {
    iam = fakeIam();
    const s = await openStore(store);
    const frank = await classifiedCase(s, 'frank');
    const { action } = await s.planResponseAction({
      caseId: frank,
      kind: 'quarantine',
      targetKind: 'user',
      account: '111122223333',
      targetName: 'frank',
      state: 'planned',
      hold: null,
      holdReason: null,
      plan: { steps: [], removalAtMs: 0, approval: 'none' },
      reason: 'test',
      notBeforeMs: 0,
      actor: 'system',
      nowMs: Date.now(),
    });
    const change = { actor: 'system', nowMs: Date.now(), note: 'failed: AccessDenied' };
    await s.updateResponseAction(action.id, ['planned'], { state: 'failed', error: 'AccessDenied' }, change);
    await s.close();
    assert.equal((await cli('retry', carol, action.id, '--config', enforce)).code, 2, "not carol's action");
    const retried = await cli('retry', frank, action.id, '--config', enforce);
    assert.equal(retried.code, 0, retried.err);
    assert.match(retried.out, /quarantine user frank: applied; approved by cli:erin/);
    assert.deepEqual(iam.writes, ['AttachUserPolicy']);
    const again = await cli('retry', frank, '--config', enforce);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /no failed action to retry/);
    assert.deepEqual(iam.writes, ['AttachUserPolicy']);
  });

  it('an unknown case or verb is a usage error', async () => {
    iam = fakeIam();
    assert.equal((await cli('plan', '999')).code, 2);
    assert.equal((await cli('explode', carol)).code, 2);
  });
});
