// --since/--until/--account/--region: parsed with clear errors, judged on CloudTrail paths, applied to records alike.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../model/index.ts';
import { judgeLocation, judgePrefix, parseScanFilter } from './scan-filter.ts';
import { runScan } from './scan.ts';

const NOW = Date.UTC(2024, 2, 10, 12, 0, 0);
const DEMO = fileURLToPath(new URL('../../samples/demo/AWSLogs', import.meta.url));

describe('parseScanFilter', () => {
  it('reads ISO dates and times and relative times counted back from now', () => {
    assert.deepEqual(parseScanFilter({ since: '7d', until: '2024-03-10T06:00:00Z' }, NOW), {
      sinceMs: NOW - 7 * 86_400_000,
      untilMs: Date.UTC(2024, 2, 10, 6),
    });
    assert.equal(parseScanFilter({ since: '2024-03-01' }, NOW).sinceMs, Date.UTC(2024, 2, 1));
    assert.equal(parseScanFilter({ since: '12h' }, NOW).sinceMs, NOW - 12 * 3_600_000);
    assert.deepEqual(
      parseScanFilter({ accounts: ['111122223333,444455556666'], regions: ['eu-west-1'] }, NOW),
      {
        accounts: ['111122223333', '444455556666'],
        regions: ['eu-west-1'],
      },
    );
  });

  it('says what is wrong with a bad value', () => {
    const cases: [Parameters<typeof parseScanFilter>[0], RegExp][] = [
      [{ since: 'last tuesday' }, /--since expects an ISO date/],
      [{ until: '2024-03-01T10:00:00' }, /--until expects/],
      [{ since: '2024-03-02', until: '2024-03-01' }, /must be before --until/],
      [{ accounts: ['12345'] }, /12-digit/],
      [{ regions: ['Europe'] }, /such as eu-west-1/],
    ];
    for (const [input, message] of cases) {
      assert.throws(
        () => parseScanFilter(input, NOW),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
      );
    }
  });
});

describe('judgePrefix', () => {
  const filter = {
    sinceMs: Date.parse('2024-03-10T00:00:00Z'),
    untilMs: Date.parse('2024-03-12T00:00:00Z'),
    accounts: ['111122223333'],
    regions: ['eu-west-1'],
  };
  const trail = 'logs/AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/';
  it('walks down CloudTrail layout and lists whole only the days it keeps, with a day of slack', () => {
    const cases: [string, string][] = [
      ['', 'descend'],
      ['logs/', 'descend'],
      ['logs/other/', 'whole'],
      ['logs/AWSLogs/', 'descend'],
      ['logs/AWSLogs/o-abc123/', 'descend'],
      ['logs/AWSLogs/o-abc123/444455556666/', 'skip'],
      ['logs/AWSLogs/o-abc123/111122223333/', 'descend'],
      ['logs/AWSLogs/o-abc123/111122223333/CloudTrail-Digest/', 'skip'],
      ['logs/AWSLogs/o-abc123/111122223333/CloudTrail-Insight/', 'whole'],
      ['logs/AWSLogs/o-abc123/111122223333/CloudTrail/us-east-1/', 'skip'],
      [trail, 'descend'],
      [`${trail}2023/`, 'skip'],
      [`${trail}2024/`, 'descend'],
      [`${trail}2024/02/`, 'skip'],
      [`${trail}2024/03/`, 'descend'],
      [`${trail}2024/04/`, 'skip'],
      [`${trail}2024/03/08/`, 'skip'],
      [`${trail}2024/03/09/`, 'whole'],
      [`${trail}2024/03/12/`, 'whole'],
      [`${trail}2024/03/13/`, 'skip'],
      [`${trail}2024/3/`, 'whole'],
      ['AWSLogs/not-an-account/', 'whole'],
    ];
    assert.deepEqual(
      cases.map(([prefix]) => [prefix, judgePrefix(prefix, filter)]),
      cases,
    );
  });

  it('agrees with judgeLocation on every day folder of a year', () => {
    const open = { sinceMs: filter.sinceMs };
    for (let day = 0; day < 366; day++) {
      const date = new Date(Date.UTC(2024, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
      const folder = `AWSLogs/111122223333/CloudTrail/eu-west-1/${date.replaceAll('-', '/')}/`;
      const skipped = judgeLocation(`${folder}x.json.gz`, open).skip;
      assert.equal(judgePrefix(folder, open) === 'skip', skipped, folder);
    }
  });
});

describe('judgeLocation', () => {
  const filter = parseScanFilter(
    { since: '2024-03-05', until: '2024-03-06', accounts: ['111122223333'], regions: ['us-east-1'] },
    NOW,
  );
  const key = (account: string, region: string, day: string): string =>
    `s3://trail/AWSLogs/o-abcdef1234/${account}/CloudTrail/${region}/2024/03/${day}/${account}_CloudTrail_${region}_x.json.gz`;

  it('skips files by account, region and delivery date, keeping a day either side for late deliveries', () => {
    assert.deepEqual(judgeLocation(key('111122223333', 'us-east-1', '05'), filter), {
      skip: false,
      placeKnown: true,
    });
    assert.equal(judgeLocation(key('999999999999', 'us-east-1', '05'), filter).skip, true);
    assert.equal(judgeLocation(key('111122223333', 'eu-west-1', '05'), filter).skip, true);
    assert.equal(judgeLocation(key('111122223333', 'us-east-1', '04'), filter).skip, false);
    assert.equal(judgeLocation(key('111122223333', 'us-east-1', '06'), filter).skip, false);
    assert.equal(judgeLocation(key('111122223333', 'us-east-1', '03'), filter).skip, true);
    assert.equal(judgeLocation(key('111122223333', 'us-east-1', '08'), filter).skip, true);
  });

  it('leaves files off the layout to the record check', () => {
    assert.deepEqual(judgeLocation('/tmp/export.jsonl', filter), { skip: false, placeKnown: false });
  });
});

describe('a filtered scan', () => {
  it('reads fewer files, keeps only matching alerts, and the prefiltered and full parses agree', async () => {
    const all = await runScan({ inputs: [DEMO], workers: 0 });
    const filter = parseScanFilter(
      { accounts: ['997747511021'], regions: ['us-east-1'], since: '2024-03-05' },
      NOW,
    );
    const fast = await runScan({ inputs: [DEMO], workers: 0, filter });
    const full = await runScan({ inputs: [DEMO], workers: 0, filter, strict: true });
    assert.deepEqual(fast.alerts, full.alerts);
    assert.ok(fast.stats.files < all.stats.files);
    assert.ok(fast.issues.some((issue) => issue.code === 'filtered-out'));
    assert.ok(fast.alerts.length > 0 && fast.alerts.length < all.alerts.length);
    for (const alert of fast.alerts) {
      assert.equal(alert.event.account, '997747511021');
      assert.equal(alert.event.region, 'us-east-1');
      assert.ok(alert.event.time >= '2024-03-05');
    }
    const expected = all.alerts.filter(
      (alert) =>
        alert.event.account === '997747511021' &&
        alert.event.region === 'us-east-1' &&
        alert.event.time >= '2024-03-05',
    );
    assert.deepEqual(fast.alerts.map((alert) => alert.id).sort(), expected.map((alert) => alert.id).sort());
  });
});
