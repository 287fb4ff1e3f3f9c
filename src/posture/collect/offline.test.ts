// Tests for offline loading of an organisation folder: files recognised by content, one account per sub-folder, problems kept per account.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportKindOf, loadOfflineFolder } from './offline.ts';
import { CORPUS, HEADER, row } from '../test-support/posture.ts';
import { corpusMissing } from '../../test-support/requirements.ts';

const CLI = `${CORPUS}aws-cli-examples/`;
const readText = (path: string): Promise<string> => readFile(path, 'utf8');
const listFolder = (path: string) => readdir(path, { withFileTypes: true });
const NOW = new Date('2024-06-01T00:00:00Z');

void test('the AWS CLI outputs are recognised by their content, whatever their names', (t) => {
  if (corpusMissing(t, CLI)) return;
  const kinds = Object.fromEntries(
    readdirSync(CLI)
      .filter((f) => f.startsWith('iam__'))
      .sort()
      .map((f) => [f, exportKindOf(readFileSync(CLI + f, 'utf8'), 'export.json')]),
  );
  assert.deepEqual(kinds, {
    'iam__create-login-profile__output1.json': null,
    'iam__generate-credential-report__output1.json': null,
    'iam__get-account-authorization-details__output1.json': 'authorizationDetails',
    'iam__get-account-summary__output1.json': 'accountSummary',
    'iam__get-credential-report__output1.json': 'credentialReport',
    'iam__get-login-profile__output1.json': null,
    'iam__get-mfa-device__output1.json': null,
    'iam__list-mfa-devices__output1.json': 'mfaDevices',
    'iam__list-users__output1.json': null,
    'iam__list-virtual-mfa-devices__output1.json': 'virtualMfaDevices',
  });
  assert.equal(exportKindOf('user,arn,...', 'report.CSV'), 'credentialReport');
  assert.equal(exportKindOf('{"PasswordPolicy": {"MinimumPasswordLength": 14}}', 'p.json'), 'passwordPolicy');
  assert.equal(exportKindOf('not json', 'x.json'), null);
});

void test('one account per sub-folder; a broken file is an issue for its account, the others are audited', (t) => {
  if (corpusMissing(t, CLI)) return;
  const root = mkdtempSync(join(tmpdir(), 'mfaguard-folder-'));
  for (const name of ['123456789012', 'sandbox', 'empty']) mkdirSync(join(root, name));
  // The AWS CLI examples, under names nobody chose for us.
  copyFileSync(
    `${CLI}iam__get-account-authorization-details__output1.json`,
    join(root, '123456789012', 'a.json'),
  );
  copyFileSync(`${CLI}iam__list-virtual-mfa-devices__output1.json`, join(root, '123456789012', 'b.json'));
  copyFileSync(`${CLI}iam__get-account-summary__output1.json`, join(root, '123456789012', 'c.json'));
  writeFileSync(join(root, '123456789012', 'README.md'), '# exports');
  writeFileSync(
    join(root, 'sandbox', 'report.csv'),
    [HEADER, row({ user: 'alice', password: 'true', mfa: true })].join('\n'),
  );
  writeFileSync(join(root, 'sandbox', 'summary.json'), '{"SummaryMap": {"Users": "three"}}');
  writeFileSync(join(root, 'sandbox', 'summary-again.json'), '{"SummaryMap": {"Users": 3}}');
  return loadOfflineFolder(root, readText, listFolder, NOW).then((result) => {
    assert.deepEqual(
      result.snapshots.map((s) => [s.accountId, s.accountName]),
      [
        ['123456789012', null],
        ['111122223333', 'sandbox'],
      ],
    );
    const [first, sandbox] = result.snapshots;
    assert.equal(first?.authorization.state, 'collected');
    assert.equal(first?.virtualMfaDevices.state, 'collected');
    assert.equal(first?.credentialReport.state, 'not-collected');
    assert.equal(sandbox?.credentialReport.state, 'collected');
    // The first summary file found (summary-again.json sorts first) is used; the second is named.
    assert.equal(sandbox?.accountSummary.state, 'collected');
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.location.slice(root.length + 1)]),
      [
        ['not-an-export', '123456789012/README.md'],
        ['no-exports', 'empty'],
        ['duplicate-export', 'sandbox/summary.json'],
      ],
    );
    assert.equal(result.unreadable, true);
  });
});

void test('a folder with the files directly in it is one account; a missing folder is an issue', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mfaguard-folder-'));
  writeFileSync(join(root, 'r.csv'), [HEADER, row({ user: 'bob', password: 'true' })].join('\n'));
  const flat = await loadOfflineFolder(root, readText, listFolder, NOW);
  assert.equal(flat.snapshots.length, 1);
  assert.equal(flat.snapshots[0]?.accountName, null);
  assert.equal(flat.unreadable, false);
  const missing = await loadOfflineFolder(join(root, 'nope'), readText, listFolder, NOW);
  assert.deepEqual(missing.snapshots, []);
  assert.equal(missing.issues[0]?.message, 'folder not found');
});
