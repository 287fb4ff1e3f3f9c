// The one internal rule the engine knows. Built-in YAML, Elastic TOML and Sigma YAML are all translated into it at load time.

import type { CloudTrailEvent } from './cloudtrail.ts';
import type { InputIssue } from './issue.ts';
import type { Severity } from './severity.ts';

export interface MitreRef {
  readonly id: string;
  readonly name: string;
  readonly reference?: string;
}

/** One ATT&CK mapping: a tactic with a technique and optionally a sub-technique. */
export interface MitreMapping {
  readonly tactic: MitreRef | null;
  readonly technique: MitreRef;
  readonly subtechnique: MitreRef | null;
}

export type RuleFormat = 'builtin' | 'elastic' | 'sigma';
export type RuleStatus = 'ok' | 'unsupported' | 'error';

export interface RuleMeta {
  /** Stable id: ours (`mfaguard-...`), Elastic's `rule_id`, Sigma's `id`. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly format: RuleFormat;
  /** File the rule came from (relative to the rules root for built-ins). */
  readonly path: string;
  readonly severity: Severity;
  readonly riskScore: number;
  readonly mitre: readonly MitreMapping[];
  readonly falsePositives: readonly string[];
  /** Markdown investigation guide (Elastic's `note`). */
  readonly investigationGuide: string | null;
  /** Fields an analyst should look at first (Elastic's `investigation_fields`). */
  readonly investigationFields: readonly string[];
  readonly references: readonly string[];
  readonly tags: readonly string[];
  /** Lifecycle as the source states it: production, experimental, stable, test... */
  readonly maturity: string | null;
}

/** The event as a rule sees it: the typed event, and its ECS view computed on first use. */
export interface EventViews {
  readonly event: CloudTrailEvent;
  ecs(): EcsDocument;
}

/** Elastic's view of an event: flat dotted ECS field names to values. */
export type EcsScalar = string | number | boolean | null;
export type EcsValue = EcsScalar | readonly EcsScalar[];
export type EcsDocument = Readonly<Record<string, EcsValue>>;

/**
 * A field condition a rule needs, as the byte prefilter can test it without parsing: the record holds, under a JSON
 * key ending in `key` (the field path's last segment, so dotted keys count too), a string containing one of
 * `fragments`. Fragments are lower-cased ASCII and compared case-insensitively whatever the rule language says: a
 * wider net is always sound, since the rule still decides exactly on every record the net keeps.
 */
export interface ValuePin {
  readonly key: string;
  readonly fragments: ReadonlySet<string>;
}

/** A rule that decides on one event at a time. */
export interface EventRule {
  readonly kind: 'event';
  readonly meta: RuleMeta;
  /** Event names the rule can fire on, for indexing; null when it pins none (checked against every event). */
  readonly eventNames: ReadonlySet<string> | null;
  /** Event sources the rule pins (e.g. iam.amazonaws.com); null when none. */
  readonly eventSources: ReadonlySet<string> | null;
  /**
   * For a rule that pins no name or source: field values one of which every event it fires on holds (any of the
   * list); absent or null when none is known, and the rule is checked against every event.
   */
  readonly valuePins?: readonly ValuePin[] | null;
  matches(views: EventViews): boolean;
}

/**
 * A rule that decides over many events (Elastic threshold / new_terms, Sigma correlations):
 * `matches` is the per-event prefilter; the events it keeps are handed to `evaluate` together.
 */
export interface AggregateRule {
  readonly kind: 'aggregate';
  readonly meta: RuleMeta;
  readonly eventNames: ReadonlySet<string> | null;
  readonly eventSources: ReadonlySet<string> | null;
  readonly valuePins?: readonly ValuePin[] | null;
  matches(views: EventViews): boolean;
  /** Given every event that passed `matches` (any order), the events to alert on, each with a note on why. */
  evaluate(events: readonly CloudTrailEvent[]): readonly AggregateHit[];
}

export interface AggregateHit {
  readonly event: CloudTrailEvent;
  /** e.g. "12 events for user.name=alice in 5m (threshold 10)". */
  readonly summary: string;
  /** All events that made up the hit (ids), oldest first. */
  readonly eventIds: readonly string[];
}

export type CompiledRule = EventRule | AggregateRule;

/** The result of loading one rule file. */
export type RuleLoadResult =
  | {
      readonly status: 'ok';
      readonly path: string;
      readonly rule: CompiledRule;
      readonly warnings: readonly InputIssue[];
    }
  | {
      readonly status: 'unsupported';
      readonly path: string;
      readonly meta: Partial<RuleMeta>;
      readonly reason: string;
    }
  | {
      readonly status: 'error';
      readonly path: string;
      readonly meta: Partial<RuleMeta>;
      readonly issues: readonly InputIssue[];
    };
