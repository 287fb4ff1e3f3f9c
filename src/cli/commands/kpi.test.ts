// `mfaguard kpi` without PATH: the service's trends from a real store as text, JSON (the published schema) and CSV.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sampleAlert } from '../../api/test-support/harness.ts';
import { normalizeRecord } from '../../ingest/index.ts';
import { KPI_TRENDS_OUTPUT_SCHEMA } from '../../report/index.ts';
import { openStore, targetKeyOf } from '../../store/index.ts';
import { runCli } from '../main.ts';
import { captureContext } from '../test-support/context.ts';

const dir = mkdtempSync(join(tmpdir(), 'mfaguard-kpi-'));
const store = `sqlite:${join(dir, 'store.db')}`;
const EVENT = Date.parse('2026-03-10T10:00:00Z');
const NOW = '2026-04-01T00:00:00Z';
const HOUR = 3_600_000;
const PROVISIONED = Date.parse('2026-03-02T08:00:00Z');

describe('mfaguard kpi (the service trends)', () => {
  before(async () => {
    const db = await openStore(store);
    for (const [user, classification, delay] of [
      ['ann', 'unauthorized', 30_000],
      ['ben', 'rotation', 90_000],
    ] as const) {
      const alert = {
        ...sampleAlert({ user, time: new Date(EVENT).toISOString() }),
        classification,
      };
      await db.insertAlerts([alert], EVENT + delay);
      await db.openOrAttachCase({
        alert,
        targetKey: targetKeyOf(alert.event.account, user),
        nowMs: EVENT + delay,
        actor: 'system',
      });
    }
    // cy: a console password without MFA on 2 March, its case closed when MFA was enabled 50 h later.
    const provisioned = {
      ...sampleAlert({ id: 'alert-cy', user: 'cy', severity: 'medium' }),
      event: {
        ...sampleAlert({ user: 'cy' }).event,
        name: 'CreateLoginProfile',
        time: new Date(PROVISIONED).toISOString(),
      },
    };
    await db.insertAlerts([provisioned], PROVISIONED + 24 * HOUR);
    const opened = await db.openOrAttachCase({
      alert: provisioned,
      targetKey: `provisioned-without-mfa:${targetKeyOf(provisioned.event.account, 'cy')}`,
      kind: 'provisioned-without-mfa',
      nowMs: PROVISIONED + 24 * HOUR,
      actor: 'system',
    });
    await db.updateCase(
      opened.case.id,
      { resolution: 'mfa-enabled' },
      { actor: 'system', nowMs: PROVISIONED + 50 * HOUR },
    );
    await db.transitionCase(opened.case.id, 'resolved', { actor: 'system', nowMs: PROVISIONED + 50 * HOUR });
    await db.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const kpi = async (...args: string[]) => {
    const run = captureContext({ now: NOW });
    const code = await runCli(['kpi', '--store', store, ...args], run.ctx);
    return { code, out: run.out(), err: run.err() };
  };

  it('writes JSON that matches the published schema, with the figures of the store', async () => {
    const { code, out } = await kpi(
      '--from',
      '2026-03-01',
      '--to',
      '2026-04-01',
      '--bucket',
      'month',
      '--format',
      'json',
    );
    assert.equal(code, 0);
    const trends = KPI_TRENDS_OUTPUT_SCHEMA.parse(JSON.parse(out));
    assert.deepEqual(
      trends.points.map((point) => point.label),
      ['2026-03'],
    );
    const march = trends.points[0]!;
    assert.deepEqual(
      [march.removals.total, march.removals.legitimate, march.removals.unauthorized],
      [2, 1, 1],
    );
    assert.deepEqual(march.mttd, { count: 2, avgMs: 60_000, p50Ms: 30_000, p90Ms: 90_000 });
    assert.deepEqual(
      trends.provisionedMttr.map((point) => [point.label, point.count, point.avgMs]),
      [['2026-03', 1, 50 * HOUR]],
      'console access without MFA -> MFA enabled',
    );
  });

  it('writes one CSV record per bucket with a header, and a text table', async () => {
    const csv = await kpi('--from', '30d', '--bucket', 'week', '--format', 'csv');
    assert.equal(csv.code, 0);
    const records = csv.out.split('\r\n').filter((line) => line !== '');
    assert.match(
      records[0]!,
      /^bucket_start,bucket,removals,legitimate,unauthorized,unexplained,removals_rotation,/,
    );
    assert.equal(records.length, 1 + 5, 'the weeks from 2 March to 30 March');
    const week = records.find((record) => record.includes(',2026-03-09,'));
    assert.match(week ?? '', /^2026-03-09T00:00:00\.000Z,2026-03-09,2,1,1,0,/);
    assert.match(records[0]!, /,provisioned_mttr_count,provisioned_mttr_avg_ms,/);
    const provisionedWeek = records.find((record) => record.includes(',2026-03-02,'));
    assert.match(provisionedWeek ?? '', /,1,180000000,180000000,180000000$/, 'cy: 50 h');
    const text = await kpi('--from', '2026-03-01', '--to', '2026-04-01', '--bucket', 'month');
    assert.match(
      text.out,
      /^KPI trends 2026-03-01T00:00:00\.000Z to 2026-04-01T00:00:00\.000Z \(by month, UTC\)/,
    );
    assert.match(text.out, /\n2026-03 +2 +1 +1 +0 +30 s/);
    assert.match(text.out, /open cases: info 0, low 0, medium 0, high 2, critical 0/);
    assert.match(text.out, /users provisioned without MFA, time to MFA: 2026-03 2\.1 d \(1\)/);
  });

  it('classifies denials with the configured mfaPolicies, as the API does when it reads them', async () => {
    // A role session denied by an explicit deny of a policy whose name does not say MFA: only the configuration
    // says it enforces MFA.
    const record = {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROADEVEXAMPLE:dee',
        arn: 'arn:aws:sts::123456789012:assumed-role/dev/dee',
        accountId: '123456789012',
        sessionContext: { attributes: { mfaAuthenticated: 'false', creationDate: '2026-03-12T09:00:00Z' } },
      },
      eventTime: '2026-03-12T10:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      awsRegion: 'us-east-1',
      sourceIPAddress: '203.0.113.9',
      userAgent: 'aws-cli/2.15.0',
      errorCode: 'AccessDenied',
      errorMessage:
        'User: arn:aws:sts::123456789012:assumed-role/dev/dee is not authorized to perform: s3:ListAllMyBuckets with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/CorpGuard',
      requestParameters: null,
      responseElements: null,
      requestID: 'req-corp-guard',
      eventID: '00000000-0000-4000-8000-00000000c0de',
      readOnly: true,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '123456789012',
      eventCategory: 'Management',
    };
    const normalized = normalizeRecord(record, { location: 'test', index: 0 });
    assert.ok(normalized.ok);
    const db = await openStore(store);
    await db.insertEvents([normalized.event]);
    await db.close();
    const config = join(dir, 'mfa-policies.yml');
    writeFileSync(config, 'mfaPolicies: [CorpGuard]\n');
    const denials = async (...extra: string[]) => {
      const { code, out, err } = await kpi(
        '--from',
        '2026-03-01',
        '--to',
        '2026-04-01',
        '--format',
        'json',
        ...extra,
      );
      assert.equal(code, 0, err);
      return KPI_TRENDS_OUTPUT_SCHEMA.parse(JSON.parse(out)).totals.denials;
    };
    assert.deepEqual(await denials(), { noMfaSession: 0, mfaPolicy: 0, total: 0 });
    assert.deepEqual(await denials('--config', config), { noMfaSession: 0, mfaPolicy: 1, total: 1 });
  });

  it('names each bad option', async () => {
    for (const [args, message] of [
      [['--bucket', 'year'], /--bucket must be one of day, week, month; got 'year'/],
      [['--from', 'soon'], /--from expects an ISO date/],
      [['--from', '2026-03-02', '--to', '2026-03-01'], /--from must be before `to`/],
      [['--from', '2000-01-01', '--bucket', 'day'], /more than 750 days: use a wider bucket/],
      [['--format', 'table'], /--format must be one of text, json, csv/],
      [['--since', '7d'], /--since needs PATHs to scan/],
    ] as const) {
      const { code, err } = await kpi(...args);
      assert.equal(code, 2, args.join(' '));
      assert.match(err, message);
    }
    const run = captureContext({ now: NOW });
    assert.equal(await runCli(['kpi', 'samples/demo/AWSLogs', '--bucket', 'day'], run.ctx), 2);
    assert.match(run.err(), /--bucket is for the service's trends/);
  });
});
