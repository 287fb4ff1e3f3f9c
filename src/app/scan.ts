// `scan` as a function: sources -> decode -> normalize -> detect -> dedupe, over files, folders, stdin or S3.

import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Baseline, BaselineBuilder, DEFAULT_TRIAGE_CONFIG } from '../enrich/index.ts';
import type { TriageConfig } from '../enrich/index.ts';
import type { InputFormat, InputItem } from '../ingest/index.ts';
import { readInputs } from '../ingest/index.ts';
import type { Alert, CloudTrailEvent, InputIssue, RuleLoadResult } from '../model/index.ts';
import type { PendingAlert } from '../report/index.ts';
import { alertRule } from '../detect/index.ts';
import { RuleBlocks, alertOfEntry, compareEntries, entryOfAlert, pendingOfEntry } from './alert-line.ts';
import type { AlertEntry, AlertRules } from './alert-line.ts';
import { AlertSpill, Arrivals, arraySource, mergeEntries } from './alert-spill.ts';
import type { ChunkResult, ScanInput, ScanOutcome } from './process-chunk.ts';
import { aggregateAlerts, triageRun } from './pipeline.ts';
import { mergePrincipals, planBaselinePass } from './baseline-pass.ts';
import { isFilterActive, judgeLocation, judgePrefix } from './scan-filter.ts';
import type { ScanFilter } from './scan-filter.ts';
import type { FileSpan } from './baseline-pass.ts';
import { processBaselineInput, processInput } from './process-chunk.ts';
import { loadRuleSet } from './rule-set.ts';
import type { LoadedRuleSet, RuleSelection } from './rule-set.ts';
import { KeptSlice } from './kept-slice.ts';
import { FILES_PER_TASK, TASKS_AHEAD_PER_WORKER, WorkerPool } from './worker-pool.ts';

export interface ScanOptions {
  readonly inputs: readonly string[];
  readonly rulePaths?: readonly string[];
  readonly builtinRules?: boolean;
  /** Worker threads; 0 runs everything on the main thread; default: one per core but the main thread's (at least one), once the input is big enough to pay. */
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
  /**
   * Bytes of encoded alerts held in memory before a sorted run of them goes to a temporary file (default
   * `DEFAULT_SPILL_BYTES`, 8 MiB); the final alerts and those triage may change are held apart, each to this bound.
   */
  readonly alertSpillThreshold?: number;
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
  /** The kept slice within an incident's reach of a removal, once each (by eventID), oldest first: what correlation read. */
  readonly events: readonly CloudTrailEvent[];
  readonly issues: readonly InputIssue[];
  readonly rules: readonly RuleLoadResult[];
  readonly stats: ScanStats;
}

/**
 * Inputs smaller than this run on the main thread: starting workers costs more than it saves. A worker takes about half
 * a second to load its modules and rules, and the main thread decodes meanwhile; past this many bytes (as read,
 * compressed) it pays. At 32 MB the first sixth of a 1M-record archive (190 MB of gzip) was decoded by the main thread
 * alone, the worker not yet started.
 */
const WORKER_THRESHOLD_BYTES = 8 * 1024 * 1024;

/**
 * Worker threads when none are asked for: one per core but the main thread's. The main thread is busy during a scan
 * (it lists the files, merges every result and deflates the kept slice), so a worker on every core makes the threads
 * take turns: at 1M records on 2 cores, 2 workers cost 20.5 CPU-s and 1 worker 14.2 (no worker: 14.9), and the
 * single worker finished first (bench/scan.ts archive, measured in one sitting). Small inputs run on the main thread
 * alone whatever this says (see `WORKER_THRESHOLD_BYTES`).
 */
export function defaultWorkers(cores: number): number {
  return Math.max(1, cores - 1);
}

/** A scan whose passes are done: what it found, and its alerts still to be triaged and written. */
export interface ScannedArchive {
  /**
   * The kept slice within an incident's reach of a removal (what correlation reads), once each (by eventID), oldest
   * first.
   */
  readonly events: readonly CloudTrailEvent[];
  readonly issues: readonly InputIssue[];
  readonly rules: readonly RuleLoadResult[];
  /**
   * Triages, then hands every alert to `emit`, oldest first (waiting when it returns a promise: a full output
   * buffer), and gives the scan's figures. Call once. Alerts no triage can change were kept in sorted runs on disk
   * past a few thousand, so a rule firing on every record costs disk, not memory. Each comes as a `PendingAlert`:
   * a JSON writer takes its text, which for an alert as its rule made it is the text it crossed the threads as.
   */
  emitAlerts(emit: (alert: PendingAlert) => void | Promise<void>): Promise<ScanStats>;
  /** Removes what `emitAlerts` would have read, when the alerts are not wanted after all. */
  discard(): void;
}

/** Every alert in one array: `scanArchive` then `emitAlerts`, for callers that want the list (tests, demo, kpi). */
export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const scanned = await scanArchive(options);
  const alerts: Alert[] = [];
  const stats = await scanned.emitAlerts((pending) => {
    alerts.push(pending.alert());
  });
  return { alerts, events: scanned.events, issues: scanned.issues, rules: scanned.rules, stats };
}

/** What the passes over an archive gather, merged from each input's result. */
class ScanTally {
  /** Alerts on kept-slice events, encoded: triage may change those on the events correlation ends up reading. */
  readonly pending: AlertSpill;
  /** Alerts of the aggregate rules, by id (they are few: one per hit over the whole scan). */
  readonly aggregate = new Map<string, Alert>();
  readonly candidates = new Map<string, Map<string, CloudTrailEvent>>();
  readonly issues: InputIssue[] = [];
  readonly slice = new KeptSlice();
  /** Principal ids by caller of the events kept outside the slice (see `ChunkResult.callers`). */
  readonly otherCallers = new Map<string, Set<string>>();
  readonly baseline = new BaselineBuilder();
  readonly spans = new Map<string, FileSpan>();
  firstEventMs: number | null = null;
  lastEventMs: number | null = null;
  duplicateEvents = 0;
  files = 0;
  skippedFiles = 0;
  records = 0;
  events = 0;
  bytes = 0;
  bytesRead = 0;
  filesTotal: number | null = null;
  bytesTotal: number | null = null;
  usedWorkers = false;
  private readonly seenLocations = new Set<string>();

  /** Alerts no triage can change, encoded. */
  readonly spill: AlertSpill;

  constructor(private readonly options: ScanOptions) {
    // One arrival order for both: the first copy of an alert seen is the one written, whichever held it.
    const arrivals = new Arrivals();
    this.spill = new AlertSpill(options.alertSpillThreshold, arrivals);
    this.pending = new AlertSpill(options.alertSpillThreshold, arrivals);
  }

  report(issue: InputIssue): void {
    this.issues.push(issue);
    this.options.onIssue?.(issue);
  }

  absorb(result: ChunkResult): void {
    if (!this.seenLocations.has(result.location)) {
      this.seenLocations.add(result.location);
      this.files++;
      if (result.skipped !== null) this.skippedFiles++;
    }
    this.records += result.records;
    this.events += result.events;
    this.bytes += result.bytes;
    for (const issue of result.issues) this.report(issue);
    // Without triage nothing waits: every alert is final as it comes.
    const mayChange = this.options.triage === false ? this.spill : this.pending;
    mayChange.addLines(result.alerts);
    this.spill.addLines(result.finalAlerts);
    this.baseline.mergeTransfer(result.baseline);
    this.absorbSpan(result);
    if (result.slice !== null) this.slice.add(result.slice);
    for (const [key, principalId] of result.callers) {
      let ids = this.otherCallers.get(key);
      if (ids === undefined) this.otherCallers.set(key, (ids = new Set<string>()));
      ids.add(principalId);
    }
    for (const [ruleId, ruleEvents] of Object.entries(result.candidates)) {
      let byEvent = this.candidates.get(ruleId);
      if (byEvent === undefined) this.candidates.set(ruleId, (byEvent = new Map<string, CloudTrailEvent>()));
      for (const event of ruleEvents) byEvent.set(event.id, event);
    }
    this.options.onProgress?.({
      filesDone: this.files,
      filesTotal: this.filesTotal,
      bytesTotal: this.bytesTotal,
      events: this.events,
      bytes: this.bytes,
      bytesRead: this.bytesRead,
    });
  }

  private absorbSpan(result: ChunkResult): void {
    if (result.firstEventMs === null || result.lastEventMs === null) return;
    const span = this.spans.get(result.location);
    const principals = mergePrincipals(span?.principals, result.principals);
    this.spans.set(result.location, {
      firstMs: Math.min(span?.firstMs ?? Infinity, result.firstEventMs),
      lastMs: Math.max(span?.lastMs ?? -Infinity, result.lastEventMs),
      principals,
    });
    if (this.firstEventMs === null || result.firstEventMs < this.firstEventMs)
      this.firstEventMs = result.firstEventMs;
    if (this.lastEventMs === null || result.lastEventMs > this.lastEventMs)
      this.lastEventMs = result.lastEventMs;
  }
}

/** The passes over the archive; the alerts wait in the result for `emitAlerts`. */
export async function scanArchive(options: ScanOptions): Promise<ScannedArchive> {
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
  const tally = new ScanTally(options);
  const discard = (): void => {
    tally.spill.discard();
    tally.pending.discard();
  };
  const wantedWorkers = options.workers ?? defaultWorkers(availableParallelism());
  let events: CloudTrailEvent[];
  try {
    events = await runPasses(options, ruleSet, selection, tally, wantedWorkers);
  } catch (error) {
    discard();
    throw error;
  }
  const workers = tally.usedWorkers ? wantedWorkers : 0;
  return {
    events,
    issues: tally.issues,
    rules: ruleSet.results,
    discard,
    emitAlerts: async (emit) => {
      try {
        const blocks = new RuleBlocks(alertRulesOf(ruleSet));
        const alertsBySeverity: Record<string, number> = {};
        let alerts = 0;
        const duplicates = await emitTriaged(options, tally, events, blocks.rules, (entry) => {
          const pending = pendingOfEntry(entry, blocks);
          alerts++;
          alertsBySeverity[pending.severity] = (alertsBySeverity[pending.severity] ?? 0) + 1;
          return emit(pending);
        });
        return statsOf(tally, {
          alerts,
          alertsBySeverity,
          duplicates,
          elapsedMs: clock() - started,
          workers,
        });
      } finally {
        discard();
      }
    },
  };
}

/** The rule block of every loaded rule by id, to put back into the alerts that crossed without it. */
function alertRulesOf(ruleSet: LoadedRuleSet): AlertRules {
  return new Map(ruleSet.rules.map((rule) => [rule.meta.id, alertRule(rule.meta)]));
}

/**
 * Triage, then every alert to `emit` oldest first, each id once; returns the copies dropped. Triage changes only the
 * alerts on events correlation read (`events`: removals and their incidents' members), so only those of the waiting
 * alerts are read back whole and triaged; the others join the final ones in the merge as they are.
 */
async function emitTriaged(
  options: ScanOptions,
  tally: ScanTally,
  events: readonly CloudTrailEvent[],
  rules: AlertRules,
  emit: (entry: AlertEntry) => void | Promise<void>,
): Promise<number> {
  const read = new Set(events.map((event) => event.id));
  const correlated = (entry: AlertEntry): boolean => read.has(entry.eventId);
  const detected: Alert[] = [];
  let duplicates = await mergeEntries(tally.pending.sources(correlated), (entry) => {
    detected.push(alertOfEntry(entry, rules));
  });
  const known = new Set(detected.map((alert) => alert.id));
  for (const alert of tally.aggregate.values()) if (!known.has(alert.id)) detected.push(alert);
  const triaged =
    options.triage === false
      ? detected
      : triageRun({
          alerts: detected,
          events,
          baseline: new Baseline(tally.baseline.data),
          config: options.triage ?? DEFAULT_TRIAGE_CONFIG,
          coverageEndMs: tally.lastEventMs ?? 0,
        });
  // Triaged alerts arrive after everything held: a copy held on disk is the one written.
  const seq = { next: Number.MAX_SAFE_INTEGER - triaged.length };
  const others = triaged.map((alert) => entryOfAlert(alert, seq.next++));
  others.sort(compareEntries);
  duplicates += await mergeEntries(
    [...tally.spill.sources(), ...tally.pending.sources((entry) => !correlated(entry)), arraySource(others)],
    emit,
  );
  return duplicates;
}

function statsOf(
  tally: ScanTally,
  rest: Pick<ScanStats, 'alerts' | 'alertsBySeverity' | 'duplicates' | 'elapsedMs' | 'workers'>,
): ScanStats {
  return {
    files: tally.files,
    skippedFiles: tally.skippedFiles,
    records: tally.records,
    events: tally.events,
    bytes: tally.bytes,
    duplicateEvents: tally.duplicateEvents,
    unreadable: tally.issues.filter((issue) => issue.level === 'error').length,
    warnings: tally.issues.filter((issue) => issue.level === 'warning').length,
    firstEventTime: tally.firstEventMs === null ? null : new Date(tally.firstEventMs).toISOString(),
    lastEventTime: tally.lastEventMs === null ? null : new Date(tally.lastEventMs).toISOString(),
    ...rest,
  };
}

/**
 * Batches of files the workers hold, and chunks of bytes in flight: a chunk holds its bytes (up to 16 MiB), a batch
 * only file names, so chunks stay at two per worker.
 */
function inFlightLimit(workers: number): { batches: number; chunks: number } {
  return { batches: Math.max(2, workers * TASKS_AHEAD_PER_WORKER), chunks: Math.max(2, workers * 2) };
}

/** Pass 1 (every input), the aggregate rules, pass 2 (the baseline); returns the kept slice, oldest first. */
async function runPasses(
  options: ScanOptions,
  ruleSet: LoadedRuleSet,
  selection: RuleSelection,
  tally: ScanTally,
  wantedWorkers: number,
): Promise<CloudTrailEvent[]> {
  // A holder, not a `let`: the pool is created inside a closure, which control-flow analysis cannot follow.
  const workers: { pool: WorkerPool | null } = { pool: null };
  // The bytes handed out so far count too: the listing of a big tree ends late (a stat per file), and waiting for its
  // total left the first part of every big scan, often most of it, on the main thread alone.
  const usePool = (): boolean =>
    wantedWorkers > 0 &&
    (options.workers !== undefined ||
      Math.max(tally.bytesTotal ?? 0, tally.bytesRead) >= WORKER_THRESHOLD_BYTES);
  const limit = inFlightLimit(wantedWorkers);
  const merge = mergeInOrder(tally);
  const process = (input: ScanInput, inline: boolean): Promise<void> => {
    tally.bytesRead += 'chunk' in input ? input.chunk.data.byteLength : input.file.size;
    if (workers.pool === null && usePool()) {
      workers.pool = new WorkerPool(wantedWorkers, selection);
      tally.usedWorkers = true;
    }
    const pool = workers.pool;
    const outcome: ScanOutcome | Promise<ScanOutcome> =
      pool === null || inline ? processInput(input, ruleSet.engine, ruleSet.reading) : pool.run(input);
    return merge(outcome);
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
    await eachChunk(
      source,
      limit,
      process,
      (item) => {
        if (item.kind === 'discovered') {
          tally.filesTotal = item.files;
          tally.bytesTotal = item.bytes;
        } else tally.report(item.issue);
      },
      () => workers.pool,
    );
    addAggregateAlerts(ruleSet, tally);
    // Without triage the slice is still what correlation would read, around each removal by the default windows.
    const events = tally.slice.open(
      options.triage === false || options.triage === undefined ? DEFAULT_TRIAGE_CONFIG : options.triage,
      (issue) => tally.report(issue),
    );
    tally.duplicateEvents = tally.slice.duplicates;
    tally.slice.clear();

    // The second pass: every event of the callers triage judges, over their look-back (standard input cannot be
    // read twice, so what it held counts only through the kept slice).
    tally.spans.delete('stdin');
    const plan =
      options.triage === false
        ? null
        : planBaselinePass(
            events,
            options.triage ?? DEFAULT_TRIAGE_CONFIG,
            tally.lastEventMs ?? 0,
            tally.spans,
            tally.otherCallers,
          );
    if (plan !== null && plan.files.length > 0) {
      const target = plan.target;
      await eachChunk(
        readInputs(plan.files, readOptions),
        limit,
        async (input, inline) => {
          const pool = workers.pool;
          tally.baseline.mergeTransfer(
            pool === null || inline
              ? processBaselineInput(input, target)
              : await pool.runBaseline(input, target),
          );
        },
        (item) => {
          if (item.kind === 'issue') tally.report(item.issue);
        },
        () => workers.pool,
      );
    }
    return events;
  } finally {
    if (workers.pool !== null) await workers.pool.close();
  }
}

/**
 * Merges outcomes in the order their inputs were handed out, whichever worker finishes first: the first copy of an
 * event two trails delivered is the one kept, so the workers' timing must not choose it (with several files to a
 * task, tasks on two workers overtake each other by whole batches). What waits is bounded by the inputs in flight.
 */
function mergeInOrder(tally: ScanTally): (outcome: ScanOutcome | Promise<ScanOutcome>) => Promise<void> {
  let merged: Promise<void> = Promise.resolve();
  return (outcome) => {
    const previous = merged;
    merged = (async () => {
      const done = await outcome;
      await previous;
      if ('result' in done) tally.absorb(done.result);
      else tally.report(done.unreadable);
    })();
    return merged;
  };
}

/** The aggregate rules decide over the whole scan's candidates; their alerts wait for triage like the others. */
function addAggregateAlerts(ruleSet: LoadedRuleSet, tally: ScanTally): void {
  for (const rule of ruleSet.rules) {
    if (rule.kind !== 'aggregate') continue;
    const ruleEvents = tally.candidates.get(rule.meta.id);
    if (ruleEvents === undefined) continue;
    for (const alert of aggregateAlerts(rule, [...ruleEvents.values()]))
      if (!tally.aggregate.has(alert.id)) tally.aggregate.set(alert.id, alert);
  }
  tally.candidates.clear();
}

export { compareAlerts } from './alert-order.ts';

/** The next turn of the event loop: what the workers sent back (messages) is handled before it. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Feeds every chunk or file of `source` to `handle`, at most `limit.chunks` chunks or `limit.batches` batches of files
 * (and two more for the main thread) at once (a file name weighs a batch's share: its bytes are read where it is
 * handled); anything else goes to `other`. `pool`,
 * once there is one, is told to send what it gathered before this waits, and when the inputs run out.
 *
 * While every worker has its queue full (`WorkerPool.busy`), the main thread takes inputs itself (`inline`), one a
 * turn: it first lets a turn of the event loop pass, so results that came back are merged and the worker is fed
 * again before the main thread spends a file's time. The main thread's own work (listing, merging, the kept slice)
 * thus comes first, and its idle time goes to decoding: on two cores one worker and the main thread keep both busy
 * without a third thread that compiles the hot code again and collects its own heap.
 */
export async function eachChunk(
  source: AsyncIterable<InputItem>,
  limit: { readonly batches: number; readonly chunks: number },
  handle: (input: ScanInput, inline: boolean) => Promise<void>,
  other: (item: Exclude<InputItem, { kind: 'chunk' | 'file' }>) => void,
  pool: () => Pick<WorkerPool, 'busy' | 'flush' | 'flushIfIdle'> | null = () => null,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  // Two batches more than the workers hold: what the main thread decoded itself waits to be merged in order.
  const bound = (limit.batches + 2) * FILES_PER_TASK;
  const chunkShare = Math.ceil(bound / limit.chunks);
  let weight = 0;
  for await (const item of source) {
    if (item.kind !== 'chunk' && item.kind !== 'file') {
      other(item);
      continue;
    }
    let inline = false;
    const workers = pool();
    if (workers?.busy() === true) {
      await nextTurn();
      inline = workers.busy();
    }
    const share = item.kind === 'chunk' ? chunkShare : 1;
    weight += share;
    const task = handle(item.kind === 'chunk' ? { chunk: item.chunk } : { file: item.file }, inline).finally(
      () => {
        inFlight.delete(task);
        weight -= share;
      },
    );
    inFlight.add(task);
    if (weight >= bound) {
      pool()?.flushIfIdle();
      await Promise.race(inFlight);
    }
  }
  pool()?.flush();
  await Promise.all(inFlight);
}
