// Migrations written once: the same SQL as the two hand-kept lists they replace, the same schema on both databases,
// and a database made by an earlier release migrates to the latest version with its rows kept.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../open-store.ts';
import { createThrowawayDatabase, postgresProblem } from '../test-support/postgres.ts';
import { missing } from '../../test-support/requirements.ts';
import { MIGRATIONS, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations.ts';

/** Made from main's code before the lists were merged: each step's SQL for SQLite and for PostgreSQL. */
interface OldMigration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}
const OLD: readonly OldMigration[] = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/store/migrations-v21.json', import.meta.url), 'utf8'),
) as OldMigration[];
/** The last version an older database holds in the upgrade tests; the steps after it are applied by opening. */
const OLD_VERSION = 19;

interface Shape {
  readonly tables: Record<string, string[]>;
  readonly indexes: string[];
}

function sqliteShape(file: string): Shape & { readonly ddl: string[] } {
  const db = new Database(file, { readonly: true });
  try {
    const tables: Record<string, string[]> = {};
    const names = db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .all() as { name: string }[];
    for (const { name } of names) {
      const columns = db.prepare(`SELECT * FROM pragma_table_xinfo(?)`).all(name) as {
        name: string;
        notnull: number;
        pk: number;
      }[];
      tables[name] = columns.map((c) => `${c.name}${c.notnull === 1 || c.pk > 0 ? ' not null' : ''}`).sort();
    }
    const indexes = (
      db
        .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
        .all() as { name: string; sql: string }[]
    ).map((row) => `${row.name}${/^CREATE UNIQUE/i.test(row.sql) ? ' unique' : ''}`);
    const ddl = (
      db.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY type, name`).all() as {
        type: string;
        name: string;
        sql: string | null;
      }[]
    ).map((row) => `${row.type} ${row.name}: ${row.sql ?? ''}`);
    return { tables, indexes, ddl };
  } finally {
    db.close();
  }
}

async function postgresShape(url: string, schema: string): Promise<Shape & { readonly ddl: string[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<{
      table_name: string;
      column_name: string;
      is_nullable: string;
      type: string;
    }>(
      `SELECT table_name, column_name, is_nullable, data_type || coalesce(' ' || collation_name, '') || coalesce(' ' || generation_expression, '') AS type
         FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, column_name`,
      [schema],
    );
    const tables: Record<string, string[]> = {};
    for (const row of columns.rows) {
      (tables[row.table_name] ??= []).push(
        `${row.column_name}${row.is_nullable === 'NO' ? ' not null' : ''}`,
      );
    }
    for (const list of Object.values(tables)) list.sort();
    // Indexes made by CREATE INDEX, not those behind primary keys and UNIQUE constraints (SQLite's autoindexes).
    const indexes = await client.query<{ name: string; def: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
        WHERE n.nspname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        ORDER BY i.relname`,
      [schema],
    );
    const ddl = [
      ...columns.rows.map((row) => `${row.table_name}.${row.column_name} ${row.type} ${row.is_nullable}`),
      ...indexes.rows.map((row) => row.def.replaceAll(`${schema}.`, '')),
    ];
    return {
      tables,
      indexes: indexes.rows.map((row) => `${row.name}${/^CREATE UNIQUE/.test(row.def) ? ' unique' : ''}`),
      ddl,
    };
  } finally {
    await client.end();
  }
}

describe('migrations written once', () => {
  it('produce exactly the SQL of the two hand-kept lists they replace, step by step', () => {
    // Steps after the fixture were written once, never in the old lists.
    assert.ok(MIGRATIONS.length >= OLD.length);
    OLD.forEach((old, index) => {
      for (const [list, sql] of [
        [SQLITE_MIGRATIONS, old.sqlite],
        [POSTGRES_MIGRATIONS, old.postgres],
      ] as const) {
        assert.deepEqual(list[index], { version: old.version, name: old.name, sql }, `step ${old.version}`);
      }
    });
  });

  it('are numbered in increasing order with distinct names', () => {
    const versions = MIGRATIONS.map((step) => step.version);
    assert.deepEqual(
      versions,
      [...versions].sort((a, b) => a - b),
    );
    assert.equal(new Set(versions).size, versions.length);
    assert.equal(new Set(MIGRATIONS.map((step) => step.name)).size, versions.length);
  });
});

describe('schema on both databases', async () => {
  const root = await mkdtemp(join(tmpdir(), 'mfaguard-migrations-'));
  after(() => rm(root, { recursive: true, force: true }));

  /** A SQLite file as an earlier release left it: the old steps up to `OLD_VERSION`, one stored checkpoint. */
  function oldSqlite(file: string): void {
    const db = new Database(file);
    db.exec(
      `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
    );
    for (const old of OLD.filter((step) => step.version <= OLD_VERSION)) {
      db.exec(old.sqlite);
      db.prepare(`INSERT INTO schema_migrations VALUES (?, ?, 0)`).run(old.version, old.name);
    }
    db.prepare(`INSERT INTO checkpoints (key, value, updated_at) VALUES ('s3', 'key-1', 0)`).run();
    db.close();
  }

  it('SQLite: a database of an earlier release migrates to the latest schema and keeps its rows', async () => {
    const oldFile = join(root, 'old.db');
    oldSqlite(oldFile);
    const upgraded = await openStore(`sqlite:${oldFile}`);
    assert.equal(await upgraded.getCheckpoint('s3'), 'key-1');
    await upgraded.close();
    const fresh = await openStore(`sqlite:${join(root, 'fresh.db')}`);
    await fresh.close();
    assert.deepEqual(sqliteShape(oldFile).ddl, sqliteShape(join(root, 'fresh.db')).ddl);
  });

  it('SQLite: denials recorded with a kind (version 20) keep their facts: no MFA, or the policy with the session unknown', async () => {
    const file = join(root, 'denials.db');
    const db = new Database(file);
    db.exec(
      `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
    );
    for (const old of OLD) {
      db.exec(old.sqlite);
      db.prepare(`INSERT INTO schema_migrations VALUES (?, ?, 0)`).run(old.version, old.name);
    }
    const insert = db.prepare(`INSERT INTO mfa_denials VALUES (?, ?, '111122223333', 'AccessDenied', ?, ?)`);
    insert.run('a', 1_000, 'no-mfa-session', null);
    insert.run('b', 2_000, 'mfa-policy', 'arn:aws:iam::111122223333:policy/ForceMFA');
    db.close();
    const store = await openStore(`sqlite:${file}`);
    try {
      const facts = await store.kpiFacts({ fromMs: 0, toMs: 10_000 });
      assert.deepEqual(
        facts.denials.map((d) => [d.eventId, d.policy, d.withoutMfa]),
        [
          ['a', null, true],
          ['b', 'arn:aws:iam::111122223333:policy/ForceMFA', null],
        ],
      );
    } finally {
      await store.close();
    }
  });

  const problem = await postgresProblem();
  if (problem !== null) {
    it('PostgreSQL: same tables, columns and indexes as SQLite; an earlier release migrates', (t) =>
      void missing(t, 'pg', problem));
    return;
  }
  const database = await createThrowawayDatabase();
  after(() => database.drop());

  it('SQLite and PostgreSQL end with the same tables, columns and indexes', async () => {
    const file = join(root, 'shape.db');
    await (await openStore(`sqlite:${file}`)).close();
    await (await openStore(database.url, { schema: 'shape' })).close();
    const lite = sqliteShape(file);
    const post = await postgresShape(database.url, 'shape');
    assert.deepEqual(post.tables, lite.tables);
    assert.deepEqual(post.indexes, lite.indexes);
    assert.ok(
      Object.keys(lite.tables).length >= 15 && lite.indexes.length >= 20,
      'the whole schema was read',
    );
  });

  it('PostgreSQL: a database of an earlier release migrates to the latest schema and keeps its rows', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA old; SET search_path TO old`);
      await client.query(
        `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
      );
      for (const old of OLD.filter((step) => step.version <= OLD_VERSION)) {
        await client.query(old.postgres);
        await client.query(`INSERT INTO schema_migrations VALUES ($1, $2, 0)`, [old.version, old.name]);
      }
      await client.query(`INSERT INTO checkpoints (key, value, updated_at) VALUES ('s3', 'key-1', 0)`);
    } finally {
      await client.end();
    }
    const upgraded = await openStore(database.url, { schema: 'old' });
    assert.equal(await upgraded.getCheckpoint('s3'), 'key-1');
    await upgraded.close();
    await (await openStore(database.url, { schema: 'fresh' })).close();
    assert.deepEqual(
      (await postgresShape(database.url, 'old')).ddl,
      (await postgresShape(database.url, 'fresh')).ddl,
    );
  });
});
