import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { tempSqlite } from '../app/live/test-support/live.ts';
import type { TempStore } from '../app/live/test-support/live.ts';
import { retryDelayMs } from './responder.ts';
import { ACCOUNT, T0, classifiedCase } from './test-support/cases.ts';

const CHILD = fileURLToPath(new URL('./test-support/apply-child.ts', import.meta.url));
const ARN = `arn:aws:iam::${ACCOUNT}:policy/mfaguard-quarantine`;

let temp: TempStore;
let stateFile: string;
let caseId: string;

function run(killAt: 'after-send' | 'before-send' | 'resume' | 'resume-throttled' | 'none', nowMs: number) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', CHILD, temp.url, stateFile, caseId, killAt, String(nowMs)],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
}

const iamState = () =>
  JSON.parse(readFileSync(stateFile, 'utf8')) as { attached: Record<string, string[]>; writes: string[] };

async function action() {
  const store = await temp.open();
  try {
    const [found] = await store.listResponseActions({ caseId });
    const audit = (await store.getCase(caseId))?.audit.filter((e) => e.action === 'response') ?? [];
    return { found, audit };
  } finally {
    await store.close();
  }
}

describe('kill -9 during an action', () => {
  beforeEach(async () => {
    temp = tempSqlite();
    stateFile = `${temp.url.slice('sqlite:'.length)}.iam.json`;
    writeFileSync(stateFile, JSON.stringify({ attached: {}, writes: [] }));
    const store = await temp.open();
    caseId = await classifiedCase(store, 'carol');
    await store.close();
  });
  afterEach(() => temp.cleanup());

  it('killed after IAM made the change but before it was recorded: resumed, recorded as applied, never attached twice', async () => {
    const first = run('after-send', T0 + 120_000);
    assert.equal(first.signal, 'SIGKILL', first.stderr);
    assert.deepEqual(iamState().writes, ['AttachUserPolicy']);
    const midway = await action();
    assert.equal(midway.found?.state, 'applying');
    assert.deepEqual(midway.found?.calls, [
      { api: 'AttachUserPolicy', input: { UserName: 'carol', PolicyArn: ARN } },
    ]);

    // Within the lease nobody takes it over (the worker might still be alive).
    assert.equal(run('resume', T0 + 130_000).status, 0);
    assert.equal((await action()).found?.state, 'applying');
    // After the lease, another worker resumes it: the attachment is found in place and not made again.
    const second = run('resume', T0 + 120_000 + 61_000);
    assert.equal(second.status, 0, second.stderr);
    const done = await action();
    assert.equal(done.found?.state, 'applied');
    assert.deepEqual(iamState().writes, ['AttachUserPolicy']);
    assert.deepEqual(iamState().attached, { carol: [ARN] });
    assert.match(
      done.audit.map((e) => String(e.after?.['note'])).join('\n'),
      /resumed after worker child-\d+ stopped mid-apply/,
    );
  });

  it('killed after the calls were recorded but before any was sent: resumed and applied once', async () => {
    const first = run('before-send', T0 + 120_000);
    assert.equal(first.signal, 'SIGKILL', first.stderr);
    assert.deepEqual(iamState().writes, []);
    assert.equal((await action()).found?.state, 'applying');
    const second = run('resume', T0 + 200_000);
    assert.equal(second.status, 0, second.stderr);
    assert.equal((await action()).found?.state, 'applied');
    assert.deepEqual(iamState().writes, ['AttachUserPolicy']);
  });

  it('killed after IAM made the change, then the resume is throttled: retried after the backoff, attached once', async () => {
    const first = run('after-send', T0 + 120_000);
    assert.equal(first.signal, 'SIGKILL', first.stderr);
    const resumeAt = T0 + 120_000 + 61_000;
    const throttled = run('resume-throttled', resumeAt);
    assert.equal(throttled.status, 0, throttled.stderr);
    const waiting = (await action()).found;
    assert.equal(waiting?.state, 'planned', 'not failed: a throttle is transient');
    assert.match(waiting?.error ?? '', /Throttling: Rate exceeded/);
    assert.equal(waiting?.notBefore, resumeAt + retryDelayMs(waiting?.attempts ?? 0));
    // Before the backoff nothing happens; after it the attachment is found in place: recorded, not made again.
    assert.equal(run('resume', (waiting?.notBefore ?? 0) - 1).status, 0);
    assert.equal((await action()).found?.state, 'planned');
    const last = run('resume', waiting?.notBefore ?? 0);
    assert.equal(last.status, 0, last.stderr);
    assert.equal((await action()).found?.state, 'applied');
    assert.deepEqual(iamState().writes, ['AttachUserPolicy']);
    assert.deepEqual(iamState().attached, { carol: [ARN] });
  });

  it('a second process planning the same case while it is applied changes nothing', async () => {
    assert.equal(run('none', T0 + 120_000).status, 0);
    assert.equal(run('none', T0 + 500_000).status, 0);
    assert.equal((await action()).found?.state, 'applied');
    assert.deepEqual(iamState().writes, ['AttachUserPolicy']);
  });
});
