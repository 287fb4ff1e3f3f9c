// Statements per ingested event, by kind (an ignored event, a kept one, a removal), on SQLite or PostgreSQL: each
// single-event ingestion runs in-process, one after another, and every statement the store's driver sends is counted
// (on PostgreSQL each one is a round trip). A figure that does not move with the machine's load, to compare builds.
//
// With --concurrency n, n requests arrive in each turn of the event loop (each from its own callback, as requests
// read from n sockets do), so that writes can be grouped.
//
//   node --import tsx bench/store-statements.ts [--events 200] [--store sqlite|postgres] [--concurrency 1]

import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../src/store/index.ts';
import { createThrowawayDatabase } from '../src/store/test-support/postgres.ts';
import { makeService, ORIGIN, tempSqlite } from '../src/app/live/test-support/live.ts';
import { eventBody } from './serve-harness.ts';
import type { EventKind } from './serve-harness.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200' },
    store: { type: 'string', default: 'sqlite' },
    concurrency: { type: 'string', default: '1' },
  },
});

let statements = 0;
const counted: string[] = [];
/** Time inside SQLite per statement text (SQLite only, with MFAGUARD_BENCH_SHOW): its statements run synchronously. */
const spent = new Map<string, number>();
// Counted where each driver hands a statement over: pg's Client.query, better-sqlite3's Statement run/all/get.
// eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with the client as `this` below
const clientQuery = pg.Client.prototype.query as (...a: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
  statements++;
  if (process.env['MFAGUARD_BENCH_SHOW'] !== undefined)
    counted.push(String((a[0] as { text?: string }).text ?? a[0]));
  return clientQuery.apply(this, a);
} as typeof pg.Client.prototype.query;
const statementProto = (Database.prototype as unknown as { prepare: (sql: string) => object }).prepare;
(Database.prototype as unknown as { prepare: (sql: string) => object }).prepare = function (
  this: unknown,
  sql: string,
) {
  const statement = statementProto.call(this, sql) as Record<string, (...a: unknown[]) => unknown>;
  for (const method of ['run', 'all', 'get'] as const) {
    const original = statement[method]!.bind(statement);
    statement[method] = (...a: unknown[]) => {
      statements++;
      if (process.env['MFAGUARD_BENCH_SHOW'] === undefined) return original(...a);
      counted.push(sql);
      const started = performance.now();
      try {
        return original(...a);
      } finally {
        spent.set(sql.slice(0, 140), (spent.get(sql.slice(0, 140)) ?? 0) + performance.now() - started);
      }
    };
  }
  return statement;
};

const events = Number(args.events);
const pgDb = args.store === 'postgres' ? await createThrowawayDatabase('mfaguard_bench') : null;
const sqlite = pgDb === null ? tempSqlite() : null;
const store = pgDb === null ? await sqlite!.open() : await openStore(pgDb.url);
try {
  const service = makeService(store, Date.now);
  for (const kind of ['noise', 'kept', 'removal'] as EventKind[]) {
    for (let i = 0; i < 20; i++)
      await service.ingestRecords([JSON.parse(eventBody(kind, 900_000 + i, Date.now() - 60_000))], ORIGIN);
    counted.length = 0;
    spent.clear();
    const before = statements;
    const concurrency = Number(args.concurrency);
    for (let i = 0; i < events; i += concurrency) {
      const posts = await new Promise<Promise<unknown>[]>((resolve) => {
        const queued: Promise<unknown>[] = [];
        for (let j = i; j < Math.min(events, i + concurrency); j++) {
          const record: unknown = JSON.parse(eventBody(kind, j, Date.now() - 60_000));
          setImmediate(() => queued.push(service.ingestRecords([record], ORIGIN)));
        }
        setImmediate(() => resolve(queued));
      });
      await Promise.all(posts);
    }
    console.log(
      `${args.store} ${kind}, concurrency ${args.concurrency}: ${((statements - before) / events).toFixed(2)} statements per event`,
    );
    if (process.env['MFAGUARD_BENCH_SHOW'] !== undefined) {
      const per = new Map<string, number>();
      for (const sql of counted) per.set(sql.slice(0, 140), (per.get(sql.slice(0, 140)) ?? 0) + 1);
      for (const [sql, n] of [...per].sort((a, b) => b[1] - a[1])) {
        const ms = spent.get(sql);
        const time = ms === undefined ? '' : `${((ms / events) * 1000).toFixed(0).padStart(6)} µs  `;
        console.log(`  ${(n / events).toFixed(2)}  ${time}${sql}`);
      }
    }
  }
} finally {
  await store.close();
  sqlite?.cleanup();
  await pgDb?.drop();
}
