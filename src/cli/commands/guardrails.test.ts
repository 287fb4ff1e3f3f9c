// Tests for `mfaguard guardrails`: each guardrail and format to stdout, all to a folder, bad arguments.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ExternalError, UsageError } from '../../model/index.ts';
import { EXIT } from '../exit-codes.ts';
import { GUARDRAILS_COMMAND } from './guardrails.ts';
import { captureContext } from '../test-support/context.ts';
import type { CapturedContext } from '../test-support/context.ts';

function context(cwd = tmpdir()): CapturedContext {
  return captureContext({ cwd, now: '2026-01-01T00:00:00Z' });
}

void test('policy as JSON (default format) is the policy document', async () => {
  const { ctx, out } = context();
  assert.equal(await GUARDRAILS_COMMAND.run(['policy'], ctx), EXIT.ok);
  const doc = JSON.parse(out()) as {
    Version: string;
    Statement: { Sid: string; Condition?: Record<string, unknown> }[];
  };
  assert.equal(doc.Version, '2012-10-17');
  const deny = doc.Statement.find((s) => s.Sid === 'DenyAllExceptSelfServiceIfNoMFA');
  assert.deepEqual(deny?.Condition, { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } });
});

void test('scp with --break-glass-role puts the role in the condition', async () => {
  const { ctx, out } = context();
  assert.equal(await GUARDRAILS_COMMAND.run(['scp', '--break-glass-role', 'Emergency'], ctx), EXIT.ok);
  assert.match(out(), /arn:aws:iam::\*:role\/Emergency/);
});

void test('all as CloudFormation: four YAML documents that parse', async () => {
  const { ctx, out } = context();
  assert.equal(
    await GUARDRAILS_COMMAND.run(
      ['all', '--format', 'cloudformation', '--endpoint', 'https://m.example.com'],
      ctx,
    ),
    EXIT.ok,
  );
  const docs = parseAllDocuments(out());
  assert.ok(Array.isArray(docs));
  assert.equal(docs.length, 4);
  for (const d of docs) assert.equal(d.errors.length, 0);
});

void test('all as JSON: one object keyed by guardrail; as Terraform: one file with every resource', async () => {
  const json = context();
  await GUARDRAILS_COMMAND.run(['all'], json.ctx);
  assert.deepEqual(Object.keys(JSON.parse(json.out()) as object), [
    'policy',
    'quarantine',
    'scp',
    'eventbridge',
  ]);
  const tf = context();
  await GUARDRAILS_COMMAND.run(['all', '--format', 'terraform', '--target', 'sqs'], tf.ctx);
  for (const r of [
    'aws_iam_policy',
    'aws_organizations_policy',
    'aws_cloudwatch_event_rule',
    'aws_cloudwatch_event_target',
    'aws_sqs_queue',
  ]) {
    assert.ok(tf.out().includes(`resource "${r}"`), r);
  }
});

void test('--out DIR writes one file per guardrail', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-guardrails-'));
  const { ctx, out } = context(dir);
  assert.equal(
    await GUARDRAILS_COMMAND.run(['all', '--format', 'cloudformation', '--out', 'out'], ctx),
    EXIT.ok,
  );
  assert.deepEqual(readdirSync(join(dir, 'out')).sort(), [
    'mfaguard-deny-mfa-removal-scp.cfn.yaml',
    'mfaguard-enforce-mfa.cfn.yaml',
    'mfaguard-eventbridge.cfn.yaml',
    'mfaguard-quarantine.cfn.yaml',
  ]);
  const template = parse(readFileSync(join(dir, 'out', 'mfaguard-quarantine.cfn.yaml'), 'utf8')) as {
    Resources: Record<string, { Type: string }>;
  };
  assert.equal(template.Resources['QuarantinePolicy']?.Type, 'AWS::IAM::ManagedPolicy');
  assert.equal(
    out()
      .split('\n')
      .filter((l) => l.startsWith('wrote ')).length,
    4,
  );
});

void test('an --out path that cannot be a folder is an outside-world error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-guardrails-'));
  writeFileSync(join(dir, 'file'), 'x');
  const { ctx } = context(dir);
  await assert.rejects(
    GUARDRAILS_COMMAND.run(['policy', '--out', 'file'], ctx),
    (e: unknown) => e instanceof ExternalError && /cannot write guardrails/.test(e.message),
  );
});

void test('bad arguments are usage errors that say what is allowed', async () => {
  const { ctx } = context();
  const rejectsUsage = (args: string[], pattern: RegExp) =>
    assert.rejects(
      GUARDRAILS_COMMAND.run(args, ctx),
      (e: unknown) => e instanceof UsageError && pattern.test(e.message),
    );
  await rejectsUsage([], /say which one: policy, quarantine, scp, eventbridge, all/);
  await rejectsUsage(['policies'], /unknown guardrail 'policies'/);
  await rejectsUsage(['policy', 'scp'], /one guardrail at a time/);
  await rejectsUsage(
    ['policy', '--format', 'yaml'],
    /--format must be one of json, cloudformation, terraform/,
  );
  await rejectsUsage(['eventbridge', '--endpoint', 'http://insecure.example.com'], /https/);
  await rejectsUsage(['eventbridge', '--target', 'lambda'], /--target must be one of api, sqs/);
  await rejectsUsage(['scp', '--break-glass-role', 'bad role!'], /not an IAM role name/);
  await rejectsUsage(
    ['quarantine', '--quarantine-mode', 'soft'],
    /--quarantine-mode must be one of re-enrol, deny-all/,
  );
  await rejectsUsage(['eventbridge', '--regions', 'eu-west-1,Europe'], /--regions: 'Europe' is not valid/);
  await rejectsUsage(['eventbridge', '--org-units', 'r-ab12'], /needs --organization-id/);
  await rejectsUsage(['policy', '--partition', 'aws-eu'], /aws-eu.*aws, aws-cn, aws-us-gov/);
  await rejectsUsage(
    ['scp', '--partition', 'aws-cn', '--break-glass-role', 'arn:aws-us-gov:iam::111122223333:role/BG'],
    /partition 'aws-us-gov'.*add --partition aws-us-gov/,
  );
});

for (const partition of ['aws-cn', 'aws-us-gov']) {
  void test(`all as JSON with --partition ${partition}: every ARN is of that partition`, async () => {
    const { ctx, out } = context();
    const args = ['all', '--partition', partition, '--organization-id', 'o-a1b2c3d4e5'];
    assert.equal(await GUARDRAILS_COMMAND.run([...args, '--regions', 'eu-west-1'], ctx), EXIT.ok);
    const arns = out().match(/arn:[^"]*/g) ?? [];
    // The policies' own user and devices, the SCP's role, the EventBridge bus.
    assert.ok(arns.length >= 6, `only ${arns.length} ARNs`);
    assert.deepEqual(
      arns.filter((arn) => !arn.startsWith(`arn:${partition}:`)),
      [],
    );
  });
}

void test('--partition leaves CloudFormation and Terraform on the deployed partition; the default is aws', async () => {
  for (const format of ['cloudformation', 'terraform']) {
    const plain = context();
    const cn = context();
    await GUARDRAILS_COMMAND.run(['all', '--format', format], plain.ctx);
    await GUARDRAILS_COMMAND.run(['all', '--format', format, '--partition', 'aws-cn'], cn.ctx);
    assert.equal(cn.out(), plain.out());
  }
  const json = context();
  await GUARDRAILS_COMMAND.run(['policy'], json.ctx);
  assert.match(json.out(), /"arn:aws:iam::\*:user\/\$\{aws:username\}"/);
});

void test('eventbridge takes regions, an organisation and its units, and can leave read-only events out', async () => {
  const { ctx, out } = context();
  const args = ['eventbridge', '--regions', 'eu-west-1, ap-southeast-2', '--home-region', 'eu-west-1'];
  const orgArgs = ['--organization-id', 'o-a1b2c3d4e5', '--org-units', 'r-ab12,ou-ab12-cdef3456'];
  assert.equal(
    await GUARDRAILS_COMMAND.run([...args, ...orgArgs, '--without-read-only-events', '--with-denials'], ctx),
    EXIT.ok,
  );
  const json = JSON.parse(out()) as {
    homeRegion: string;
    regions: string[];
    rule: { State: string; EventBusName: string };
    denialsRule: { Name: string; State: string };
    forwarders: { regions: string[]; accounts: { organizationalUnitIds: string[] } };
  };
  assert.equal(json.homeRegion, 'eu-west-1');
  assert.deepEqual(json.regions, ['ap-southeast-2', 'eu-west-1', 'us-east-1']);
  assert.deepEqual(json.rule, { ...json.rule, State: 'ENABLED', EventBusName: 'mfaguard' });
  assert.deepEqual(json.forwarders.regions, json.regions);
  assert.deepEqual([json.denialsRule.Name, json.denialsRule.State], ['mfaguard-access-denials', 'ENABLED']);
  assert.deepEqual(json.forwarders.accounts.organizationalUnitIds, ['r-ab12', 'ou-ab12-cdef3456']);
});

void test('athena-table writes the Glue table for hunts, and only on request', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-athena-table-'));
  const { ctx } = context(dir);
  const args = [
    '--bucket',
    'trail-logs',
    '--accounts',
    '111122223333',
    '--regions',
    'us-east-1',
    '--start-date',
    '2024/01/01',
  ];
  assert.equal(
    await GUARDRAILS_COMMAND.run(['athena-table', '--format', 'terraform', '--out', 'tf', ...args], ctx),
    EXIT.ok,
  );
  assert.deepEqual(readdirSync(join(dir, 'tf')), ['mfaguard-athena-table.tf']);
  assert.match(
    readFileSync(join(dir, 'tf', 'mfaguard-athena-table.tf'), 'utf8'),
    /resource "aws_glue_catalog_table"/,
  );
  assert.equal(await GUARDRAILS_COMMAND.run(['all', '--out', 'all'], ctx), EXIT.ok);
  assert.ok(!readdirSync(join(dir, 'all')).some((name) => name.includes('athena')), '`all` needs no bucket');
  await assert.rejects(
    GUARDRAILS_COMMAND.run(['athena-table', '--accounts', '111122223333'], ctx),
    (e: unknown) => e instanceof UsageError && /--bucket/.test(e.message) && /--regions/.test(e.message),
  );
});
