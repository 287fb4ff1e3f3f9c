// Optional abilities a compiled rule may have beyond the model's CompiledRule: per-event severity and saying why it did not fire.

import type { CloudTrailEvent, CompiledRule, EventViews, Severity } from '../model/index.ts';

/** A per-event severity (Elastic's severity_mapping / risk_score_mapping); the rule's own applies when null. */
export interface SeverityAssessment {
  readonly severity: Severity;
  readonly riskScore: number;
  /** Why this event gets a different severity, in words. */
  readonly reason: string;
}

export interface SeverityMappedRule {
  assess(event: CloudTrailEvent): SeverityAssessment | null;
}

export interface ExplainableRule {
  /** Null when the rule matches the event; otherwise the first condition that failed and what the event held. */
  explainMismatch(views: EventViews): string | null;
}

export function hasSeverityMapping(rule: CompiledRule): rule is CompiledRule & SeverityMappedRule {
  return typeof (rule as Partial<SeverityMappedRule>).assess === 'function';
}

export function isExplainable(rule: CompiledRule): rule is CompiledRule & ExplainableRule {
  return typeof (rule as Partial<ExplainableRule>).explainMismatch === 'function';
}
