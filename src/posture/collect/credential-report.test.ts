import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCredentialReportCsv, parseCredentialReportFile, splitCsv } from './credential-report.ts';
import { CORPUS, HEADER, row } from '../test-support/posture.ts';
import { corpusMissing } from '../../test-support/requirements.ts';

const DIR = join(CORPUS, 'credential-reports');

void describe('credential report: corpus', () => {
  void it('gives exactly the facts of EXPECTATIONS_derived.json for every report', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const expectations = JSON.parse(readFileSync(join(DIR, 'EXPECTATIONS_derived.json'), 'utf8'))
      .derived as Record<string, Record<string, unknown>>;
    const files = readdirSync(DIR).filter((f) => f.endsWith('.csv'));
    assert.ok(files.length >= 10);
    const problems: string[] = [];
    for (const file of files) {
      const expected = expectations[file];
      if (expected === undefined) {
        problems.push(`${file}: no expectation`);
        continue;
      }
      const { report, issues } = parseCredentialReportCsv(readFileSync(join(DIR, file), 'utf8'), file);
      if (report === null) {
        problems.push(`${file}: did not parse ${JSON.stringify(issues)}`);
        continue;
      }
      const sort = (xs: string[]): string[] => [...xs].sort();
      const got = {
        console_users_without_mfa: sort(
          report.users.filter((u) => u.passwordEnabled === true && !u.mfaActive).map((u) => u.user),
        ),
        console_users_with_mfa: sort(
          report.users.filter((u) => u.passwordEnabled === true && u.mfaActive).map((u) => u.user),
        ),
        non_console_users: sort(report.users.filter((u) => u.passwordEnabled === false).map((u) => u.user)),
        root_present: report.root !== null,
        root_mfa_active: report.root === null ? null : String(report.root.mfaActive),
        duplicate_user_rows: sort(
          issues
            .filter((i) => i.code === 'credential-report-duplicate')
            .map((i) => /user '([^']+)'/.exec(i.message)?.[1] ?? '?'),
        ),
      };
      for (const [key, value] of Object.entries(got)) {
        const want = Array.isArray(expected[key]) ? sort(expected[key] as string[]) : expected[key];
        if (JSON.stringify(value) !== JSON.stringify(want))
          problems.push(`${file}: ${key} = ${JSON.stringify(value)}, expected ${JSON.stringify(want)}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  void it('reads the upper-case TRUE/FALSE report exactly like its lower-case twin', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const file =
      'cloud-custodian__test_iam_user_credential_reverse_filter_delete__iam.GetCredentialReport_1.csv';
    const upper = readFileSync(join(DIR, file), 'utf8');
    assert.match(upper, /,FALSE,/);
    const lower = upper.replace(/\b(TRUE|FALSE)\b/g, (m) => m.toLowerCase());
    assert.notEqual(upper, lower);
    const a = parseCredentialReportCsv(upper, 'x');
    const b = parseCredentialReportCsv(lower, 'x');
    assert.deepEqual(a, b);
    assert.equal(a.report?.users[0]?.accessKeys[0].active, true);
    assert.equal(a.report?.users[0]?.passwordEnabled, false);
  });

  void it('reads the cloudmapper get-credential-report JSON (base64 Content) like the CSV beside it', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const json = parseCredentialReportFile(
      readFileSync(
        join(CORPUS, 'cloudmapper/account-data/demo/us-east-1/iam-get-credential-report.json'),
        'utf8',
      ),
      'j',
    );
    const csv = parseCredentialReportFile(
      readFileSync(join(DIR, 'cloudmapper__demo__iam-get-credential-report.csv'), 'utf8'),
      'j',
    );
    assert.deepEqual(json.report?.users, csv.report?.users);
    assert.equal(json.report?.root?.accessKeys[0].active, true);
  });

  void it('unwraps a recorded {status_code, data} response with plain Content', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const path = join(
      CORPUS,
      'cloud-custodian/tests/data/placebo/test_account_credential_report/iam.GetCredentialReport_1.json',
    );
    const { report } = parseCredentialReportFile(readFileSync(path, 'utf8'), path);
    assert.equal(report?.users.length, 19); // 21 rows: root and one duplicate
    assert.equal(report?.root?.mfaActive, true);
  });
});

void describe('credential report: values', () => {
  void it('turns N/A, no_information and not_supported into explicit states', () => {
    const { report } = parseCredentialReportCsv(
      [HEADER, row({ user: '<root_account>', mfa: true }), row({ user: 'a', password: 'true' })].join('\n'),
      'x',
    );
    assert.equal(report?.root?.passwordEnabled, 'not_supported');
    assert.deepEqual(report?.root?.passwordLastChanged, { state: 'not_supported' });
    assert.deepEqual(report?.users[0]?.passwordLastUsed, { state: 'no_information' });
    assert.deepEqual(report?.users[0]?.accessKeys[0].lastRotated, { state: 'N/A' });
    assert.equal(report?.users[0]?.accessKeys[0].lastUsedRegion, null);
  });

  void it('parses dates to epoch and ISO', () => {
    const { report } = parseCredentialReportCsv(
      [HEADER, row({ user: 'a', key1: { active: true, rotated: '2016-10-11T15:27:35+00:00' } })].join('\n'),
      'x',
    );
    assert.deepEqual(report?.users[0]?.accessKeys[0].lastRotated, {
      state: 'date',
      iso: '2016-10-11T15:27:35.000Z',
      ms: Date.UTC(2016, 9, 11, 15, 27, 35),
    });
  });

  void it('keeps the later of duplicated rows and reports the duplicate with both lines', () => {
    const csv = [HEADER, row({ user: 'a', mfa: false }), row({ user: 'a', mfa: true })].join('\n');
    const { report, issues } = parseCredentialReportCsv(csv, 'dup.csv');
    assert.equal(report?.users.length, 1);
    assert.equal(report?.users[0]?.mfaActive, true);
    assert.deepEqual(
      issues.map((i) => [i.code, i.line]),
      [['credential-report-duplicate', 3]],
    );
    assert.match(issues[0]?.message ?? '', /line 2/);
  });

  void it('handles CRLF, a BOM and quoted cells', () => {
    assert.deepEqual(splitCsv('\ufeffa,"b,""c"""\r\nd,e\r\n'), [
      { cells: ['a', 'b,"c"'], line: 1 },
      { cells: ['d', 'e'], line: 2 },
    ]);
  });
});

void describe('credential report: bad input', () => {
  void it('rejects a wrong header and names the missing columns', () => {
    const { report, issues } = parseCredentialReportCsv('name,arn\nbob,arn:x\n', 'bad.csv');
    assert.equal(report, null);
    assert.equal(issues[0]?.code, 'credential-report-header');
    assert.equal(issues[0]?.line, 1);
    assert.match(issues[0]?.message ?? '', /missing column\(s\) user, user_creation_time/);
  });

  void it('names the line of a quote that never closes, and a row that starts after a quoted line break', () => {
    assert.deepEqual(splitCsv('a,b\n"x\ny",z\nc,d\n'), [
      { cells: ['a', 'b'], line: 1 },
      { cells: ['x\ny', 'z'], line: 2 },
      { cells: ['c', 'd'], line: 4 },
    ]);
    const { report, issues } = parseCredentialReportCsv('user,arn\n"bob,arn:x\n', 'open.csv');
    assert.equal(report, null);
    assert.equal(issues[0]?.code, 'credential-report-csv');
    assert.match(issues[0]?.message ?? '', /line 2.*Quote Not Closed/);
  });

  void it('reports an empty file', () => {
    const { report, issues } = parseCredentialReportCsv('', 'empty.csv');
    assert.equal(report, null);
    assert.equal(issues[0]?.code, 'credential-report-empty');
  });

  void it('skips short rows and bad values with their line numbers, keeping the good rows', () => {
    const good = row({ user: 'good', password: 'true', mfa: true });
    const badBool = row({ user: 'maybe', password: 'true' })
      .replace(',no_information,', ',no_information,')
      .split(',');
    badBool[7] = 'yes';
    const badDate = row({ user: 'when' }).split(',');
    badDate[2] = 'yesterday';
    const csv = [HEADER, good, 'short,row', badBool.join(','), badDate.join(',')].join('\n');
    const { report, issues } = parseCredentialReportCsv(csv, 'mixed.csv');
    assert.deepEqual(
      report?.users.map((u) => u.user),
      ['good'],
    );
    assert.deepEqual(
      issues.map((i) => [i.code, i.line]),
      [
        ['credential-report-short-row', 3],
        ['credential-report-value', 4],
        ['credential-report-value', 5],
      ],
    );
    assert.match(issues[1]?.message ?? '', /mfa_active: expected true or false.*got 'yes'/);
    assert.match(issues[2]?.message ?? '', /user_creation_time: expected an ISO-8601 time/);
  });

  void it('rejects JSON that does not parse, JSON without Content, and Content that is neither CSV nor base64', () => {
    assert.equal(parseCredentialReportFile('{"Content": ', 'a.json').issues[0]?.code, 'not-json');
    assert.equal(
      parseCredentialReportFile('{"GeneratedTime": "2020-01-01T00:00:00Z"}', 'b.json').issues[0]?.code,
      'credential-report-shape',
    );
    assert.equal(
      parseCredentialReportFile('{"Content": "not base64 at all!"}', 'c.json').issues[0]?.code,
      'credential-report-content',
    );
  });

  void it('decodes base64 Content and keeps GeneratedTime', () => {
    const csv = [HEADER, row({ user: 'a', password: 'true' })].join('\n');
    const { report } = parseCredentialReportFile(
      JSON.stringify({ Content: Buffer.from(csv).toString('base64'), GeneratedTime: '2024-05-31T22:00:00Z' }),
      'r.json',
    );
    assert.equal(report?.generatedAt, '2024-05-31T22:00:00.000Z');
    assert.equal(report?.users[0]?.user, 'a');
  });
});
