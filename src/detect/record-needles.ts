// What a CloudTrail record must contain to matter to the loaded rules: the event names and sources they pin, compiled once.

import type { CompiledRule, ValuePin } from '../model/index.ts';

/**
 * The byte prefilter's (and any query engine's) view of the loaded rules. A record matters when its `eventName` is in
 * `eventNames`, its `eventSource` is in `eventSources`, or it holds one of `valuePins` (a rule pinning neither name
 * nor source, e.g. on `userIdentity.type` or `userAgent`); all are lower-cased, because Sigma compares strings
 * case-insensitively unless `|cased` is given, and a wider net is always sound: the rules still decide exactly on each
 * record the net keeps. `unpinned` lists the rules that pin nothing at all, for which every record must be parsed.
 */
export interface RecordNeedles {
  readonly eventNames: ReadonlySet<string>;
  readonly eventSources: ReadonlySet<string>;
  /** One pin per key, its fragments merged over the rules (any of them makes the record matter). */
  readonly valuePins: readonly ValuePin[];
  /** Ids of the rules that pin nothing: while any is loaded, no record can be skipped. */
  readonly unpinned: readonly string[];
}

/** How one rule narrows the records it must see, for `rules list` and `rules validate`. */
export type RulePrefilter =
  | { readonly kind: 'names'; readonly values: readonly string[] }
  | { readonly kind: 'sources'; readonly values: readonly string[] }
  | { readonly kind: 'values'; readonly pins: readonly ValuePin[] }
  | { readonly kind: 'none' };

export function rulePrefilter(rule: CompiledRule): RulePrefilter {
  if (rule.eventNames !== null) return { kind: 'names', values: [...rule.eventNames].sort() };
  if (rule.eventSources !== null) return { kind: 'sources', values: [...rule.eventSources].sort() };
  if (rule.valuePins !== undefined && rule.valuePins !== null && rule.valuePins.length > 0)
    return { kind: 'values', pins: rule.valuePins };
  return { kind: 'none' };
}

/** A rule's prefilter in words, e.g. `eventName: A, B` or `userAgent contains "trufflehog"`. */
export function describeRulePrefilter(pin: RulePrefilter): string {
  switch (pin.kind) {
    case 'names':
      return `eventName: ${pin.values.join(', ')}`;
    case 'sources':
      return `eventSource: ${pin.values.join(', ')}`;
    case 'values':
      return pin.pins
        .map((one) => `${one.key} contains ${[...one.fragments].map((f) => JSON.stringify(f)).join(' or ')}`)
        .join('; or ');
    case 'none':
      return 'no needle: every record parsed';
  }
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
  const byKey = new Map<string, Set<string>>();
  const unpinned: string[] = [];
  for (const name of keptEventNames) eventNames.add(name.toLowerCase());
  for (const rule of rules) {
    const pin = rulePrefilter(rule);
    if (pin.kind === 'names') for (const name of pin.values) eventNames.add(name.toLowerCase());
    else if (pin.kind === 'sources') for (const source of pin.values) eventSources.add(source.toLowerCase());
    else if (pin.kind === 'values') {
      for (const one of pin.pins) {
        const fragments = byKey.get(one.key) ?? new Set<string>();
        for (const fragment of one.fragments) fragments.add(fragment);
        byKey.set(one.key, fragments);
      }
    } else unpinned.push(rule.meta.id);
  }
  const valuePins = [...byKey]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, fragments]) => ({ key, fragments }));
  return { eventNames, eventSources, valuePins, unpinned };
}

/**
 * True when a record with this name and source matters (see `RecordNeedles`); both as delivered, any case. Value
 * pins are judged on the record's other fields, which this does not see: while any is loaded, every record matters.
 */
export function recordMatters(needles: RecordNeedles, name: string, source: string | null): boolean {
  if (needles.unpinned.length > 0 || needles.valuePins.length > 0) return true;
  if (needles.eventNames.has(name.toLowerCase())) return true;
  return source !== null && needles.eventSources.has(source.toLowerCase());
}
