// `hunt` as a function: the rules compiled into SQL, run where the data is, and the slice that comes back triaged exactly as `scan` triages.

import { actorKey, Baseline, BaselineBuilder, DEFAULT_TRIAGE_CONFIG } from '../enrich/index.ts';
import type { TriageConfig } from '../enrich/index.ts';
import {
  compileBaselineQuery,
  compileSliceQuery,
  decodeRow,
  loadAthenaEngine,
  loadDuckdbEngine,
  loadLakeEngine,
  rulePins,
} from '../hunt/index.ts';
import type { HuntEngine, HuntScope, QueryStatistics, RulePin } from '../hunt/index.ts';
import { normalizeRecord } from '../ingest/index.ts';
import type { Alert, CloudTrailEvent, InputIssue } from '../model/index.ts';
import { aggregateAlerts, detectEvent, triageRun } from './pipeline.ts';
import { RELEVANT_EVENT_NAMES } from './relevant-events.ts';
import { loadRuleSet } from './rule-set.ts';
import type { ScanResult } from './scan.ts';
import { compareAlerts } from './scan.ts';
import type { Engine } from '../detect/index.ts';
import { MFA_DEVICE_EVENTS } from '../detect/index.ts';

export interface HuntOptions {
  /** The engine, opened by the caller (it knows the table or files); closed here when the hunt ends. */
  readonly engine: HuntEngine;
  readonly scope: HuntScope;
  readonly rulePaths?: readonly string[];
  readonly builtinRules?: boolean;
  /** Triage configuration; `false` leaves alerts as the rules made them. */
  readonly triage?: TriageConfig | false;
  readonly clock?: () => number;
  readonly onIssue?: (issue: InputIssue) => void;
}

export interface HuntQuery {
  readonly purpose: 'slice' | 'baseline';
  readonly sql: string;
  readonly rows: number;
  readonly statistics: QueryStatistics;
}

export interface HuntResult extends ScanResult {
  readonly engine: string;
  readonly queries: readonly HuntQuery[];
}

/** Names correlation and baselines read, whatever the rules pin: the same list the scan keeps. */
const CONTEXT_NAMES: readonly string[] = [...RELEVANT_EVENT_NAMES];

export async function runHunt(options: HuntOptions): Promise<HuntResult> {
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  const ruleSet = loadRuleSet({ builtin: options.builtinRules ?? true, paths: options.rulePaths ?? [] });
  const { engine } = options;
  try {
    const pins = rulePins(ruleSet.rules);
    const config =
      options.triage === false ? DEFAULT_TRIAGE_CONFIG : (options.triage ?? DEFAULT_TRIAGE_CONFIG);
    const collector = new SliceCollector(ruleSet.engine, engine.name, options.onIssue);
    for (const issue of engine.issues) collector.report(issue);

    const queries: HuntQuery[] = [];
    const sliceSql = compileSliceQuery(pins, CONTEXT_NAMES, options.scope, engine.layout);
    const slice = await engine.run(sliceSql);
    queries.push({ purpose: 'slice', sql: sliceSql, rows: slice.rows.length, statistics: slice.statistics });
    slice.rows.forEach((row, i) => collector.addSliceRow(row, `${engine.name} slice row ${i}`));

    const baselineSql = baselineQuery(pins, collector, options.scope, config, engine);
    if (baselineSql !== null) {
      const history = await engine.run(baselineSql);
      queries.push({
        purpose: 'baseline',
        sql: baselineSql,
        rows: history.rows.length,
        statistics: history.statistics,
      });
      history.rows.forEach((row, i) => collector.addBaselineRow(row, `${engine.name} baseline row ${i}`));
    }

    for (const rule of ruleSet.rules) {
      if (rule.kind !== 'aggregate') continue;
      const candidates = collector.candidates.get(rule.meta.id);
      if (candidates === undefined) continue;
      for (const alert of aggregateAlerts(rule, [...candidates.values()]))
        if (!collector.alerts.has(alert.id)) collector.alerts.set(alert.id, alert);
    }
    const events = [...collector.relevant.values()].sort(
      (a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    const detected = [...collector.alerts.values()];
    const triaged =
      options.triage === false
        ? detected
        : triageRun({
            alerts: detected,
            events,
            baseline: new Baseline(collector.baseline.data),
            config,
            coverageEndMs: collector.lastEventMs ?? 0,
          });
    const alerts = triaged.sort(compareAlerts);
    return {
      engine: engine.name,
      queries,
      alerts,
      events,
      issues: collector.issues,
      rules: ruleSet.results,
      stats: collector.stats(alerts, clock() - started, inputsOf(engine, queries)),
    };
  } finally {
    await engine.close();
  }
}

/**
 * The second query runs only when the hunt starts after the data does (`since`): without it the slice already holds
 * every earlier event of the callers. Callers are the actors of the alerts and of the MFA device events, whose
 * familiarity triage judges.
 */
function baselineQuery(
  pins: readonly RulePin[],
  collector: SliceCollector,
  scope: HuntScope,
  config: TriageConfig,
  engine: HuntEngine,
): string | null {
  if (scope.since === null) return null;
  const arns = new Set<string>();
  const principalIds = new Set<string>();
  const alerted = new Set([...collector.alerts.values()].map((alert) => alert.event.id));
  for (const event of collector.relevant.values()) {
    if (!alerted.has(event.id) && !MFA_DEVICE_EVENTS.has(event.name)) continue;
    if (event.actor.arn !== null) arns.add(event.actor.arn);
    else if (event.actor.principalId !== null) principalIds.add(event.actor.principalId);
  }
  if (arns.size === 0 && principalIds.size === 0) return null;
  const from = new Date(Date.parse(scope.since) - config.lookbackMs).toISOString();
  return compileBaselineQuery(
    pins,
    CONTEXT_NAMES,
    { arns: [...arns].sort(), principalIds: [...principalIds].sort() },
    { from, until: scope.since },
    engine.layout,
  );
}

/** What the summary counts as read: the local files, or for a remote table the bytes its queries scanned. */
function inputsOf(engine: HuntEngine, queries: readonly HuntQuery[]): { files: number; bytes: number } {
  if (engine.inputs !== null) return engine.inputs;
  return { files: 0, bytes: queries.reduce((sum, q) => sum + (q.statistics.bytesScanned ?? 0), 0) };
}

/** Reads rows into what a scan gathers from chunks: alerts, aggregate candidates, the kept slice, the baseline. */
class SliceCollector {
  readonly alerts = new Map<string, Alert>();
  readonly candidates = new Map<string, Map<string, CloudTrailEvent>>();
  readonly relevant = new Map<string, CloudTrailEvent>();
  readonly baseline = new BaselineBuilder();
  readonly issues: InputIssue[] = [];
  lastEventMs: number | null = null;
  private firstEventMs: number | null = null;
  private events = 0;
  private duplicateEvents = 0;

  constructor(
    private readonly rules: Engine,
    private readonly engineName: string,
    private readonly onIssue: ((issue: InputIssue) => void) | undefined,
  ) {}

  report(issue: InputIssue): void {
    this.issues.push(issue);
    this.onIssue?.(issue);
  }

  addSliceRow(row: Parameters<typeof decodeRow>[0], where: string): void {
    const decoded = decodeRow(row, where);
    if (!decoded.ok) return this.report(decoded.issue);
    const { key, copies, lastEventTime, record } = decoded.row;
    this.events += copies;
    const last = lastEventTime === null ? Number.NaN : Date.parse(lastEventTime);
    if (!Number.isNaN(last) && (this.lastEventMs === null || last > this.lastEventMs))
      this.lastEventMs = last;
    if (key === null || record === null) return;
    this.duplicateEvents += copies - 1;
    const event = this.normalize(record, decoded.row.location, where);
    if (event === null) return;
    if (this.firstEventMs === null || event.timeMs < this.firstEventMs) this.firstEventMs = event.timeMs;
    const detection = detectEvent(this.rules, event);
    for (const issue of detection.issues) this.report(issue);
    for (const alert of detection.alerts) if (!this.alerts.has(alert.id)) this.alerts.set(alert.id, alert);
    for (const rule of detection.aggregateRules) {
      let byEvent = this.candidates.get(rule.meta.id);
      if (byEvent === undefined)
        this.candidates.set(rule.meta.id, (byEvent = new Map<string, CloudTrailEvent>()));
      byEvent.set(event.id, event);
    }
    if (detection.keep && !this.relevant.has(event.id)) {
      this.baseline.observe(event);
      this.relevant.set(event.id, event.name === 'DeactivateMFADevice' ? event : { ...event, raw: {} });
    }
  }

  /** History before the hunted window feeds the familiarity baseline only: it raises no alert and opens no incident. */
  addBaselineRow(row: Parameters<typeof decodeRow>[0], where: string): void {
    const decoded = decodeRow(row, where);
    if (!decoded.ok) return this.report(decoded.issue);
    if (decoded.row.record === null) return;
    const event = this.normalize(decoded.row.record, decoded.row.location, where);
    if (event !== null && actorKey(event) !== null && detectEvent(this.rules, event).keep)
      this.baseline.observe(event);
  }

  stats(
    alerts: readonly Alert[],
    elapsedMs: number,
    inputs: { files: number; bytes: number },
  ): ScanResult['stats'] {
    const alertsBySeverity: Record<string, number> = {};
    for (const alert of alerts)
      alertsBySeverity[alert.severity] = (alertsBySeverity[alert.severity] ?? 0) + 1;
    return {
      files: inputs.files,
      skippedFiles: 0,
      records: this.events,
      events: this.events,
      bytes: inputs.bytes,
      alerts: alerts.length,
      alertsBySeverity,
      duplicates: 0,
      duplicateEvents: this.duplicateEvents,
      unreadable: this.issues.filter((issue) => issue.level === 'error').length,
      warnings: this.issues.filter((issue) => issue.level === 'warning').length,
      elapsedMs,
      firstEventTime: this.firstEventMs === null ? null : new Date(this.firstEventMs).toISOString(),
      lastEventTime: this.lastEventMs === null ? null : new Date(this.lastEventMs).toISOString(),
      workers: 0,
    };
  }

  private normalize(
    record: Record<string, unknown>,
    location: string | null,
    where: string,
  ): CloudTrailEvent | null {
    // Engines return rows, not record positions: the file (Athena's `$path`) is known, the index in it is not.
    const normalized = normalizeRecord(record, { location: location ?? this.engineName, index: -1 });
    if (normalized.ok) return normalized.event;
    this.report({ ...normalized.issue, location: `${normalized.issue.location} (${where})` });
    return null;
  }
}

/** Which engine a hunt runs on, and what it needs to find the data. */
export type EngineSpec =
  | { readonly engine: 'duckdb'; readonly paths: readonly string[] }
  | {
      readonly engine: 'athena';
      readonly database: string;
      readonly table: string;
      readonly workgroup?: string;
      readonly output?: string;
      readonly region?: string;
      readonly profile?: string;
    }
  | {
      readonly engine: 'cloudtrail-lake';
      readonly eventDataStore: string;
      readonly region?: string;
      readonly profile?: string;
    };

/** Opens the engine, loading its driver (DuckDB's native library, an AWS SDK client) only now. */
export async function openHuntEngine(spec: EngineSpec): Promise<HuntEngine> {
  switch (spec.engine) {
    case 'duckdb':
      return (await loadDuckdbEngine()).openDuckdbEngine({ paths: spec.paths });
    case 'athena':
      return (await loadAthenaEngine()).openAthenaEngine(spec);
    case 'cloudtrail-lake':
      return (await loadLakeEngine()).openLakeEngine(spec);
  }
}
