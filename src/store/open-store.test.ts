// Tests for opening stores from URLs: accepted forms, clear errors without passwords, the default path.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../model/index.ts';
import {
  CASE_TRANSITIONS,
  StoreUnavailableError,
  canTransition,
  defaultStorePath,
  openStore,
  parseStoreUrl,
  redactStoreUrl,
  targetKeyOf,
} from './index.ts';

const root = await mkdtemp(join(tmpdir(), 'mfaguard-open-'));
after(() => rm(root, { recursive: true, force: true }));

describe('parseStoreUrl', () => {
  it('accepts sqlite paths (relative, absolute, memory) and postgres URLs', () => {
    assert.deepEqual(parseStoreUrl('sqlite::memory:'), { kind: 'sqlite', path: ':memory:' });
    assert.deepEqual(parseStoreUrl('sqlite:data/m.db', '/srv'), { kind: 'sqlite', path: '/srv/data/m.db' });
    assert.deepEqual(parseStoreUrl('sqlite:/var/lib/m.db'), { kind: 'sqlite', path: '/var/lib/m.db' });
    assert.deepEqual(parseStoreUrl('sqlite:///var/lib/m.db'), { kind: 'sqlite', path: '/var/lib/m.db' });
    assert.deepEqual(parseStoreUrl('postgres://u:p@db:5432/x'), {
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/x',
    });
    assert.equal(parseStoreUrl('postgresql://db/x').kind, 'postgres');
  });

  it('rejects anything else with a UsageError naming the accepted forms and hiding passwords', () => {
    for (const url of [
      'mysql://root:hunter2@db/x',
      'sqlite:',
      '/tmp/m.db',
      '',
      'postgres://u:hunter2@[bad',
    ]) {
      assert.throws(
        () => parseStoreUrl(url),
        (error: unknown) => {
          assert.ok(error instanceof UsageError, `${url}: ${String(error)}`);
          assert.match(error.message, /sqlite:PATH/);
          assert.match(error.message, /postgres:\/\//);
          assert.doesNotMatch(error.message, /hunter2/);
          return true;
        },
      );
    }
  });
});

describe('redactStoreUrl', () => {
  it('replaces the password, keeps the rest', () => {
    assert.equal(
      redactStoreUrl('postgres://mfa:s3cret@db.example:5432/mfa'),
      'postgres://mfa:***@db.example:5432/mfa',
    );
    assert.equal(
      redactStoreUrl('postgres://db.example/mfa?password=s3cret&sslmode=require'),
      'postgres://db.example/mfa?password=***&sslmode=require',
    );
    assert.equal(redactStoreUrl('sqlite:/tmp/x.db'), 'sqlite:/tmp/x.db');
  });
});

describe('openStore errors', () => {
  it('connection refused: retryable StoreUnavailableError naming the URL without the password', async () => {
    // Port 1 on loopback: nothing listens there.
    const error = await openStore('postgres://mfa:s3cret@127.0.0.1:1/mfa', { connectTimeoutMs: 2000 }).then(
      () => assert.fail('expected a failure'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof StoreUnavailableError, String(error));
    assert.equal(error.retryable, true);
    assert.match(error.message, /postgres:\/\/mfa:\*\*\*@127\.0\.0\.1:1\/mfa/);
    assert.match(error.message, /ECONNREFUSED|cannot reach/);
    assert.doesNotMatch(error.message, /s3cret/);
  });

  it('unsupported URL and bad schema names are UsageErrors', async () => {
    await assert.rejects(openStore('redis://localhost'), UsageError);
    await assert.rejects(
      openStore('postgres://127.0.0.1:1/x', { schema: 'Robert"); DROP' }),
      /invalid PostgreSQL schema/,
    );
  });

  it('sqlite: a missing folder or a file that is not a database is a clear error', async () => {
    await assert.rejects(openStore(`sqlite:${join(root, 'missing', 'm.db')}`), (error: unknown) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.match(error.message, /folder .*missing does not exist/);
      return true;
    });
    const notDb = join(root, 'not-a-db.db');
    await writeFile(notDb, 'this is plain text, not SQLite '.repeat(200));
    await assert.rejects(openStore(`sqlite:${notDb}`), (error: unknown) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.match(error.message, /not a usable SQLite database|not a database/);
      return true;
    });
  });

  it('sqlite: reopening a file keeps its data (migrations are idempotent)', async () => {
    const url = `sqlite:${join(root, 'keep.db')}`;
    const first = await openStore(url);
    await first.setCheckpoint('k', 'v', 1);
    await first.close();
    const second = await openStore(url);
    assert.equal(await second.getCheckpoint('k'), 'v');
    assert.equal(second.kind, 'sqlite');
    assert.equal(second.url, url);
    await second.close();
  });
});

describe('defaultStorePath', () => {
  it('uses $XDG_DATA_HOME when absolute, else ~/.local/share, and creates the folder', () => {
    const xdg = join(root, 'xdg');
    assert.equal(
      defaultStorePath({ XDG_DATA_HOME: xdg, HOME: join(root, 'home') }),
      join(xdg, 'mfaguard', 'mfaguard.db'),
    );
    assert.ok(existsSync(join(xdg, 'mfaguard')));
    const home = join(root, 'home');
    assert.equal(defaultStorePath({ HOME: home }), join(home, '.local', 'share', 'mfaguard', 'mfaguard.db'));
    assert.equal(
      defaultStorePath({ HOME: home, XDG_DATA_HOME: 'relative/ignored' }),
      join(home, '.local', 'share', 'mfaguard', 'mfaguard.db'),
    );
    assert.ok(existsSync(join(home, '.local', 'share', 'mfaguard')));
  });
});

describe('keys and lifecycle', () => {
  it('target keys ignore the case of the user name', () => {
    assert.equal(targetKeyOf('111122223333', 'Alice'), '111122223333/alice');
    assert.equal(targetKeyOf(null, 'root'), '/root');
  });

  it('resolved is final and every state can reach resolved except itself', () => {
    assert.deepEqual(CASE_TRANSITIONS.resolved, []);
    for (const from of ['open', 'verifying', 'escalated'] as const)
      assert.ok(canTransition(from, 'resolved'));
    assert.equal(canTransition('escalated', 'open'), false);
    assert.equal(canTransition('open', 'open'), false);
  });
});
