// The CPU-bound heart of a scan: one chunk of bytes in, alerts and issues out. Runs in worker threads or inline.

import type { ByteNeedles, Chunk, DecodeOptions, InputFormat, LocalFile } from '../ingest/index.ts';
import { decodeChunk, normalizeRecord, principalHashOf, readLocalChunk } from '../ingest/index.ts';
import type { Engine } from '../detect/index.ts';
import { actorKey, BaselineBuilder } from '../enrich/index.ts';
import type { BaselineTransfer } from '../enrich/index.ts';
import type { CloudTrailEvent, InputIssue } from '../model/index.ts';
import { detectEvent } from './pipeline.ts';
import { isRelevantEvent } from './relevant-events.ts';
import { packSlice } from './kept-slice.ts';
import { alertLinesOf, encodeAlert } from './alert-line.ts';
import type { PackedSlice } from './kept-slice.ts';
import { eventPasses, judgeLocation } from './scan-filter.ts';
import type { ScanFilter } from './scan-filter.ts';

export interface ChunkResult {
  readonly location: string;
  readonly format: string;
  /** Records decoded (good or bad). */
  readonly records: number;
  /** Records that normalised into events. */
  readonly events: number;
  /** Uncompressed bytes. */
  readonly bytes: number;
  /**
   * Alerts on events of the kept slice, encoded (see `encodeAlert`), a line each in one UTF-8 block (`alertLinesOf`):
   * triage may still change them (a removal, a member of its incident).
   */
  readonly alerts: Uint8Array;
  /** Alerts on events outside the kept slice, likewise: no triage changes them, so they are final as they come. */
  readonly finalAlerts: Uint8Array;
  /** Events kept for aggregate rules, by rule id (they decide over the whole scan). */
  readonly candidates: Record<string, CloudTrailEvent[]>;
  readonly issues: InputIssue[];
  /** Events in the kept slice (the MFA-relevant names, see `isRelevantEvent`), packed: what correlation reads. */
  readonly slice: PackedSlice | null;
  /**
   * The callers (`actorKey`, principal id) of every kept event: correlation reads only the slice around removals,
   * but every principal id a judged caller used is a needle for the baseline's second pass.
   */
  readonly callers: [string, string][];
  readonly skipped: string | null;
  /** Addresses and clients per actor over the kept slice, for the familiarity baseline; flat, as it crosses from worker threads. */
  readonly baseline: BaselineTransfer;
  /** The callers in the chunk as `principalHash` values: the baseline's second pass reads only files holding its callers. */
  readonly principals: number[];
  /** Oldest and newest event time in the chunk (epoch ms); null when it held no events. */
  readonly firstEventMs: number | null;
  readonly lastEventMs: number | null;
}

/** What a scan hands to the main thread or a worker: bytes already read, or a local file to read there. */
export type ScanInput = { readonly chunk: Chunk } | { readonly file: LocalFile };

/** One input's result, or the issue saying why its file could not be read. */
export type ScanOutcome = { readonly result: ChunkResult } | { readonly unreadable: InputIssue };

export function processInput(input: ScanInput, engine: Engine, reading: ChunkReading): ScanOutcome {
  const read = 'chunk' in input ? input : readLocalChunk(input.file);
  return 'issue' in read ? { unreadable: read.issue } : { result: processChunk(read.chunk, engine, reading) };
}

/** A baseline's second pass over one input; a file that has become unreadable since the first pass adds nothing. */
export function processBaselineInput(input: ScanInput, target: BaselineTarget): BaselineTransfer {
  const read = 'chunk' in input ? input : readLocalChunk(input.file);
  return 'issue' in read ? new BaselineBuilder().encode() : processBaselineChunk(read.chunk, target);
}

/** How a chunk is read: with the byte prefilter's needles, or every record parsed (`--strict`, unpinned rules). */
export interface ChunkReading {
  readonly prefilter?: ByteNeedles;
  /** --since/--until/--account/--region: records outside are passed over as if absent. */
  readonly filter?: ScanFilter;
  /** --input-format: the shape every input is in; absent, each chunk's is detected. */
  readonly inputFormat?: InputFormat;
  /** With the prefilter: the kept slice's names no rule reads, whose records may wait unparsed (see `KeptSlice`). */
  readonly deferredNames?: ReadonlySet<string>;
}

/** The decoder's options for a chunk: the named input format, and the prefilter (see `prefilterOptions`). */
function decodeOptions(chunk: Chunk, reading: ChunkReading): DecodeOptions {
  const prefilter = prefilterOptions(chunk, reading);
  return reading.inputFormat === undefined ? prefilter : { ...prefilter, inputFormat: reading.inputFormat };
}

const STDIN = 'stdin';

/** The prefilter unless an account or region must be read from each record. */
function prefilterOptions(chunk: Chunk, reading: ChunkReading): DecodeOptions {
  const filter = reading.filter;
  if (reading.prefilter === undefined) return {};
  if (filter === undefined)
    return {
      prefilter: reading.prefilter,
      // Records left unparsed reach the baseline only through the second pass, which cannot read stdin again.
      ...(reading.deferredNames === undefined || chunk.location === STDIN
        ? {}
        : { deferredNames: reading.deferredNames }),
    };
  const placeNeeded = filter.accounts !== undefined || filter.regions !== undefined;
  if (placeNeeded && !judgeLocation(chunk.location, filter).placeKnown) return {};
  return {
    prefilter: reading.prefilter,
    window: {
      ...(filter.sinceMs === undefined ? {} : { fromMs: filter.sinceMs }),
      ...(filter.untilMs === undefined ? {} : { toMs: filter.untilMs }),
    },
  };
}

export function processChunk(chunk: Chunk, engine: Engine, reading: ChunkReading = {}): ChunkResult {
  const decoded = decodeChunk(chunk, decodeOptions(chunk, reading));
  const filter = reading.filter;
  const issues: InputIssue[] = [...decoded.issues];
  const alerts: string[] = [];
  const finalAlerts: string[] = [];
  const callers = new Map<string, [string, string]>();
  const candidates: Record<string, CloudTrailEvent[]> = {};
  const relevant: CloudTrailEvent[] = [];
  const baseline = new BaselineBuilder();
  let firstEventMs: number | null = null;
  let lastEventMs: number | null = null;
  let events = 0;
  const principals = new Set<number>(decoded.prefiltered?.principals ?? []);
  for (const { record, index } of decoded.records) {
    const normalized = normalizeRecord(record, { location: chunk.location, index });
    if (!normalized.ok) {
      issues.push(normalized.issue);
      continue;
    }
    if (filter !== undefined && !eventPasses(normalized.event, filter)) continue;
    events++;
    const principalId = normalized.event.actor.principalId;
    if (principalId !== null && decoded.prefiltered === undefined)
      principals.add(principalHashOf(principalId));
    const timeMs = normalized.event.timeMs;
    if (firstEventMs === null || timeMs < firstEventMs) firstEventMs = timeMs;
    if (lastEventMs === null || timeMs > lastEventMs) lastEventMs = timeMs;
    const event = normalized.event;
    const detection = detectEvent(engine, event);
    const correlated = isRelevantEvent(event);
    // Triage changes only alerts on the events correlation reads (removals and their incidents' members).
    // Encoded here, on the worker thread: the main thread then takes one string per alert and keeps it as it is.
    for (const alert of detection.alerts) (correlated ? alerts : finalAlerts).push(encodeAlert(alert));
    for (const rule of detection.aggregateRules) (candidates[rule.meta.id] ??= []).push(event);
    issues.push(...detection.issues);
    if (detection.keep) baseline.observe(event);
    if (correlated) {
      // Correlation reads the typed fields; only a removal keeps its raw record (for its investigation block).
      // Dropping the rest keeps the scan's memory to the typed slice, and the worker-to-main copies small.
      relevant.push(event.name === 'DeactivateMFADevice' ? event : { ...event, raw: {} });
    }
    // A rule that fires on every record (say, every role session) must not grow the slice with the archive: of the
    // events kept outside it only their callers remain.
    if (detection.keep && principalId !== null) {
      const key = actorKey(event);
      if (key !== null) callers.set(`${key}\u0000${principalId}`, [key, principalId]);
    }
  }
  // Records the prefilter left unparsed still count, and their times still bound what the scan covers.
  const summary = decoded.prefiltered;
  if (summary !== undefined) {
    events = summary.count - (decoded.records.length - events);
    if (summary.firstMs !== null && (firstEventMs === null || summary.firstMs < firstEventMs))
      firstEventMs = summary.firstMs;
    if (summary.lastMs !== null && (lastEventMs === null || summary.lastMs > lastEventMs))
      lastEventMs = summary.lastMs;
  }
  return {
    location: chunk.location,
    format: decoded.format,
    records: summary?.count ?? decoded.records.length,
    events,
    bytes: decoded.bytes,
    alerts: alertLinesOf(alerts),
    finalAlerts: alertLinesOf(finalAlerts),
    candidates,
    issues,
    slice: packSlice(relevant, decoded.deferred, chunk.location),
    callers: [...callers.values()],
    skipped: decoded.skipped ?? null,
    baseline: baseline.encode(),
    principals: [...principals],
    firstEventMs,
    lastEventMs,
  };
}

/** The callers a baseline's second pass looks for: their keys (see `actorKey`) and their principal ids as needles. */
export interface BaselineTarget {
  readonly actors: readonly string[];
  readonly principalIds: readonly string[];
  /** Parse every record (some caller has no principal id to search for). */
  readonly full: boolean;
}

const NOTHING: ReadonlySet<string> = new Set();

/**
 * A baseline's second pass over one chunk: every event of the target callers, whatever its name, observed for the
 * familiarity baseline. Issues are not returned: the first pass reported them already.
 */
export function processBaselineChunk(chunk: Chunk, target: BaselineTarget): BaselineTransfer {
  const decoded = decodeChunk(
    chunk,
    target.full
      ? {}
      : {
          prefilter: {
            eventNames: NOTHING,
            eventSources: NOTHING,
            principalIds: new Set(target.principalIds),
          },
        },
  );
  const actors = new Set(target.actors);
  const baseline = new BaselineBuilder();
  for (const { record, index } of decoded.records) {
    const normalized = normalizeRecord(record, { location: chunk.location, index });
    if (!normalized.ok) continue;
    const key = actorKey(normalized.event);
    if (key !== null && actors.has(key)) baseline.observe(normalized.event);
  }
  return baseline.encode();
}
