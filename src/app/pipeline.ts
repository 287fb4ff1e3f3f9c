// The one detect -> correlate -> triage -> alert path. `scan` (inline and in worker threads), `serve` and the Lambda handler all call these; only the source of events and the sink of alerts differ.

import type { Engine, RuleEvaluationIssue } from '../detect/index.ts';
import { buildAlert } from '../detect/index.ts';
import { BURST_RULE } from '../detect/index.ts';
import { Baseline, BaselineBuilder, triageAlerts } from '../enrich/index.ts';
import type { TriageConfig, TriageOptions } from '../enrich/index.ts';
import { createEventViews } from '../ingest/index.ts';
import type { AggregateRule, Alert, CloudTrailEvent } from '../model/index.ts';
import { isRelevantEvent } from './relevant-events.ts';

export interface Detection {
  /** What the event rules raised on the event, as the rules made them (before triage). */
  readonly alerts: Alert[];
  /** Aggregate rules the event is a candidate for (they decide over many events). */
  readonly aggregateRules: AggregateRule[];
  readonly issues: readonly RuleEvaluationIssue[];
  /**
   * Whether the event belongs to the slice correlation, triage and the familiarity baseline read: the MFA-relevant
   * events and anything a rule fired on. The live store keeps exactly this slice, so a scan keeps it too: the same
   * events give the same baseline, hence the same triage, on both paths.
   */
  readonly keep: boolean;
}

/** Runs the rules on one normalised event: the only place the match-then-alert step is written. */
export function detectEvent(engine: Engine, event: CloudTrailEvent): Detection {
  const outcome = engine.match(createEventViews(event));
  const alerts: Alert[] = [];
  const aggregateRules: AggregateRule[] = [];
  for (const rule of outcome.rules) {
    if (rule.kind === 'event') alerts.push(buildAlert(rule, event));
    else aggregateRules.push(rule);
  }
  return {
    alerts,
    aggregateRules,
    issues: outcome.issues,
    keep: isRelevantEvent(event) || outcome.rules.length > 0,
  };
}

/** The alerts an aggregate rule raises over its candidate events (any order). */
export function aggregateAlerts(rule: AggregateRule, candidates: readonly CloudTrailEvent[]): Alert[] {
  return rule
    .evaluate(candidates)
    .map((hit) =>
      buildAlert(rule, hit.event, { aggregate: { summary: hit.summary, eventIds: hit.eventIds } }),
    );
}

/** Builds the familiarity baseline from kept events (see `Detection.keep`). */
export function baselineOf(events: Iterable<CloudTrailEvent>): Baseline {
  const builder = new BaselineBuilder();
  for (const event of events) builder.observe(event);
  return new Baseline(builder.data);
}

export interface TriageRun {
  /** Detected alerts (rule alerts, aggregate alerts). */
  readonly alerts: readonly Alert[];
  /** The kept slice around them, any order. */
  readonly events: readonly CloudTrailEvent[];
  readonly baseline: Baseline;
  readonly config: TriageConfig;
  /** The newest moment the data can be trusted to cover. */
  readonly coverageEndMs: number;
}

/** Correlation, triage and the burst alerts, wired the same way for every path. */
export function triageRun(run: TriageRun, options: TriageOptions = {}): Alert[] {
  return triageAlerts(
    {
      ...run,
      ecs: (event) => createEventViews(event).ecs(),
      burstAlert: (first) => buildAlert(BURST_RULE, first),
    },
    options,
  );
}
