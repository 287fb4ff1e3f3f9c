import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../model/index.ts';
import { generateArchive } from './archive.ts';
import type { GenerateOptions, GroundTruth } from './archive.ts';
import { HOSTILE_USER_AGENTS } from './scenarios.ts';
import { listFiles, readJsonFile } from './test-support/archive-files.ts';

// Parsed CloudTrail JSON: the tests walk it freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Rec = Record<string, any>;

const BASE: Omit<GenerateOptions, 'outDir'> = {
  seed: 7,
  events: 4000,
  start: '2024-03-04',
  days: 2,
  deliveryMinutes: 30,
  mfaShare: 0.02,
};

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-gen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Generates once per test file; the tests below read the same archive. */
let shared:
  | Promise<{
      dir: string;
      truth: GroundTruth;
      records: Map<string, { rec: Rec; file: string }[]>;
      logFiles: string[];
    }>
  | undefined;
function archive(): typeof shared & object {
  shared ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-gen-shared-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const truth = await generateArchive({ ...BASE, outDir: dir });
    const records = new Map<string, { rec: Rec; file: string }[]>();
    const logFiles = listFiles(dir).filter((f) => f.includes('/CloudTrail/'));
    for (const file of logFiles) {
      const body = readJsonFile(join(dir, file)) as { Records: Rec[] };
      for (const rec of body.Records) {
        const list = records.get(rec['eventID']) ?? [];
        list.push({ rec, file });
        records.set(rec['eventID'], list);
      }
    }
    return { dir, truth, records, logFiles };
  })();
  return shared;
}

void test('the same options give the same bytes; another seed gives another archive', async (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  const c = tempDir(t);
  const options = { ...BASE, events: 1500, days: 1 };
  await generateArchive({ ...options, outDir: a });
  await generateArchive({ ...options, outDir: b });
  await generateArchive({ ...options, seed: 8, outDir: c });
  const files = listFiles(a);
  assert.deepEqual(listFiles(b), files);
  for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs`);
  assert.notDeepEqual(listFiles(c), files);
});

void test('files follow the S3 delivery layout; digests and the organisation copy where AWS puts them', async () => {
  const { dir, truth } = await archive();
  const all = listFiles(dir);
  const accounts = truth.accounts.map((a) => a.id);
  const logRe =
    /^AWSLogs\/(?:o-[a-z0-9]{10}\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/;
  const digestRe =
    /^AWSLogs\/(\d{12})\/CloudTrail-Digest\/us-east-1\/\d{4}\/\d{2}\/\d{2}\/\1_CloudTrail-Digest_us-east-1_[a-z-]+_us-east-1_\d{8}T\d{6}Z\.json\.gz$/;
  let logs = 0;
  for (const f of all) {
    if (f === 'ground-truth.json') continue;
    const m = logRe.exec(f);
    if (m !== null) {
      logs += 1;
      assert.equal(m[1], m[6], `account in folder and name: ${f}`);
      assert.equal(m[2], m[7], `region in folder and name: ${f}`);
      assert.equal(`${m[3]}${m[4]}${m[5]}`, `${m[8]}${m[9]}${m[10]}`, `date in folder and name: ${f}`);
      assert.ok(accounts.includes(m[1]!));
      continue;
    }
    assert.match(f, digestRe);
  }
  assert.equal(logs, truth.files.logs);
  assert.equal(truth.digests.length, 2);
  assert.equal(truth.files.duplicateDeliveries, 1);
  assert.ok(truth.duplicateDeliveries[0]!.copy.startsWith(`AWSLogs/${truth.organizationId}/`));
});

void test('digest files list log files with their real SHA-256', async () => {
  const { dir, truth } = await archive();
  for (const path of truth.digests) {
    const digest = readJsonFile(join(dir, path)) as {
      logFiles: { s3Object: string; hashValue: string }[];
      awsAccountId: string;
    };
    assert.ok(digest.logFiles.length > 0);
    for (const log of digest.logFiles) {
      assert.equal(
        createHash('sha256')
          .update(readFileSync(join(dir, log.s3Object)))
          .digest('hex'),
        log.hashValue,
      );
      assert.ok(log.s3Object.includes(`/${digest.awsAccountId}/CloudTrail/`));
    }
  }
});

void test('ground-truth counts match the records written', async () => {
  const { dir, truth, records } = await archive();
  let written = 0;
  const byName = new Map<string, number>();
  for (const [, list] of records) {
    written += list.length;
    const name = list[0]!.rec['eventName'] as string;
    byName.set(name, (byName.get(name) ?? 0) + 1);
  }
  assert.equal(records.size, BASE.events, 'unique eventIDs = events asked for');
  assert.equal(truth.records.unique, BASE.events);
  assert.equal(truth.records.written, written);
  assert.equal(truth.records.duplicates, written - records.size);
  assert.ok(truth.records.duplicates > 0);
  assert.deepEqual(
    truth.eventsByName,
    Object.fromEntries([...byName].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
  );
  assert.deepEqual(
    JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')),
    JSON.parse(JSON.stringify(truth)),
  );
  const expected = truth.scenarios.reduce((n, s) => n + s.expect.length, 0);
  assert.equal(truth.expectedAlerts.total, expected);
  // Only the planted stories may contain what the rules look for.
  const alerting = [
    'DeactivateMFADevice',
    'DeleteVirtualMFADevice',
    'EnableMFADevice',
    'CreateVirtualMFADevice',
  ];
  const planted = new Set(truth.scenarios.flatMap((s) => s.events.map((e) => e.id)));
  for (const [id, list] of records) {
    const rec = list[0]!.rec;
    if (alerting.includes(rec['eventName'])) assert.ok(planted.has(id), `unplanted ${rec['eventName']}`);
    if (rec['eventName'] === 'ConsoleLogin' && !planted.has(id)) {
      assert.ok(rec['userIdentity'].type !== 'Root');
      if (rec['userIdentity'].type === 'IAMUser') assert.equal(rec['additionalEventData'].MFAUsed, 'Yes');
    }
  }
});

void test('records look like CloudTrail: 1-2 KB on average, with the usual fields', async () => {
  const { truth, records } = await archive();
  const avg = truth.bytes.uncompressed / truth.records.written;
  assert.ok(avg > 1000 && avg < 2048, `average record ${avg} bytes`);
  const sources = new Set<string>();
  for (const [, list] of records) {
    const rec = list[0]!.rec;
    sources.add(rec['eventSource']);
    for (const field of [
      'eventVersion',
      'userIdentity',
      'eventTime',
      'eventSource',
      'eventName',
      'awsRegion',
      'sourceIPAddress',
      'userAgent',
      'eventID',
      'eventType',
      'recipientAccountId',
      'eventCategory',
    ]) {
      assert.ok(field in rec, `${field} missing in ${rec['eventName']}`);
    }
    assert.match(rec['eventTime'], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    if (rec['eventSource'] === 'iam.amazonaws.com' || rec['eventSource'] === 'signin.amazonaws.com')
      assert.equal(rec['awsRegion'], 'us-east-1');
  }
  for (const s of [
    's3.amazonaws.com',
    'ec2.amazonaws.com',
    'sts.amazonaws.com',
    'kms.amazonaws.com',
    'lambda.amazonaws.com',
    'iam.amazonaws.com',
    'signin.amazonaws.com',
  ]) {
    assert.ok(sources.has(s), `no ${s} events`);
  }
});

void test('events sit in files of their account, region and delivery time, in time order', async () => {
  const { records } = await archive();
  const byFile = new Map<string, string[]>();
  for (const [, list] of records) {
    for (const { rec, file } of list) {
      assert.ok(file.includes(`/${rec['recipientAccountId']}/CloudTrail/${rec['awsRegion']}/`), file);
      const times = byFile.get(file) ?? [];
      times.push(rec['eventTime']);
      byFile.set(file, times);
    }
  }
  assert.ok(byFile.size > 10);
  for (const [file, times] of byFile) {
    if (!file.includes('/o-')) assert.deepEqual(times, [...times].sort(), `${file} is not in time order`);
  }
});

function scenario(truth: GroundTruth, kind: string) {
  const s = truth.scenarios.find((x) => x.kind === kind);
  assert.ok(s, `scenario ${kind} missing`);
  return s;
}

function recordOf(records: Map<string, { rec: Rec; file: string }[]>, id: string): Rec {
  const list = records.get(id);
  assert.ok(list, `event ${id} not written`);
  return list[0]!.rec;
}

void test('every scenario event is written, in the file the ground truth names', async () => {
  const { truth, records } = await archive();
  for (const s of truth.scenarios) {
    for (const e of s.events) {
      const list = records.get(e.id);
      assert.ok(list, `${s.id}: ${e.name} ${e.id} not written`);
      assert.ok(
        list.some((x) => x.file === e.file),
        `${s.id}: ${e.id} not in ${e.file}`,
      );
      assert.equal(list[0]!.rec['eventName'], e.name);
      assert.equal(list[0]!.rec['eventTime'], e.time);
    }
    for (const x of s.expect) assert.ok(s.events.some((e) => e.id === x.eventId && e.name === x.eventName));
  }
  assert.ok(
    truth.scenarios.some((s) => s.kind === 'routine-rotation'),
    'the MFA share adds routine rotations',
  );
});

void test('phone swap: the console page opens, self-service removal with an MFA console session, new device minutes later, same IP, office hours', async () => {
  const { truth, records } = await archive();
  const s = scenario(truth, 'phone-swap');
  const recs = s.events.map((e) => recordOf(records, e.id));
  const login = recs[0];
  const named = (name: string): Rec | undefined => recs.find((r) => r['eventName'] === name);
  const off = named('DeactivateMFADevice');
  const create = named('CreateVirtualMFADevice');
  const enable = named('EnableMFADevice');
  assert.equal(login?.['eventName'], 'ConsoleLogin');
  // The console lists what the security-credentials page shows, with its own user agent, from the user's address.
  const page = recs.slice(1, off === undefined ? 1 : recs.indexOf(off));
  assert.deepEqual(
    page.map((r): unknown => r['eventName']),
    [
      'ListMFADevices',
      'ListAccessKeys',
      'GetLoginProfile',
      'ListSigningCertificates',
      'ListSSHPublicKeys',
      'ListServiceSpecificCredentials',
      'GetAccountSummary',
    ],
  );
  for (const call of page) {
    assert.equal(call['userAgent'], 'AWS Internal');
    assert.equal(call['sourceIPAddress'], off!['sourceIPAddress']);
  }
  assert.equal(off!['eventName'], 'DeactivateMFADevice');
  assert.equal(off!['userIdentity'].userName, off!['requestParameters'].userName);
  assert.equal(off!['userIdentity'].sessionContext.attributes.mfaAuthenticated, 'true');
  assert.equal(off!['sessionCredentialFromConsole'], 'true');
  assert.equal(create!['eventName'], 'CreateVirtualMFADevice');
  assert.equal(enable!['eventName'], 'EnableMFADevice');
  assert.equal(enable!['sourceIPAddress'], off!['sourceIPAddress']);
  const gap = (Date.parse(enable!['eventTime']) - Date.parse(off!['eventTime'])) / 1000;
  assert.ok(gap >= 120 && gap <= 360);
  assert.equal(s.triage?.vulnerabilityWindowSeconds, gap);
  const hour = new Date(off!['eventTime']).getUTCHours();
  assert.ok(hour >= 9 && hour < 17);
  const deleted = named('DeleteVirtualMFADevice');
  assert.deepEqual(
    s.expect.map((x) => x.intent),
    deleted === undefined ? ['deactivate-mfa'] : ['deactivate-mfa', 'delete-virtual-mfa'],
  );
});

void test('stolen-key takeover: recon, removal by an AKIA key from a new IP at night, attacker device by an ASIA session without MFA', async () => {
  const { truth, records } = await archive();
  const s = scenario(truth, 'stolen-key-takeover');
  const recs = s.events.map((e) => recordOf(records, e.id));
  assert.deepEqual(
    recs.map((r) => r['eventName'] as string),
    [
      'GetCallerIdentity',
      'ListUsers',
      'ListMFADevices',
      'DeactivateMFADevice',
      'DeleteVirtualMFADevice',
      'GetSessionToken',
      'CreateVirtualMFADevice',
      'EnableMFADevice',
      'CreateAccessKey',
      'UpdateLoginProfile',
    ],
  );
  const off = recs[3]!;
  assert.match(off['userIdentity'].accessKeyId, /^AKIA/);
  assert.notEqual(off['requestParameters'].userName, off['userIdentity'].userName);
  assert.ok(new Date(off['eventTime']).getUTCHours() < 6, 'at night');
  assert.match(off['sourceIPAddress'], /^203\.0\.113\./);
  for (const r of recs.slice(6)) {
    assert.match(r['userIdentity'].accessKeyId, /^ASIA/);
    assert.equal(r['userIdentity'].sessionContext.attributes.mfaAuthenticated, 'false');
    assert.equal(r['sessionCredentialFromConsole'], undefined);
  }
  assert.equal(off['userAgent'], HOSTILE_USER_AGENTS.ansi);
  assert.deepEqual(
    s.expect.map((x) => x.intent),
    [
      'deactivate-mfa',
      'delete-virtual-mfa',
      'mfa-registration-temporary-creds',
      'mfa-registration-temporary-creds',
    ],
  );
  assert.equal(s.triage?.classification, 'suspicious');
});

void test('root removal, burst, refused attempt, sign-ins and the duplicate delivery carry the right fields', async () => {
  const { truth, records } = await archive();
  const root = scenario(truth, 'root-mfa-removed');
  const rootOff = recordOf(records, root.events[1]!.id);
  assert.equal(rootOff['userIdentity'].type, 'Root');
  assert.match(rootOff['requestParameters'].serialNumber, /:mfa\/root-account-mfa-device$/);
  assert.deepEqual(root.expect.map((x) => x.intent).sort(), [
    'deactivate-mfa',
    'root-console-login',
    'root-mfa-removed',
  ]);

  const burst = scenario(truth, 'mfa-burst');
  const burstRecs = burst.events.map((e) => recordOf(records, e.id));
  assert.equal(burstRecs.length, 6);
  assert.equal(new Set(burstRecs.map((r) => r['requestParameters'].userName as string)).size, 6);
  assert.equal(new Set(burstRecs.map((r) => r['userIdentity'].arn as string)).size, 1);
  const span = Date.parse(burstRecs[5]!['eventTime']) - Date.parse(burstRecs[0]!['eventTime']);
  assert.ok(span <= 10 * 60_000, `burst spans ${span} ms`);
  assert.equal(burstRecs[0]!['userAgent'], HOSTILE_USER_AGENTS.csvFormula);
  assert.deepEqual(
    burst.triage?.correlation?.targets,
    burstRecs.map((r) => r['requestParameters'].userName as string),
  );

  const refused = recordOf(records, scenario(truth, 'refused-deactivation').events[0]!.id);
  assert.equal(refused['errorCode'], 'AccessDenied');
  assert.match(refused['errorMessage'], /not authorized to perform: iam:DeactivateMFADevice/);

  const noMfa = recordOf(records, scenario(truth, 'console-login-no-mfa').events[0]!.id);
  assert.equal(noMfa['userIdentity'].type, 'IAMUser');
  assert.equal(noMfa['additionalEventData'].MFAUsed, 'No');
  assert.equal(noMfa['responseElements'].ConsoleLogin, 'Success');

  const rootLogin = scenario(truth, 'root-console-login');
  const copies = records.get(rootLogin.events[0]!.id)!;
  assert.equal(copies.length, 2, 'delivered by the account trail and the organisation trail');
  assert.deepEqual(
    copies.map((c) => c.file).sort(),
    [truth.duplicateDeliveries[0]!.copy, truth.duplicateDeliveries[0]!.original].sort(),
  );
  assert.deepEqual(copies[0]!.rec, copies[1]!.rec);
});

void test('plain JSON when gzip is off', async (t) => {
  const dir = tempDir(t);
  const truth = await generateArchive({
    ...BASE,
    events: 800,
    days: 1,
    gzip: false,
    scenarios: false,
    mfaShare: 0,
    outDir: dir,
  });
  const files = listFiles(dir).filter((f) => f.includes('/CloudTrail/'));
  assert.ok(files.every((f) => f.endsWith('.json')));
  assert.equal(truth.bytes.written, truth.bytes.uncompressed);
  assert.equal(truth.scenarios.length, 0);
  assert.equal(truth.records.duplicates, 0);
  const body = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { Records: unknown[] };
  assert.ok(Array.isArray(body.Records));
});

void test('recordsPerFile caps every delivery file; a busy slot is split into several files', async (t) => {
  const dir = tempDir(t);
  const truth = await generateArchive({
    ...BASE,
    events: 1200,
    days: 1,
    deliveryMinutes: 1440,
    recordsPerFile: 50,
    scenarios: false,
    mfaShare: 0,
    outDir: dir,
  });
  const files = listFiles(dir).filter((f) => f.includes('/CloudTrail/'));
  let total = 0;
  for (const f of files) {
    const n = (readJsonFile(join(dir, f)) as { Records: unknown[] }).Records.length;
    assert.ok(n >= 1 && n <= 50, `${f} has ${n} records`);
    total += n;
  }
  assert.equal(total, 1200);
  assert.equal(files.length, truth.files.logs);
  assert.ok(files.length >= 24, 'split into several files');
});

void test('bad options are refused with what was wrong', async (t) => {
  const dir = tempDir(t);
  const cases: [Partial<GenerateOptions>, RegExp][] = [
    [{ events: 0 }, /events must be an integer from 1/],
    [{ events: 1.5 }, /events must be an integer/],
    [{ days: 0 }, /days must be an integer from 1/],
    [{ seed: -1 }, /seed must be an integer/],
    [{ start: 'yesterday' }, /start must be an ISO date/],
    [{ start: '2024-02-31x' }, /start must be an ISO date/],
    [{ regions: ['mars-north-1x'] }, /not an AWS region/],
    [{ regions: [] }, /regions must not be empty/],
    [{ accounts: ['12345'] }, /account id must be 12 digits/],
    [{ accounts: 0 }, /accounts must be an integer/],
    [{ mfaShare: 0.9 }, /mfaShare must be between 0 and 0.5/],
    [{ deliveryMinutes: 7 }, /deliveryMinutes must divide a day/],
    [{ recordsPerFile: 0 }, /recordsPerFile must be an integer/],
    [{ gzipLevel: 12 }, /gzipLevel must be an integer from 1 to 9/],
    [{ events: 20 }, /events 20 is too small: the scenarios and MFA share alone need \d+ records/],
  ];
  for (const [bad, message] of cases) {
    await assert.rejects(
      generateArchive({ ...BASE, outDir: dir, ...bad }),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
      JSON.stringify(bad),
    );
  }
  assert.deepEqual(readdirSync(dir), [], 'nothing written for bad options');
});

void test('the generator reads neither the clock nor Math.random', () => {
  const dir = new URL('./', import.meta.url);
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = readFileSync(new URL(name, dir), 'utf8');
    assert.ok(
      !/Math\.random|Date\.now\(|new Date\(\)|performance\.now/.test(text),
      `${name} reads the clock or Math.random`,
    );
  }
});
