// What a CloudTrail record must contain to matter to the loaded rules: the event names and sources they pin, compiled once.

import type { CompiledRule } from '../model/index.ts';

/**
 * The byte prefilter's (and any query engine's) view of the loaded rules. A record matters when its `eventName` is in
 * `eventNames` or its `eventSource` is in `eventSources`; both are lower-cased, because Sigma compares strings
 * case-insensitively unless `|cased` is given, and a wider net is always sound: the rules still decide exactly on each
 * record the net keeps. `unpinned` lists the rules that pin neither, for which every record must be parsed.
 */
export interface RecordNeedles {
  readonly eventNames: ReadonlySet<string>;
  readonly eventSources: ReadonlySet<string>;
  /** Ids of the rules that pin no event name or source: while any is loaded, no record can be skipped. */
  readonly unpinned: readonly string[];
}

/** How one rule narrows the records it must see, for `rules list` and `rules validate`. */
export type RulePrefilter =
  | { readonly kind: 'names'; readonly values: readonly string[] }
  | { readonly kind: 'sources'; readonly values: readonly string[] }
  | { readonly kind: 'none' };

export function rulePrefilter(rule: CompiledRule): RulePrefilter {
  if (rule.eventNames !== null) return { kind: 'names', values: [...rule.eventNames].sort() };
  if (rule.eventSources !== null) return { kind: 'sources', values: [...rule.eventSources].sort() };
  return { kind: 'none' };
}

/**
 * The needles for a rule set plus the event names kept whatever the rules say (the slice correlation and triage
 * read). Pure: the same rules give the same needles on the main thread and in every worker.
 */
export function compileRecordNeedles(
  rules: readonly CompiledRule[],
  keptEventNames: Iterable<string>,
): RecordNeedles {
  const eventNames = new Set<string>();
  const eventSources = new Set<string>();
  const unpinned: string[] = [];
  for (const name of keptEventNames) eventNames.add(name.toLowerCase());
  for (const rule of rules) {
    const pin = rulePrefilter(rule);
    if (pin.kind === 'names') for (const name of pin.values) eventNames.add(name.toLowerCase());
    else if (pin.kind === 'sources') for (const source of pin.values) eventSources.add(source.toLowerCase());
    else unpinned.push(rule.meta.id);
  }
  return { eventNames, eventSources, unpinned };
}

/** True when a record with this name and source matters (see `RecordNeedles`); both as delivered, any case. */
export function recordMatters(needles: RecordNeedles, name: string, source: string | null): boolean {
  if (needles.unpinned.length > 0) return true;
  if (needles.eventNames.has(name.toLowerCase())) return true;
  return source !== null && needles.eventSources.has(source.toLowerCase());
}
