// `scan` as a function: sources -> decode -> normalize -> detect -> dedupe, over files, folders, stdin or S3.

import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Baseline, BaselineBuilder, DEFAULT_TRIAGE_CONFIG } from '../enrich/index.ts';
import type { TriageConfig } from '../enrich/index.ts';
import type { InputFormat, InputItem } from '../ingest/index.ts';
import { readInputs } from '../ingest/index.ts';
import type { Alert, CloudTrailEvent, InputIssue, RuleLoadResult } from '../model/index.ts';
import { severityRank } from '../model/index.ts';
import type { ChunkResult, ScanInput, ScanOutcome } from './process-chunk.ts';
import { aggregateAlerts, triageRun } from './pipeline.ts';
import { planBaselinePass } from './baseline-pass.ts';
import { isFilterActive, judgeLocation, judgePrefix } from './scan-filter.ts';
import type { ScanFilter } from './scan-filter.ts';
import type { FileSpan } from './baseline-pass.ts';
import { processBaselineInput, processInput } from './process-chunk.ts';
import { loadRuleSet } from './rule-set.ts';
import { StringSharer } from './shared-strings.ts';
import { WorkerPool } from './worker-pool.ts';

export interface ScanOptions {
  readonly inputs: readonly string[];
  readonly rulePaths?: readonly string[];
  readonly builtinRules?: boolean;
  /** Worker threads; 0 runs everything on the main thread; default: one per core once the input is big enough to pay. */
  readonly workers?: number;
  readonly stdin?: Readable;
  readonly s3Client?: S3Client;
  readonly profile?: string;
  readonly region?: string;
  /** Files read ahead at once. */
  readonly concurrency?: number;
  readonly onProgress?: (progress: ScanProgress) => void;
  /** Called as each input problem is found, so a terminal can show it at once. */
  readonly onIssue?: (issue: InputIssue) => void;
  /** Monotonic milliseconds, for the elapsed time; injected so tests can fix it. */
  readonly clock?: () => number;
  readonly signal?: AbortSignal;
  /** Parse and validate every record instead of only those the loaded rules and correlation can need. */
  readonly strict?: boolean;
  /** --since/--until/--account/--region: files outside are not read (when their path tells), records are skipped. */
  readonly filter?: ScanFilter;
  /** Every input is in this shape (`--input-format`); absent: each file's shape is detected. */
  readonly inputFormat?: InputFormat;
  /** Triage configuration; `false` leaves alerts as the rules made them. Default: the built-in defaults. */
  readonly triage?: TriageConfig | false;
}

export interface ScanProgress {
  readonly filesDone: number;
  readonly filesTotal: number | null;
  readonly bytesTotal: number | null;
  readonly events: number;
  /** Uncompressed bytes processed. */
  readonly bytes: number;
  /** Bytes as read (compressed) — comparable with bytesTotal. */
  readonly bytesRead: number;
}

export interface ScanStats {
  readonly files: number;
  readonly skippedFiles: number;
  readonly records: number;
  readonly events: number;
  readonly bytes: number;
  readonly alerts: number;
  readonly alertsBySeverity: Readonly<Record<string, number>>;
  /** Alerts dropped because the same event had already alerted for the same rule (another trail delivered it). */
  readonly duplicates: number;
  /** Events in the relevant slice seen more than once (the same eventID from two trails). */
  readonly duplicateEvents: number;
  /** Inputs (files or records) that could not be read: error-level issues. */
  readonly unreadable: number;
  readonly warnings: number;
  readonly elapsedMs: number;
  /** The time span the data covers. */
  readonly firstEventTime: string | null;
  readonly lastEventTime: string | null;
  readonly workers: number;
}

export interface ScanResult {
  readonly alerts: readonly Alert[];
  /** The kept slice of the events (see `Detection.keep`), once each (by eventID), oldest first: input for correlation. */
  readonly events: readonly CloudTrailEvent[];
  readonly issues: readonly InputIssue[];
  readonly rules: readonly RuleLoadResult[];
  readonly stats: ScanStats;
}

/** Inputs smaller than this run on the main thread: starting workers costs more than it saves. */
const WORKER_THRESHOLD_BYTES = 32 * 1024 * 1024;

// eslint-disable-next-line max-lines-per-function -- split pending, issue 14 (this folder is being rewritten)
export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  const selection = {
    builtin: options.builtinRules ?? true,
    paths: options.rulePaths ?? [],
    strict: options.strict ?? false,
    ...(options.filter === undefined ? {} : { filter: options.filter }),
    ...(options.inputFormat === undefined ? {} : { inputFormat: options.inputFormat }),
  };
  const ruleSet = loadRuleSet(selection);

  const alertsById = new Map<string, Alert>();
  const candidates = new Map<string, Map<string, CloudTrailEvent>>();
  const issues: InputIssue[] = [];
  const relevant = new Map<string, CloudTrailEvent>();
  const events: CloudTrailEvent[] = [];
  const baseline = new BaselineBuilder();
  let firstEventMs: number | null = null;
  let lastEventMs: number | null = null;
  let duplicateEvents = 0;
  let duplicates = 0;
  let files = 0;
  let skippedFiles = 0;
  let records = 0;
  let eventCount = 0;
  let bytes = 0;
  let bytesRead = 0;
  let filesTotal: number | null = null;
  let bytesTotal: number | null = null;
  const seenLocations = new Set<string>();
  const spans = new Map<string, FileSpan>();
  const sharer = new StringSharer();

  const report = (issue: InputIssue): void => {
    issues.push(issue);
    options.onIssue?.(issue);
  };

  const absorb = (result: ChunkResult): void => {
    if (!seenLocations.has(result.location)) {
      seenLocations.add(result.location);
      files++;
      if (result.skipped !== null) skippedFiles++;
    }
    records += result.records;
    eventCount += result.events;
    bytes += result.bytes;
    for (const issue of result.issues) report(issue);
    for (const alert of result.alerts) {
      if (alertsById.has(alert.id)) duplicates++;
      else alertsById.set(alert.id, alert);
    }
    baseline.mergeTransfer(result.baseline);
    if (result.firstEventMs !== null && result.lastEventMs !== null) {
      const span = spans.get(result.location);
      const principals = new Set(span?.principals ?? []);
      for (const hash of result.principals) principals.add(hash);
      spans.set(result.location, {
        firstMs: Math.min(span?.firstMs ?? Infinity, result.firstEventMs),
        lastMs: Math.max(span?.lastMs ?? -Infinity, result.lastEventMs),
        principals,
      });
    }
    if (result.firstEventMs !== null && (firstEventMs === null || result.firstEventMs < firstEventMs))
      firstEventMs = result.firstEventMs;
    if (result.lastEventMs !== null && (lastEventMs === null || result.lastEventMs > lastEventMs))
      lastEventMs = result.lastEventMs;
    for (const event of result.relevant) {
      if (relevant.has(event.id)) duplicateEvents++;
      // Equal strings swapped for one shared copy: nothing a reader can tell, only memory.
      else relevant.set(event.id, sharer.share(event));
    }
    for (const [ruleId, ruleEvents] of Object.entries(result.candidates)) {
      let byEvent = candidates.get(ruleId);
      if (byEvent === undefined) candidates.set(ruleId, (byEvent = new Map<string, CloudTrailEvent>()));
      for (const event of ruleEvents) byEvent.set(event.id, event);
    }
    options.onProgress?.({ filesDone: files, filesTotal, bytesTotal, events: eventCount, bytes, bytesRead });
  };

  // A holder, not a `let`: the pool is created inside a closure, which control-flow analysis cannot follow.
  const workers: { pool: WorkerPool | null } = { pool: null };
  const wantedWorkers = options.workers ?? Math.max(1, availableParallelism());
  // The bytes handed out so far count too: the listing of a big tree ends late (a stat per file), and waiting for its
  // total left the first part of every big scan, often most of it, on the main thread alone.
  const usePool = (): boolean =>
    wantedWorkers > 0 &&
    (options.workers !== undefined || Math.max(bytesTotal ?? 0, bytesRead) >= WORKER_THRESHOLD_BYTES);

  const limit = Math.max(2, wantedWorkers * 2);
  const process = async (input: ScanInput): Promise<void> => {
    bytesRead += 'chunk' in input ? input.chunk.data.byteLength : input.file.size;
    if (workers.pool === null && usePool()) workers.pool = new WorkerPool(wantedWorkers, selection);
    const outcome: ScanOutcome =
      workers.pool === null
        ? processInput(input, ruleSet.engine, ruleSet.reading)
        : await workers.pool.run(input);
    if ('result' in outcome) absorb(outcome.result);
    else report(outcome.unreadable);
  };
  const readOptions = {
    // Local files are read where they are decoded: on a worker thread, the main thread only hands out their names.
    deferLocalReads: true,
    ...(options.s3Client === undefined ? {} : { s3Client: options.s3Client }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };

  try {
    const filter = options.filter;
    const source = readInputs(options.inputs, {
      ...readOptions,
      ...(isFilterActive(filter)
        ? {
            select: (location: string) => !judgeLocation(location, filter).skip,
            narrowS3: (prefix: string) => judgePrefix(prefix, filter),
          }
        : {}),
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    });
    await eachChunk(source, limit, process, (item) => {
      if (item.kind === 'discovered') {
        filesTotal = item.files;
        bytesTotal = item.bytes;
      } else report(item.issue);
    });

    for (const rule of ruleSet.rules) {
      if (rule.kind !== 'aggregate') continue;
      const ruleEvents = candidates.get(rule.meta.id);
      if (ruleEvents === undefined) continue;
      for (const alert of aggregateAlerts(rule, [...ruleEvents.values()]))
        if (!alertsById.has(alert.id)) alertsById.set(alert.id, alert);
    }
    // A loop, not push(...spread): a big kept slice would overflow the call stack.
    for (const event of relevant.values()) events.push(event);
    events.sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

    // The second pass: every event of the callers triage judges, over their look-back (standard input cannot be
    // read twice, so what it held counts only through the kept slice).
    spans.delete('stdin');
    const plan =
      options.triage === false
        ? null
        : planBaselinePass(events, options.triage ?? DEFAULT_TRIAGE_CONFIG, lastEventMs ?? 0, spans);
    if (plan !== null && plan.files.length > 0) {
      const target = plan.target;
      await eachChunk(
        readInputs(plan.files, readOptions),
        limit,
        async (input) => {
          baseline.mergeTransfer(
            workers.pool === null
              ? processBaselineInput(input, target)
              : await workers.pool.runBaseline(input, target),
          );
        },
        (item) => {
          if (item.kind === 'issue') report(item.issue);
        },
      );
    }
  } finally {
    if (workers.pool !== null) await workers.pool.close();
  }

  const detected = [...alertsById.values()];
  const triaged =
    options.triage === false
      ? detected
      : triageRun({
          alerts: detected,
          events,
          baseline: new Baseline(baseline.data),
          config: options.triage ?? DEFAULT_TRIAGE_CONFIG,
          coverageEndMs: lastEventMs ?? 0,
        });
  const alerts = triaged.sort(compareAlerts);
  const alertsBySeverity: Record<string, number> = {};
  for (const alert of alerts) alertsBySeverity[alert.severity] = (alertsBySeverity[alert.severity] ?? 0) + 1;
  return {
    alerts,
    events,
    issues,
    rules: ruleSet.results,
    stats: {
      files,
      skippedFiles,
      records,
      events: eventCount,
      bytes,
      alerts: alerts.length,
      alertsBySeverity,
      duplicates,
      duplicateEvents,
      unreadable: issues.filter((issue) => issue.level === 'error').length,
      warnings: issues.filter((issue) => issue.level === 'warning').length,
      elapsedMs: clock() - started,
      firstEventTime: firstEventMs === null ? null : new Date(firstEventMs).toISOString(),
      lastEventTime: lastEventMs === null ? null : new Date(lastEventMs).toISOString(),
      workers: workers.pool === null ? 0 : wantedWorkers,
    },
  };
}

/** Oldest first; ties broken so that the order never depends on which worker finished first. */
export function compareAlerts(a: Alert, b: Alert): number {
  if (a.event.time !== b.event.time) return a.event.time < b.event.time ? -1 : 1;
  const bySeverity = severityRank(b.severity) - severityRank(a.severity);
  if (bySeverity !== 0) return bySeverity;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Feeds every chunk or file of `source` to `handle`, at most `limit` at once; anything else goes to `other`. */
async function eachChunk(
  source: AsyncIterable<InputItem>,
  limit: number,
  handle: (input: ScanInput) => Promise<void>,
  other: (item: Exclude<InputItem, { kind: 'chunk' | 'file' }>) => void,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for await (const item of source) {
    if (item.kind !== 'chunk' && item.kind !== 'file') {
      other(item);
      continue;
    }
    const task = handle(item.kind === 'chunk' ? { chunk: item.chunk } : { file: item.file }).finally(() =>
      inFlight.delete(task),
    );
    inFlight.add(task);
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}
