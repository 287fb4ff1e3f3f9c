// The embedded engine: DuckDB over local CloudTrail files, presented as the Athena table so the SQL sent to Athena runs here unchanged.

import { open } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { listPath } from '../../ingest/index.ts';
import { ExternalError, UsageError } from '../../model/index.ts';
import type { InputIssue } from '../../model/index.ts';
import { NO_PARTITIONS } from '../compile.ts';
import type { Partitions, TableLayout } from '../compile.ts';
import type { HuntEngine, QueryResult } from '../engine.ts';
import type { HuntRow } from '../rows.ts';
import { CLOUDTRAIL_COLUMNS, duckdbExpression, duckdbReadType, quoteIdentifier } from '../schema.ts';

/** The view's schema and name: hunts over local files query `"mfaguard"."cloudtrail"` as they would the Athena table. */
export const DUCKDB_DATABASE = 'mfaguard';
export const DUCKDB_TABLE = 'cloudtrail';
const VIEW = `${quoteIdentifier(DUCKDB_DATABASE)}.${quoteIdentifier(DUCKDB_TABLE)}`;

/** `AWSLogs/[o-org/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/file`: the layout a trail writes and partition projection reads. */
const DELIVERY_PATH =
  /\/AWSLogs\/(?:o-[a-z0-9]+\/)?\d{12}\/CloudTrail\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/[^/]+$/;

/** A delivery file holds one JSON object; DuckDB's default cap (16 MB) is below what a busy trail writes. */
const MAX_OBJECT_BYTES = 1024 * 1024 * 1024;

export interface DuckdbEngineOptions {
  readonly paths: readonly string[];
}

export async function openDuckdbEngine(options: DuckdbEngineOptions): Promise<HuntEngine> {
  const files: string[] = [];
  const issues: InputIssue[] = [];
  let bytes = 0;
  for (const path of options.paths) {
    if (path === '-' || path.startsWith('s3://')) {
      throw new UsageError(
        `hunt --engine duckdb reads local files; for ${path.slice(0, 80)} use --engine athena over the trail's bucket, or \`mfaguard scan\``,
      );
    }
    for await (const item of listPath(path)) {
      if (item.kind === 'issue') issues.push(item.issue);
      else {
        const problem = await sniffDeliveryFile(item.entry.location);
        if (problem === null) {
          files.push(item.entry.location);
          bytes += item.entry.size ?? 0;
        } else issues.push(problem);
      }
    }
  }
  // Partition columns exist only when every file sits where a trail delivers it: a NULL partition would drop rows.
  const partitions: Partitions =
    files.length > 0 && files.every((file) => DELIVERY_PATH.test(file.replaceAll('\\', '/')))
      ? { account: 'account', region: 'region', date: 'timestamp' }
      : NO_PARTITIONS;
  const layout: TableLayout = {
    dialect: 'athena',
    from: VIEW,
    columns: new Set(CLOUDTRAIL_COLUMNS.map((c) => c.name)),
    partitions,
  };
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  try {
    // Trino's json_format(JSON) is DuckDB's cast to text: the one function the Athena SQL uses that DuckDB lacks.
    await connection.run('CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)');
    await connection.run(`CREATE SCHEMA ${quoteIdentifier(DUCKDB_DATABASE)}`);
    if (files.length > 0) await connection.run(viewSql(files, partitions));
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw duckdbError(error);
  }
  return {
    name: 'duckdb',
    layout,
    issues,
    inputs: { files: files.length, bytes },
    run: async (sql) => (files.length === 0 ? { rows: [], statistics: NO_STATS } : runQuery(connection, sql)),
    close: () => {
      connection.closeSync();
      instance.closeSync();
      return Promise.resolve();
    },
  };
}

const NO_STATS = { bytesScanned: null, queryId: null } as const;

/** Enough of a file to see how it starts, even gzipped. */
const SNIFF_BYTES = 4096;

/**
 * DuckDB reads delivery files (`{"Records":[...]}`, gzipped or not) only; any other JSON would come back as no
 * records without a word. So each file's first bytes are checked, and what is not a delivery file is named.
 */
async function sniffDeliveryFile(path: string): Promise<InputIssue | null> {
  let head: Buffer;
  try {
    const handle = await open(path);
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
    if (head[0] === 0x1f && head[1] === 0x8b)
      head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (error) {
    return {
      level: 'error',
      code: 'unreadable-file',
      location: path,
      message: `cannot read the file: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const text = head.toString('utf8');
  if (/^\s*\{\s*"Records"\s*:\s*\[/.test(text)) return null;
  const shown = JSON.stringify(text.slice(0, 40));
  // CloudTrail in another shape (an array, JSON Lines, an export) would be lost: that is an error. Anything else
  // is not CloudTrail at all and is skipped with a note, as scan skips it.
  if (/"event(Name|Source|Time|Version)"\s*:/.test(text)) {
    return {
      level: 'error',
      code: 'not-a-delivery-file',
      location: path,
      message: `CloudTrail records, but not in a delivery file {"Records":[...]}; found ${shown}…`,
      hint: 'hunt --engine duckdb reads the files a trail delivers; `mfaguard scan` also reads arrays, JSON Lines and exports',
    };
  }
  return {
    level: 'note',
    code: 'not-cloudtrail',
    location: path,
    message: `not CloudTrail (${shown}…): skipped`,
  };
}

async function runQuery(connection: DuckDBConnection, sql: string): Promise<QueryResult> {
  try {
    const reader = await connection.runAndReadAll(sql);
    const rows: HuntRow[] = reader.getRowObjectsJson().map((row) => {
      const out: Record<string, string | null> = {};
      for (const [key, value] of Object.entries(row))
        out[key] = value === null ? null : typeof value === 'object' ? JSON.stringify(value) : String(value);
      return out;
    });
    return { rows, statistics: NO_STATS };
  } catch (error) {
    throw duckdbError(error);
  }
}

/**
 * The view: each delivery file's `Records` unnested, renamed to the Athena columns with their types, the partition
 * columns read from the path, and `$path` as Athena's pseudo-column names the file.
 */
function viewSql(files: readonly string[], partitions: Partitions): string {
  const read = CLOUDTRAIL_COLUMNS.map((c) => `${quoteIdentifier(c.key)} ${duckdbReadType(c.type)}`).join(
    ', ',
  );
  // unnest to the depth of the record's own keys: DuckDB 1.5 fails planning struct paths into `unnest(...) AS r`.
  const source =
    `(SELECT unnest(Records, max_depth := 2), filename FROM read_json([${files.map(sqlString).join(', ')}], ` +
    `columns = {'Records': ${sqlString(`STRUCT(${read})[]`)}}, format = 'auto', filename = true, ` +
    `maximum_object_size = ${MAX_OBJECT_BYTES}))`;
  const columns = CLOUDTRAIL_COLUMNS.map(
    (c) => `${duckdbExpression(c.type, quoteIdentifier(c.key))} AS ${c.name}`,
  );
  const fromPath = (pattern: string): string => `regexp_extract(filename, ${sqlString(pattern)}, 1)`;
  const partitionColumns =
    partitions.date === null
      ? []
      : [
          `${fromPath('/AWSLogs/(?:o-[a-z0-9]+/)?(\\d{12})/CloudTrail/')} AS account`,
          `${fromPath('/CloudTrail/([a-z0-9-]+)/\\d{4}/')} AS region`,
          `${fromPath('/CloudTrail/[a-z0-9-]+/(\\d{4}/\\d{2}/\\d{2})/')} AS "timestamp"`,
        ];
  return `CREATE VIEW ${VIEW} AS SELECT ${[...columns, ...partitionColumns, 'filename AS "$path"'].join(', ')} FROM ${source}`;
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function duckdbError(error: unknown): ExternalError {
  const message = error instanceof Error ? error.message : String(error);
  // DuckDB appends its own stack trace to internal errors; the user needs the first lines only.
  const reason = message.split('\n\nStack Trace')[0]!.trim();
  return new ExternalError('duckdb', `the query failed: ${reason}`, { cause: error });
}
