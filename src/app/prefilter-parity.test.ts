// The byte prefilter must change nothing but the speed: the prefiltered and the full-parse (--strict) scans give the same alerts.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateArchive } from '../generate/index.ts';
import { CORPUS as SHARED_CORPUS, corpusMissing } from '../test-support/requirements.ts';
import { loadRuleSet } from './rule-set.ts';
import { runScan } from './scan.ts';
import type { ScanOptions, ScanResult } from './scan.ts';

const DEMO = fileURLToPath(new URL('../../samples/demo/AWSLogs', import.meta.url));
const CORPUS = `${SHARED_CORPUS}/`;
const TRAILS = [
  `${CORPUS}stratus-red-team/docs/detonation-logs`,
  `${CORPUS}otrf-security-datasets`,
  `${CORPUS}elastic-beats`,
  `${CORPUS}awsdocs`,
];

async function bothWays(options: ScanOptions): Promise<{ fast: ScanResult; full: ScanResult }> {
  const fast = await runScan({ ...options, workers: 0 });
  const full = await runScan({ ...options, workers: 0, strict: true });
  return { fast, full };
}

/** Same alerts to the byte: ids, classification, reasons, the event and where it came from. */
function assertSameAlerts(fast: ScanResult, full: ScanResult): void {
  assert.ok(full.alerts.length > 0, 'the comparison needs alerts');
  assert.deepEqual(
    fast.alerts.map((alert) => alert.id),
    full.alerts.map((alert) => alert.id),
  );
  assert.deepEqual(fast.alerts, full.alerts);
  assert.equal(fast.stats.events, full.stats.events);
  assert.equal(fast.stats.lastEventTime, full.stats.lastEventTime);
  assert.equal(fast.stats.firstEventTime, full.stats.firstEventTime);
}

describe('prefiltered scan = full-parse scan', () => {
  it('on the demo sample', async () => {
    const { fast, full } = await bothWays({ inputs: [DEMO] });
    assertSameAlerts(fast, full);
    // The prefilter did its job: far fewer records were parsed into the kept slice than exist.
    assert.ok(fast.stats.events > 10 * fast.events.length);
  });

  it('on the public corpus trails (arrays, JSON Lines, single records: whole-file fallback where needed)', async (t) => {
    if (corpusMissing(t, ...TRAILS)) return;
    const { fast, full } = await bothWays({ inputs: TRAILS });
    assertSameAlerts(fast, full);
    assert.deepEqual(fast.issues, full.issues);
  });

  it('on a generated archive, with the corpus rules loaded too', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-parity-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const truth = await generateArchive({
      outDir: dir,
      seed: 11,
      events: 6000,
      start: '2024-05-01',
      days: 3,
      deliveryMinutes: 60,
      mfaShare: 0.02,
    });
    const sigma = `${CORPUS}sigma/rules/cloud/aws/cloudtrail`;
    const elastic = `${CORPUS}elastic/rules/integrations/aws`;
    const rulePaths = [sigma, elastic].filter((path) => existsSync(path));
    // Every corpus rule pins something (a name, a source or a field value): the prefilter stays on.
    assert.deepEqual(loadRuleSet({ builtin: true, paths: rulePaths }).needles.unpinned, []);
    const { fast, full } = await bothWays({ inputs: [join(dir, 'AWSLogs')], rulePaths });
    assertSameAlerts(fast, full);
    const removals = new Set(
      fast.alerts.filter((alert) => alert.event.name === 'DeactivateMFADevice').map((a) => a.event.id),
    );
    assert.ok(truth.records.unique > 5000);
    assert.ok(removals.size > 0);
  });

  it('a Sigma rule written in lower case (eventName: deactivatemfadevice) fires on both paths', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-sigma-case-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const rule = (name: string, id: string, value: string): void =>
      writeFileSync(
        join(dir, `${name}.yml`),
        [
          `title: ${name}`,
          `id: ${id}`,
          'logsource: { product: aws, service: cloudtrail }',
          'detection:',
          '  selection:',
          `    ${value}`,
          '  condition: selection',
          'level: high',
          '',
        ].join('\n'),
      );
    rule('lower-case', '0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0a01', 'eventName: deactivatemfadevice');
    rule('cased', '0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0a02', "eventName|cased: 'deactivatemfadevice'");
    const { fast, full } = await bothWays({ inputs: [DEMO], rulePaths: [dir], builtinRules: false });
    for (const result of [fast, full]) {
      const fired = (id: string): number => result.alerts.filter((alert) => alert.rule.id === id).length;
      assert.ok(fired('0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0a01') > 0, 'the case-insensitive rule fired');
      assert.equal(fired('0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0a02'), 0, 'the |cased rule did not');
    }
    assertSameAlerts(fast, full);
  });

  it('rules pinned on field values (userIdentity.type, userAgent, an ARN regex, KQL user.name) fire alike', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-value-pins-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const sigma = (name: string, id: string, detection: string): void =>
      writeFileSync(
        join(dir, `${name}.yml`),
        `title: ${name}\nid: ${id}\nlogsource: { product: aws, service: cloudtrail }\ndetection:\n${detection}\nlevel: high\n`,
      );
    sigma(
      'root',
      '0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0b01',
      '  s:\n    userIdentity.type: Root\n  condition: s',
    );
    sigma(
      'agent',
      '0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0b02',
      "  s:\n    userAgent: 'TruffleHog'\n  condition: s",
    );
    sigma(
      'imds',
      '0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0b03',
      "  s:\n    userIdentity.arn|re: '.+:assumed-role/aws:.+'\n  condition: s",
    );
    writeFileSync(
      join(dir, 'bedrock.toml'),
      [
        '[metadata]',
        'creation_date = "2024/01/01"',
        '[rule]',
        'author = ["t"]',
        'description = "d"',
        'language = "kuery"',
        'license = "Elastic License v2"',
        'name = "bedrock key user"',
        'risk_score = 47',
        'rule_id = "0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0b04"',
        'severity = "medium"',
        'type = "query"',
        'query = \'aws.cloudtrail.user_identity.type: "IAMUser" and user.name: BedrockAPIKey-*\'',
      ].join('\n'),
    );
    const record = (i: number, identity: object, extra: string): string =>
      `{"eventVersion":"1.08","userIdentity":${JSON.stringify(identity)},"eventTime":"2024-05-01T00:00:${String(i).padStart(2, '0')}Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7"${extra},"eventID":"e-${i}","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`;
    const user = (name: string): object => ({
      type: 'IAMUser',
      principalId: `AIDA${name}`,
      arn: `arn:aws:iam::111122223333:user/${name}`,
      accountId: '111122223333',
      userName: name,
    });
    const records = [
      record(0, { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root' }, ''),
      record(1, { type: 'ROOT', principalId: '111122223333' }, ',"userAgent":"console"'),
      record(2, user('alice'), ',"userAgent":"TRUFFLEHOG"'),
      record(3, user('bob'), ',"userAgent":"Truffle\\u0048og"'),
      record(4, user('carol'), ',"userAgent":null'),
      record(
        5,
        { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/aws:ec2-instance/i-1' },
        '',
      ),
      record(6, user('BedrockAPIKey-x1'), ',"userAgent":"boto3"'),
      record(7, user('bedrockapikey-x2'), ',"userAgent":"boto3"'),
      record(8, user('dave'), ',"userAgent":"aws-cli/2"'),
    ];
    const trail = join(dir, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2024', '05', '01');
    mkdirSync(trail, { recursive: true });
    writeFileSync(
      join(trail, '111122223333_CloudTrail_us-east-1_20240501T0000Z_a.json'),
      `{"Records":[${records.join(',')}]}`,
    );
    const rules = loadRuleSet({ builtin: false, paths: [dir] });
    assert.deepEqual(rules.needles.unpinned, [], 'every rule pins a value: the prefilter is on');
    assert.ok(rules.reading.prefilter !== undefined);
    const { fast, full } = await bothWays({
      inputs: [join(dir, 'AWSLogs')],
      rulePaths: [dir],
      builtinRules: false,
    });
    const fired = (result: ScanResult, id: string): string[] =>
      result.alerts
        .filter((alert) => alert.rule.id.endsWith(id))
        .map((alert) => alert.event.id)
        .sort();
    for (const result of [fast, full]) {
      assert.deepEqual(fired(result, '0b01'), ['e-0', 'e-1'], 'Root in any case');
      assert.deepEqual(fired(result, '0b02'), ['e-2', 'e-3'], 'TruffleHog in any case, escaped too');
      assert.deepEqual(fired(result, '0b03'), ['e-5']);
      assert.deepEqual(fired(result, '0b04'), ['e-6'], 'KQL keyword fields stay case-sensitive');
    }
    assertSameAlerts(fast, full);
  });
});
