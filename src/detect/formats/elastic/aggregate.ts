// Elastic's threshold and new_terms rules, replayed over the events of a scan in event-time order.

import type { AggregateHit, CloudTrailEvent, EcsDocument, EcsScalar } from '../../../model/index.ts';

export type EcsOf = (event: CloudTrailEvent) => EcsDocument;

export interface ThresholdSpec {
  /** Group-by fields; empty counts all matching events together. */
  readonly fields: readonly string[];
  readonly value: number;
  /** Optional: the group must also hold at least `value` distinct values of `field`. */
  readonly cardinality: readonly { readonly field: string; readonly value: number }[];
  /** The rule's look-back (`from`), used as a sliding window over event time. */
  readonly windowMs: number;
  readonly windowText: string;
}

export interface NewTermsSpec {
  readonly fields: readonly string[];
  /** `history_window_start` as a duration before each event. */
  readonly historyMs: number;
  readonly historyText: string;
}

/**
 * Elastic counts per group within one run's look-back and, once a group alerts, counts only newer events for it
 * (threshold signal history). Replayed here: per group, a sliding window of `from` over event time; the event that
 * brings the count to the threshold alerts, and counting restarts after it.
 */
export function evaluateThreshold(
  spec: ThresholdSpec,
  events: readonly CloudTrailEvent[],
  ecsOf: EcsOf,
): AggregateHit[] {
  const groups = new Map<string, { label: string; events: { event: CloudTrailEvent; doc: EcsDocument }[] }>();
  for (const event of sortByTime(events)) {
    const doc = ecsOf(event);
    for (const combination of combinations(doc, spec.fields)) {
      const key = JSON.stringify(combination);
      let group = groups.get(key);
      if (group === undefined) {
        group = { label: describeGroup(spec.fields, combination), events: [] };
        groups.set(key, group);
      }
      group.events.push({ event, doc });
    }
  }
  const hits: AggregateHit[] = [];
  for (const group of groups.values()) {
    let lo = 0;
    for (let i = 0; i < group.events.length; i++) {
      const now = group.events[i]!.event.timeMs;
      while (now - group.events[lo]!.event.timeMs >= spec.windowMs) lo++;
      if (i - lo + 1 < spec.value) continue;
      const inWindow = group.events.slice(lo, i + 1);
      const distinct = spec.cardinality.map((c) => ({
        ...c,
        seen: distinctCount(
          inWindow.map((e) => e.doc),
          c.field,
        ),
      }));
      if (distinct.some((c) => c.seen < c.value)) continue;
      const cardinalityNote = distinct
        .map((c) => `, ${c.seen} distinct ${c.field} (at least ${c.value})`)
        .join('');
      hits.push({
        event: group.events[i]!.event,
        summary: `${inWindow.length} events${group.label} within ${spec.windowText} (threshold ${spec.value}${cardinalityNote})`,
        eventIds: inWindow.map((e) => e.event.id),
      });
      lo = i + 1;
    }
  }
  return hits.sort((a, b) => a.event.timeMs - b.event.timeMs || compareIds(a.event.id, b.event.id));
}

/**
 * A combination of the new-terms fields is new when it did not occur in the history window before the event.
 * The scan is its own history: an event is only judged once the matching events seen so far span a whole history
 * window (its time minus the window is not before the first matching event); earlier ones cannot be told new.
 */
export function evaluateNewTerms(
  spec: NewTermsSpec,
  events: readonly CloudTrailEvent[],
  ecsOf: EcsOf,
): AggregateHit[] {
  const sorted = sortByTime(events);
  const first = sorted[0];
  if (first === undefined) return [];
  const lastSeen = new Map<string, CloudTrailEvent>();
  const hits: AggregateHit[] = [];
  for (const event of sorted) {
    const judged = event.timeMs - spec.historyMs >= first.timeMs;
    for (const combination of combinations(ecsOf(event), spec.fields)) {
      const key = JSON.stringify(combination);
      const previous = lastSeen.get(key);
      lastSeen.set(key, event);
      if (!judged) continue;
      if (previous !== undefined && event.timeMs - previous.timeMs <= spec.historyMs) continue;
      hits.push({
        event,
        summary: `new terms${describeGroup(spec.fields, combination)}: not seen in the ${spec.historyText} before`,
        eventIds: [event.id],
      });
    }
  }
  return hits;
}

/** Every combination of the fields' values (arrays fan out, as Elasticsearch's terms buckets do); none if one is missing. */
function combinations(doc: EcsDocument, fields: readonly string[]): string[][] {
  let result: string[][] = [[]];
  for (const field of fields) {
    const raw = doc[field];
    const values = (
      Array.isArray(raw) ? (raw as readonly EcsScalar[]) : [raw as EcsScalar | undefined]
    ).filter((v): v is string | number | boolean => v !== null && v !== undefined);
    if (values.length === 0) return [];
    const next: string[][] = [];
    for (const prefix of result)
      for (const value of new Set(values.map(String))) next.push([...prefix, value]);
    result = next;
  }
  return result;
}

function distinctCount(docs: readonly EcsDocument[], field: string): number {
  const seen = new Set<string>();
  for (const doc of docs)
    for (const [value] of combinations(doc, [field])) if (value !== undefined) seen.add(value);
  return seen.size;
}

function describeGroup(fields: readonly string[], values: readonly string[]): string {
  if (fields.length === 0) return '';
  return ` for ${fields.map((field, i) => `${field}=${values[i] ?? ''}`).join(', ')}`;
}

function sortByTime(events: readonly CloudTrailEvent[]): CloudTrailEvent[] {
  return [...events].sort((a, b) => a.timeMs - b.timeMs || compareIds(a.id, b.id));
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Elastic's `now-6m` style look-back as milliseconds; null when it is not of that form. */
export function parseLookback(text: string): number | null {
  const m = /^now-(\d+)([smhdwHM])$/.exec(text.trim());
  if (m === null) return null;
  const n = Number(m[1]);
  const unit = {
    s: 1_000,
    m: 60_000,
    h: 3_600_000,
    H: 3_600_000,
    d: 86_400_000,
    w: 604_800_000,
    M: 2_592_000_000,
  }[m[2] as 's'];
  return n * unit;
}
