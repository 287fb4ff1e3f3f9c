// Tests for `mfaguard policy check`: table and JSON output, bad files reported while others are checked, exit codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../model/index.ts';
import { EXIT } from '../exit-codes.ts';
import { POLICY_COMMAND } from './policy.ts';
import { SELF_SERVICE_MFA_ACTIONS } from '../../posture/policy/index.ts';
import { captureContext } from '../test-support/context.ts';
import type { CapturedContext } from '../test-support/context.ts';

function context(cwd: string, stdinText?: string): CapturedContext {
  return captureContext({
    cwd,
    now: '2026-01-01T00:00:00Z',
    ...(stdinText === undefined ? {} : { stdin: stdinText }),
  });
}

const ENFORCING = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: '*', Resource: '*' },
    {
      Sid: 'DenyNoMfa',
      Effect: 'Deny',
      NotAction: [...SELF_SERVICE_MFA_ACTIONS],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
};
const BOOL_ONLY = {
  ...ENFORCING,
  Statement: [{ ...ENFORCING.Statement[1], Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }],
};

function fixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-policy-'));
  writeFileSync(join(dir, 'enforcing.json'), JSON.stringify(ENFORCING));
  writeFileSync(join(dir, 'bool.json'), JSON.stringify(BOOL_ONLY));
  writeFileSync(
    join(dir, 'version.json'),
    JSON.stringify({
      PolicyVersion: { Document: encodeURIComponent(JSON.stringify(ENFORCING)), VersionId: 'v1' },
    }),
  );
  writeFileSync(join(dir, 'broken.json'), '{"Version": "2012-10-17", "Statement": [');
  writeFileSync(join(dir, 'evil\u001b[31m.json'), JSON.stringify(BOOL_ONLY));
  return dir;
}

void test('JSON output: one entry per file with mfaEnforced per context, verdict and findings', async () => {
  const dir = fixtures();
  const { ctx, out } = context(dir);
  const code = await POLICY_COMMAND.run(
    ['check', 'enforcing.json', 'bool.json', 'version.json', '--format', 'json'],
    ctx,
  );
  assert.equal(code, EXIT.ok);
  const entries = JSON.parse(out()) as {
    file: string;
    mfaEnforced: { console: boolean; accessKeys: boolean };
    verdict: string;
    findings: { code: string }[];
  }[];
  assert.deepEqual(
    entries.map((e) => [e.file, e.mfaEnforced, e.verdict]),
    [
      ['enforcing.json', { console: true, accessKeys: true }, 'enforced'],
      ['bool.json', { console: true, accessKeys: false }, 'partial'],
      ['version.json', { console: true, accessKeys: true }, 'enforced'],
    ],
  );
  assert.deepEqual(
    entries[1]?.findings.map((f) => f.code),
    ['deny-bool-misses-access-keys'],
  );
});

void test('table output names the pitfalls; a broken file is reported, the others still checked, exit 3', async () => {
  const dir = fixtures();
  const { ctx, out, err } = context(dir);
  const code = await POLICY_COMMAND.run(
    ['check', 'enforcing.json', 'broken.json', 'missing.json', 'bool.json'],
    ctx,
  );
  assert.equal(code, EXIT.partial);
  const table = out();
  assert.match(table, /^FILE\s+CONSOLE\s+ACCESS KEYS\s+VERDICT\s+PITFALLS/);
  assert.match(table, /enforcing\.json\s+yes\s+yes\s+enforced\s+0/);
  assert.match(table, /bool\.json\s+yes\s+NO\s+partial\s+1/);
  assert.match(table, /broken\.json\s+-\s+-\s+unreadable/);
  assert.match(table, /deny-bool-misses-access-keys/);
  assert.match(err(), /broken\.json/);
  assert.match(err(), /cannot read missing\.json: ENOENT/);
});

void test('exit 2 when no file could be read at all', async () => {
  const dir = fixtures();
  const { ctx } = context(dir);
  assert.equal(await POLICY_COMMAND.run(['check', 'broken.json', 'nope.json'], ctx), EXIT.usage);
});

void test('--fail-on: exit 1 when a verdict is that bad or worse', async () => {
  const dir = fixtures();
  assert.equal(
    await POLICY_COMMAND.run(
      ['check', 'enforcing.json', 'bool.json', '--fail-on', 'partial'],
      context(dir).ctx,
    ),
    EXIT.failOn,
  );
  assert.equal(
    await POLICY_COMMAND.run(
      ['check', 'enforcing.json', 'bool.json', '--fail-on', 'not-enforced'],
      context(dir).ctx,
    ),
    EXIT.ok,
  );
  assert.equal(
    await POLICY_COMMAND.run(['check', 'enforcing.json', '--fail-on', 'partial'], context(dir).ctx),
    EXIT.ok,
  );
});

void test('standard input with -', async () => {
  const { ctx, out } = context(tmpdir(), JSON.stringify(BOOL_ONLY));
  assert.equal(await POLICY_COMMAND.run(['check', '-', '--format', 'json'], ctx), EXIT.ok);
  assert.equal((JSON.parse(out()) as { verdict: string }[])[0]?.verdict, 'partial');
});

void test('terminal control characters in file names are escaped in the table', async () => {
  const dir = fixtures();
  const { ctx, out } = context(dir);
  await POLICY_COMMAND.run(['check', 'evil\u001b[31m.json'], ctx);
  assert.ok(!out().includes('\u001b'));
  assert.match(out(), /evil\\x1b\[31m\.json/);
});

void test('bad arguments are usage errors', async () => {
  const { ctx } = context(tmpdir());
  const rejectsUsage = (args: string[], pattern: RegExp) =>
    assert.rejects(
      POLICY_COMMAND.run(args, ctx),
      (e: unknown) => e instanceof UsageError && pattern.test(e.message),
    );
  await rejectsUsage([], /missing sub-command/);
  await rejectsUsage(['lint', 'x.json'], /unknown sub-command 'lint'/);
  await rejectsUsage(['check'], /at least one policy file/);
  await rejectsUsage(['check', 'x.json', '--format', 'xml'], /--format must be one of table, json/);
  await rejectsUsage(
    ['check', 'x.json', '--fail-on', 'bad'],
    /--fail-on must be one of partial, not-enforced/,
  );
  await rejectsUsage(['check', 'x.json', '--bogus'], /bogus/);
  await rejectsUsage(['check', '-', '-'], /only once/);
});

void test('per no-MFA context, exactly the actions denied and not denied (JSON and table)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-policy-'));
  // Everything outside S3 denied without MFA (BoolIfExists): S3 is the gap, in both contexts.
  const s3Gap = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        NotAction: [...SELF_SERVICE_MFA_ACTIONS, 's3:*'],
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ],
  };
  writeFileSync(join(dir, 's3gap.json'), JSON.stringify(s3Gap));
  const json = context(dir);
  await POLICY_COMMAND.run(['check', 's3gap.json', '--format', 'json'], json.ctx);
  const [entry] = JSON.parse(json.out()) as {
    contexts: Record<'console' | 'accessKeys', { deniedActions: string[]; notDeniedActions: string[] }>;
  }[];
  for (const name of ['console', 'accessKeys'] as const) {
    assert.deepEqual(entry?.contexts[name].notDeniedActions, ['s3:GetObject', 's3:PutBucketPolicy']);
    assert.equal(entry?.contexts[name].deniedActions.length, 18);
  }
  const table = context(dir);
  await POLICY_COMMAND.run(['check', 's3gap.json'], table.ctx);
  assert.match(table.out(), /console session without MFA, not denied: s3:GetObject, s3:PutBucketPolicy\n/);
  assert.match(table.out(), /access key without MFA, not denied: s3:GetObject, s3:PutBucketPolicy\n/);
});

void test('date conditions are decided with the clock: a Deny that has expired no longer enforces', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-policy-'));
  const until2026 = {
    ...ENFORCING,
    Statement: [
      ENFORCING.Statement[0],
      {
        ...ENFORCING.Statement[1],
        Condition: {
          BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' },
          DateLessThan: { 'aws:CurrentTime': '2026-06-30T00:00:00Z' },
        },
      },
    ],
  };
  writeFileSync(join(dir, 'until.json'), JSON.stringify(until2026));
  const before = context(dir); // clock 2026-01-01
  await POLICY_COMMAND.run(['check', 'until.json', '--format', 'json'], before.ctx);
  assert.equal((JSON.parse(before.out()) as { verdict: string }[])[0]?.verdict, 'enforced');
  const after = captureContext({ cwd: dir, now: '2026-07-01T00:00:00Z' });
  await POLICY_COMMAND.run(['check', 'until.json', '--format', 'json'], after.ctx);
  const report = (JSON.parse(after.out()) as { verdict: string; findings: { code: string }[] }[])[0];
  assert.equal(report?.verdict, 'not-enforced');
  assert.ok(!report?.findings.some((f) => f.code === 'undecidable-condition'));
});
