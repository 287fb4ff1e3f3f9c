// Opening a store from its URL (`sqlite:PATH`, `postgres://...`), and where the embedded default lives.

import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../model/index.ts';
import type { OpenStoreOptions, Store } from './store.ts';

const ACCEPTED =
  'sqlite:PATH (relative or absolute), sqlite::memory:, or postgres://user:password@host:5432/database (also postgresql://)';

/** The URL with its password replaced, for messages and logs (any scheme: a mistyped one may carry one too). */
export function redactStoreUrl(url: string): string {
  if (!url.includes('://')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    // Not parseable as a URL: keep only the scheme rather than risk printing a password.
    return `${url.slice(0, url.indexOf('://') + 3)}(unparseable URL)`;
  }
}

export type StoreLocation =
  { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string };

/** Parses a store URL; relative SQLite paths resolve against `cwd`. UsageError for anything else. */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  if (typeof url === 'string' && url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length);
    if (rest === ':memory:') return { kind: 'sqlite', path: ':memory:' };
    // sqlite:///abs/path is accepted too, as other tools write it.
    const path = rest.startsWith('///') ? rest.slice(2) : rest;
    if (path.length === 0) throw storeUrlError(url, 'the SQLite path is empty');
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (typeof url === 'string' && /^postgres(ql)?:\/\//i.test(url)) {
    try {
      new URL(url);
    } catch {
      throw storeUrlError(url, 'not a valid URL');
    }
    return { kind: 'postgres', url };
  }
  throw storeUrlError(String(url), 'unsupported store URL');
}

function storeUrlError(url: string, why: string): UsageError {
  const shown = redactStoreUrl(url).slice(0, 120);
  return new UsageError(`${why}: ${JSON.stringify(shown)}; use ${ACCEPTED}`, [
    {
      level: 'error',
      code: 'store-url',
      location: '--store',
      message: `${why}: ${JSON.stringify(shown)}`,
      hint: `use ${ACCEPTED}`,
    },
  ]);
}

/** Opens the store and brings its schema up to date (idempotent, safe when several processes start at once). */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(url);
  const shown = redactStoreUrl(url);
  // Loaded when a store is opened: the drivers and the query builder (kysely, pg, better-sqlite3: some 300 modules,
  // half a CPU second) would otherwise load with every command that merely shares a module with this one (`scan`).
  if (location.kind === 'sqlite') {
    const { openSqliteStore } = await import('./sqlite/sqlite-store.ts');
    return openSqliteStore(location.path, shown, options);
  }
  const { openPostgresStore } = await import('./postgres/postgres-store.ts');
  return openPostgresStore(location.url, shown, options);
}

/**
 * Where `serve` keeps its embedded database when no --store is given: `$XDG_DATA_HOME/mfaguard/mfaguard.db`,
 * else `~/.local/share/mfaguard/mfaguard.db` (the XDG default). Creates the folder.
 */
export function defaultStorePath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const xdg = env['XDG_DATA_HOME'];
  // The XDG spec says relative values are invalid and must be ignored.
  const base =
    xdg !== undefined && xdg !== '' && isAbsolute(xdg)
      ? xdg
      : join(env['HOME'] ?? homedir(), '.local', 'share');
  const folder = join(base, 'mfaguard');
  mkdirSync(folder, { recursive: true });
  return join(folder, 'mfaguard.db');
}
