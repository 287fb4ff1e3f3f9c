// The detection engine: rules indexed by the event names and sources they pin, evaluated per event; a rule that throws is reported.

import type { CompiledRule, EventViews, InputIssue } from '../model/index.ts';

/**
 * A rule that threw on an event: an error result, never a silent "no match". `location` and `index` point at
 * the event (file, S3 key... and record index), `ruleId` and `rulePath` at the rule.
 */
export interface RuleEvaluationIssue extends InputIssue {
  readonly code: 'rule-evaluation-failed';
  readonly ruleId: string;
  readonly rulePath: string;
  readonly eventId: string;
}

export interface MatchResult {
  /** Rules that fired, in the engine's rule order. */
  readonly rules: readonly CompiledRule[];
  readonly issues: readonly RuleEvaluationIssue[];
}

export interface Engine {
  readonly rules: readonly CompiledRule[];
  match(views: EventViews): MatchResult;
}

const NO_ISSUES: readonly RuleEvaluationIssue[] = Object.freeze([]);
const NO_RULES: readonly CompiledRule[] = Object.freeze([]);

export function createEngine(rules: readonly CompiledRule[]): Engine {
  const ordered = [...rules];
  const byName = new Map<string, number[]>();
  const bySource = new Map<string, number[]>();
  const everywhere: number[] = [];
  // Keys are lower-cased: Sigma pins compare case-insensitively unless `|cased`, and a wider candidate list is sound
  // because each rule's own test still decides (KQL keyword fields stay case-sensitive there).
  ordered.forEach((rule, i) => {
    if (rule.eventNames !== null) {
      for (const name of rule.eventNames) push(byName, name.toLowerCase(), i);
    } else if (rule.eventSources !== null) {
      for (const source of rule.eventSources) push(bySource, source.toLowerCase(), i);
    } else {
      everywhere.push(i);
    }
  });
  // Candidate lists per (source, name), built on first sight: the firehose has few distinct pairs.
  const candidates = new Map<string, readonly CompiledRule[]>();
  const candidatesFor = (source: string, name: string): readonly CompiledRule[] => {
    const key = `${source}\u0000${name}`;
    let list = candidates.get(key);
    if (list === undefined) {
      const indices = new Set([
        ...(byName.get(name.toLowerCase()) ?? []),
        ...(bySource.get(source.toLowerCase()) ?? []),
        ...everywhere,
      ]);
      list = [...indices].sort((a, b) => a - b).map((i) => ordered[i] as CompiledRule);
      candidates.set(key, list);
    }
    return list;
  };

  return {
    rules: ordered,
    match(views) {
      const event = views.event;
      const list = candidatesFor(event.source, event.name);
      if (list.length === 0) return { rules: NO_RULES, issues: NO_ISSUES };
      let fired: CompiledRule[] | null = null;
      let issues: RuleEvaluationIssue[] | null = null;
      for (const rule of list) {
        let hit: boolean;
        try {
          hit = rule.matches(views);
        } catch (err) {
          (issues ??= []).push({
            level: 'error',
            code: 'rule-evaluation-failed',
            location: event.origin.location,
            index: event.origin.index,
            ruleId: rule.meta.id,
            rulePath: rule.meta.path,
            eventId: event.id,
            message: `rule ${rule.meta.id} (${rule.meta.path}) failed on event ${event.id}: ${errorText(err)}`,
            hint: 'the rule is broken for this kind of event; the other rules still ran',
          });
          continue;
        }
        if (hit) (fired ??= []).push(rule);
      }
      return { rules: fired ?? NO_RULES, issues: issues ?? NO_ISSUES };
    },
  };
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
