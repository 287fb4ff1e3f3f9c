// `mfaguard rules`: list, validate (every file accounted for, broken ones named with a position) and test.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../main.ts';
import { captureContext } from '../test-support/context.ts';

const BUILTIN = fileURLToPath(new URL('../../../rules/', import.meta.url));
let dir: string;

const GOOD_SIGMA = `title: Console login without MFA
id: 11111111-2222-3333-4444-555555555555
status: test
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventName: ConsoleLogin
    additionalEventData.MFAUsed: 'No'
  condition: selection
level: medium
`;

async function rules(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const { ctx, out, err } = captureContext();
  const code = await runCli(['rules', ...args], ctx);
  return { code, out: out(), err: err() };
}

describe('mfaguard rules', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mfaguard-rules-'));
    writeFileSync(join(dir, 'good.yml'), GOOD_SIGMA);
    writeFileSync(
      join(dir, 'bad-condition.yml'),
      GOOD_SIGMA.replace('condition: selection', 'condition: selection and (nothing'),
    );
    writeFileSync(
      join(dir, 'bad-modifier.yml'),
      GOOD_SIGMA.replace('eventName: ConsoleLogin', 'eventName|sometimes: ConsoleLogin'),
    );
    writeFileSync(join(dir, 'bad.toml'), '[rule\nname = "broken"');
    writeFileSync(
      join(dir, 'builtin-copy.yml'),
      readFileSync(join(BUILTIN, 'iam-mfa-device-deactivated.yml'), 'utf8').replace(
        /^id: .*$/m,
        'id: my-copy',
      ),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('validates a whole folder, reporting every broken file and still the good ones', async () => {
    const { code, out } = await rules(['validate', dir, '--format', 'json']);
    assert.equal(code, 3);
    const entries = JSON.parse(out) as {
      path: string;
      status: string;
      reason: string | null;
      format: string | null;
    }[];
    const byName = new Map(entries.map((entry) => [entry.path.split('/').pop(), entry]));
    assert.equal(entries.length, 5);
    assert.equal(byName.get('good.yml')?.status, 'ok');
    assert.equal(byName.get('good.yml')?.format, 'sigma');
    assert.equal(byName.get('builtin-copy.yml')?.status, 'ok');
    for (const name of ['bad-condition.yml', 'bad-modifier.yml', 'bad.toml']) {
      assert.equal(byName.get(name)?.status, 'error', name);
      assert.match(byName.get(name)?.reason ?? '', /line \d+/, `${name} has no position`);
    }
  });

  it('lists built-in rules with their format and severity', async () => {
    const { code, out } = await rules(['list', '--format', 'json']);
    assert.equal(code, 0);
    const entries = JSON.parse(out) as { id: string; format: string; severity: string }[];
    assert.ok(entries.length >= 7);
    assert.ok(entries.every((entry) => entry.format === 'builtin'));
    assert.ok(
      entries.some((entry) => entry.id === 'mfaguard-root-mfa-removed' && entry.severity === 'critical'),
    );
  });

  it('runs the built-in fixtures and passes', async () => {
    const { code, out } = await rules(['test', '--format', 'json']);
    assert.equal(code, 0);
    const reports = JSON.parse(out) as { outcome: string; fixtures: unknown[] }[];
    assert.ok(reports.every((report) => report.outcome === 'pass'));
    assert.ok(reports.reduce((sum, report) => sum + report.fixtures.length, 0) >= 14);
  });

  it('says what scan searches the bytes for, per rule, and the cost of a rule that pins nothing', async () => {
    const loose = join(dir, 'loose', 'root-usage.yml');
    mkdirSync(join(dir, 'loose'));
    const variant = (id: string, condition: string): string =>
      GOOD_SIGMA.replace('11111111-2222-3333-4444-555555555555', id)
        .replace('    eventName: ConsoleLogin\n', '')
        .replace("additionalEventData.MFAUsed: 'No'", condition);
    writeFileSync(loose, variant('11111111-2222-3333-4444-666666666666', 'userIdentity.type: Root'));
    writeFileSync(
      join(dir, 'loose', 'private-network.yml'),
      variant('11111111-2222-3333-4444-777777777777', "sourceIPAddress|cidr: '10.0.0.0/8'"),
    );
    const listed = await rules(['list', '--format', 'json', join(dir, 'loose')]);
    const entries = JSON.parse(listed.out) as { id: string; prefilter: string; warnings: string[] }[];
    const builtin = entries.find((entry) => entry.id === 'mfaguard-iam-mfa-device-deactivated');
    assert.equal(builtin?.prefilter, 'eventName: DeactivateMFADevice');
    // A rule on userIdentity.type pins the value (folded: Sigma compares without case).
    const root = entries.find((entry) => entry.id === '11111111-2222-3333-4444-666666666666');
    assert.equal(root?.prefilter, 'type contains "root"');
    assert.doesNotMatch(root?.warnings.join(' ') ?? '', /scan parses every record/);
    const cidr = entries.find((entry) => entry.id === '11111111-2222-3333-4444-777777777777');
    assert.equal(cidr?.prefilter, 'no needle: every record parsed');
    assert.match(cidr?.warnings.join(' ') ?? '', /scan parses every record/);
    const table = await rules(['list', join(dir, 'loose')]);
    assert.match(table.out, /PREFILTER/);
    assert.match(table.err, /1 rule\(s\) pin no event name or source/);
    const validated = await rules(['validate', join(dir, 'loose')]);
    assert.match(validated.out, /prefilter: type contains "root"/);
    assert.match(validated.out, /prefilter: no needle: every record parsed/);
    rmSync(join(dir, 'loose'), { recursive: true, force: true });
  });

  it("says each rule's cost to a scan: low, medium, high (a value most records hold) or full", async () => {
    const costs = join(dir, 'costs');
    mkdirSync(costs);
    const variant = (id: string, title: string, condition: string): string =>
      GOOD_SIGMA.replace('11111111-2222-3333-4444-555555555555', id)
        .replace('Console login without MFA', title)
        .replace('    eventName: ConsoleLogin\n', '')
        .replace("additionalEventData.MFAUsed: 'No'", condition);
    // Sigma compares without case: `assumedrole` is every role session's identity type all the same.
    writeFileSync(
      join(costs, 'role-sessions.yml'),
      variant(
        '11111111-2222-3333-4444-888888888888',
        'Role \u001b[31msessions',
        'userIdentity.type: assumedrole',
      ),
    );
    writeFileSync(
      join(costs, 'sts.yml'),
      variant('11111111-2222-3333-4444-999999999999', 'STS', 'eventSource: sts.amazonaws.com'),
    );
    writeFileSync(
      join(costs, 'private-network.yml'),
      variant('11111111-2222-3333-4444-777777777777', 'Private', "sourceIPAddress|cidr: '10.0.0.0/8'"),
    );
    writeFileSync(join(costs, 'console.yml'), GOOD_SIGMA);
    const listed = await rules(['list', '--format', 'json', '--no-builtin', costs]);
    const entries = JSON.parse(listed.out) as {
      id: string;
      cost: string;
      costWhy: string;
      warnings: string[];
    }[];
    const byId = (id: string) => entries.find((entry) => entry.id.endsWith(id))!;
    assert.equal(byId('555555555555').cost, 'low');
    assert.equal(byId('777777777777').cost, 'full');
    assert.equal(byId('999999999999').cost, 'high');
    const sessions = byId('888888888888');
    assert.equal(sessions.cost, 'high');
    assert.match(sessions.costWhy, /type contains "assumedrole": most records hold it/);
    assert.match(sessions.warnings.join(' '), /scan cost high/);
    assert.deepEqual(byId('555555555555').warnings, []);
    const table = await rules(['list', '--no-builtin', costs]);
    assert.match(table.out, /COST\s+PREFILTER/);
    assert.match(table.out, /high\s+type contains "assumedrole"/);
    // The rule's title reaches the terminal escaped.
    assert.doesNotMatch(table.out, /\u001b/);
    assert.match(table.out, /Role \\x1b\[31msessions/);
    assert.match(table.err, /2 rule\(s\) pin what most records hold/);
    assert.match(table.err, /888888888888: type contains "assumedrole"/);
    const validated = await rules(['validate', costs]);
    assert.match(validated.out, /prefilter: type contains "assumedrole" \(scan cost high: /);
    assert.match(validated.out, /prefilter: eventName: ConsoleLogin \(scan cost low: /);
    rmSync(costs, { recursive: true, force: true });
  });

  it('shows one rule in full, the correlation rule included, and lists that rule with the others', async () => {
    const burst = await rules(['show', 'mfaguard-mfa-removal-burst']);
    assert.equal(burst.code, 0);
    // What a user reads of the burst rule: its description, ATT&CK, false positives, guide and references.
    assert.match(burst.out, /^ID: +mfaguard-mfa-removal-burst$/m);
    assert.match(burst.out, /^Severity: +high \(risk score 73\)$/m);
    assert.match(burst.out, /^File: +\(correlation\)$/m);
    assert.match(burst.out, /^Prefilter: +correlation: raised from the stored removals/m);
    assert.match(
      burst.out,
      /Description\n {2}One caller deactivated the MFA devices of several IAM users within a few minutes\. Device replacement is done one user at a time; a sweep across many users is how an intruder with administrative access weakens an account before taking it over, or how a script gone wrong looks\.\n/,
    );
    assert.match(burst.out, /TA0005 Defense Evasion \/ T1556 Modify Authentication Process \/ T1556\.006 /);
    assert.match(burst.out, /False positives\n {2}- An administrator offboarding a team/);
    assert.match(
      burst.out,
      /References\n {2}https:\/\/docs\.aws\.amazon\.com\/IAM\/latest\/APIReference\/API_DeactivateMFADevice\.html\n/,
    );
    const listed = JSON.parse((await rules(['list', '--format', 'json'])).out) as {
      id: string;
      path: string;
    }[];
    assert.equal(listed.filter((entry) => entry.id === 'mfaguard-mfa-removal-burst').length, 1);
    assert.equal(listed.find((entry) => entry.id === 'mfaguard-mfa-removal-burst')?.path, '(correlation)');
    const without = JSON.parse((await rules(['list', '--format', 'json', '--no-builtin', dir])).out) as {
      id: string;
    }[];
    assert.ok(without.every((entry) => entry.id !== 'mfaguard-mfa-removal-burst'));
  });

  it('shows a rule of a PATH as JSON and as escaped text, and names an unknown or broken id', async () => {
    const hostile = join(dir, 'show', 'hostile.yml');
    mkdirSync(join(dir, 'show'));
    writeFileSync(
      hostile,
      GOOD_SIGMA.replace('title: Console login without MFA', 'title: "Login \\u001b[31mred"').replace(
        'status: test',
        'status: test\ndescription: "line one\\u0007\\nline two"\nreferences:\n  - https://example.test/a',
      ),
    );
    const json = await rules(['show', '11111111-2222-3333-4444-555555555555', '--format', 'json', hostile]);
    assert.equal(json.code, 0);
    const details = JSON.parse(json.out) as { id: string; format: string; prefilter: string; cost: string };
    assert.equal(details.format, 'sigma');
    assert.equal(details.cost, 'low');
    assert.match(details.prefilter, /eventName: ConsoleLogin/);
    const text = await rules(['show', '11111111-2222-3333-4444-555555555555', hostile]);
    assert.doesNotMatch(text.out, /[\u0007\u001b]/);
    assert.match(text.out, /^Name: +Login \\x1b\[31mred$/m);
    assert.match(text.out, /Description\n {2}line one\\x07\n {2}line two\n/);
    assert.match(text.out, /References\n {2}https:\/\/example\.test\/a\n/);
    const unknown = await rules(['show', 'no-such-rule']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no rule with id 'no-such-rule'/);
    assert.equal((await rules(['show'])).code, 2);
    // A rule whose file does not load is named with its file, not reported as unknown.
    const broken = await rules([
      'show',
      '11111111-2222-3333-4444-555555555555',
      join(dir, 'bad-modifier.yml'),
    ]);
    assert.equal(broken.code, 2);
    assert.match(broken.err, /did not load/);
    rmSync(join(dir, 'show'), { recursive: true, force: true });
  });

  it('needs an action', async () => {
    assert.equal((await rules([])).code, 2);
    assert.equal((await rules(['frobnicate'])).code, 2);
    assert.equal((await rules(['validate'])).code, 2);
  });
});
