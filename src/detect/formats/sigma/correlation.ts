// Sigma correlations (event_count, value_count, temporal, temporal_ordered) and v1 `| count()` as aggregate rules.

import type {
  AggregateHit,
  AggregateRule,
  CloudTrailEvent,
  EventViews,
  RuleMeta,
} from '../../../model/index.ts';
import type { RecordTest } from './detection.ts';
import { union } from './detection.ts';
import { compileFieldPath, leafText } from './field-path.ts';
import type { FieldResolver } from './field-path.ts';

export type CorrelationType = 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered';
export const CORRELATION_TYPES: readonly CorrelationType[] = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
];

export interface CountCondition {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly eq?: number;
}

export interface CorrelationMember {
  /** The name or id the correlation used for this rule. */
  readonly ref: string;
  readonly test: RecordTest;
  readonly eventNames: ReadonlySet<string> | null;
  readonly eventSources: ReadonlySet<string> | null;
  /** Group-by field or alias resolved for this member: alias name -> field path. */
  readonly aliases: Readonly<Record<string, string>>;
}

export interface CorrelationSpec {
  readonly type: CorrelationType;
  readonly members: readonly CorrelationMember[];
  readonly groupBy: readonly string[];
  readonly timespanMs: number;
  readonly condition: CountCondition;
  /** value_count: the field whose distinct values are counted. */
  readonly field: string | null;
}

/** `5m`, `1h`, `30s`, `2d` (and `1w`) to milliseconds; null when malformed. */
export function parseTimespan(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d+)([smhdw])$/.exec(value.trim());
  if (m === null) return null;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    m[2] as 's' | 'm' | 'h' | 'd' | 'w'
  ];
  const n = Number(m[1]);
  return n > 0 ? n * unit : null;
}

export function conditionHolds(c: CountCondition, n: number): boolean {
  return (
    (c.gt === undefined || n > c.gt) &&
    (c.gte === undefined || n >= c.gte) &&
    (c.lt === undefined || n < c.lt) &&
    (c.lte === undefined || n <= c.lte) &&
    (c.eq === undefined || n === c.eq)
  );
}

export function showCondition(c: CountCondition): string {
  return (['gt', 'gte', 'lt', 'lte', 'eq'] as const)
    .filter((k) => c[k] !== undefined)
    .map((k) => `${k} ${c[k]}`)
    .join(' and ');
}

interface Entry {
  readonly event: CloudTrailEvent;
  readonly member: number;
}

/** Builds the aggregate rule; the spec has been validated by the caller. */
export function buildCorrelationRule(meta: RuleMeta, spec: CorrelationSpec): AggregateRule {
  const members = spec.members;
  let eventNames: ReadonlySet<string> | null = members[0]?.eventNames ?? null;
  let eventSources: ReadonlySet<string> | null = members[0]?.eventSources ?? null;
  for (const m of members.slice(1)) {
    eventNames = union(eventNames, m.eventNames);
    eventSources = union(eventSources, m.eventSources);
  }
  // One resolver per (member, group-by field), so aliases pick each rule's own field.
  const groupResolvers: FieldResolver[][] = members.map((m) =>
    spec.groupBy.map((g) => compileFieldPath(m.aliases[g] ?? g)),
  );
  const valueResolver = spec.field === null ? null : compileFieldPath(spec.field);
  const measure = (window: readonly Entry[]): number => measureWindow(spec, valueResolver, window);

  const hit = (window: readonly Entry[], group: string, n: number): AggregateHit => {
    const ids: string[] = [];
    for (const e of window) if (!ids.includes(e.event.id)) ids.push(e.event.id);
    return {
      event: (window[window.length - 1] as Entry).event,
      summary: summariseWindow(spec, window, group, n),
      eventIds: ids,
    };
  };

  return {
    kind: 'aggregate',
    meta,
    eventNames,
    eventSources,
    matches(views: EventViews): boolean {
      return members.some((m) => m.test(views.event.raw));
    },
    evaluate(events: readonly CloudTrailEvent[]): readonly AggregateHit[] {
      const groups = groupEntries(spec, groupResolvers, events);
      const hits: AggregateHit[] = [];
      for (const key of [...groups.keys()].sort()) {
        const entries = (groups.get(key) ?? []).sort(
          (a, b) =>
            a.event.timeMs - b.event.timeMs ||
            (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0) ||
            a.member - b.member,
        );
        for (const found of windowsThatHold(spec, entries, measure)) {
          hits.push(hit(found.window, key, found.n));
        }
      }
      return hits;
    },
  };
}

function measureWindow(
  spec: CorrelationSpec,
  valueResolver: FieldResolver | null,
  window: readonly Entry[],
): number {
  switch (spec.type) {
    case 'event_count':
      return new Set(window.map((e) => e.event.id)).size;
    case 'value_count': {
      const values = new Set<string>();
      for (const e of window) {
        for (const v of valueResolver?.(e.event.raw).values ?? []) {
          const t = leafText(v);
          if (t !== null) values.add(t);
        }
      }
      return values.size;
    }
    case 'temporal':
      return new Set(window.map((e) => e.member)).size;
    case 'temporal_ordered': {
      // Length of the longest prefix of the rule list found in order within the window.
      let next = 0;
      for (const e of window) {
        if (next < spec.members.length && e.member === next) next++;
      }
      return next;
    }
  }
}

function summariseWindow(spec: CorrelationSpec, window: readonly Entry[], group: string, n: number): string {
  const members = spec.members;
  const what =
    spec.type === 'event_count'
      ? `${n} events`
      : spec.type === 'value_count'
        ? `${n} distinct ${spec.field ?? 'values'}`
        : `${n} of ${members.length} rules (${[...new Set(window.map((e) => members[e.member]?.ref))].join(', ')})`;
  const by = spec.groupBy.length === 0 ? '' : ` for ${group}`;
  return `${what}${by} within ${formatSpan(spec.timespanMs)} (condition ${showCondition(spec.condition)})`;
}

/** The matching events by group-by key; duplicates of one event (same eventID) count once. */
function groupEntries(
  spec: CorrelationSpec,
  groupResolvers: readonly (readonly FieldResolver[])[],
  events: readonly CloudTrailEvent[],
): Map<string, Entry[]> {
  const groups = new Map<string, Entry[]>();
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    spec.members.forEach((m, i) => {
      if (!m.test(event.raw)) return;
      const key = (groupResolvers[i] ?? [])
        .map(
          (resolve, g) =>
            `${spec.groupBy[g]}=${resolve(event.raw)
              .values.map(leafText)
              .filter((t) => t !== null)
              .join('|')}`,
        )
        .join(', ');
      let list = groups.get(key);
      if (list === undefined) groups.set(key, (list = []));
      list.push({ event, member: i });
    });
  }
  return groups;
}

/** The windows over one group's time-ordered entries whose measure meets the condition, in order. */
function windowsThatHold(
  spec: CorrelationSpec,
  entries: readonly Entry[],
  measure: (window: readonly Entry[]) => number,
): { window: readonly Entry[]; n: number }[] {
  const members = spec.members;
  const span = spec.timespanMs;
  const upperBounded =
    spec.condition.lt !== undefined || spec.condition.lte !== undefined || spec.condition.eq !== undefined;
  const threshold = spec.type === 'temporal' || spec.type === 'temporal_ordered' ? members.length : null;
  const holds = (n: number): boolean =>
    threshold !== null && Object.keys(spec.condition).length === 0
      ? n >= threshold
      : conditionHolds(spec.condition, n);
  const found: { window: readonly Entry[]; n: number }[] = [];
  if (upperBounded) {
    // A count with an upper bound is judged on whole windows, each opened by the first event not yet covered.
    let start = 0;
    while (start < entries.length) {
      const t0 = (entries[start] as Entry).event.timeMs;
      let end = start;
      while (end + 1 < entries.length && (entries[end + 1] as Entry).event.timeMs <= t0 + span) end++;
      const window = entries.slice(start, end + 1);
      const n = measure(window);
      if (holds(n)) found.push({ window, n });
      start = end + 1;
    }
    return found;
  }
  // Sliding window ending at each event (edges inclusive); after a hit the window starts afresh.
  let start = 0;
  for (let i = 0; i < entries.length; i++) {
    const t = (entries[i] as Entry).event.timeMs;
    while ((entries[start] as Entry).event.timeMs < t - span) start++;
    const window = entries.slice(start, i + 1);
    const n = measure(window);
    if (holds(n)) {
      found.push({ window, n });
      start = i + 1;
      // Other members matched by this same event start nothing new.
      while (
        start < entries.length &&
        (entries[start] as Entry).event.id === (entries[i] as Entry).event.id
      ) {
        start++;
        i++;
      }
    }
  }
  return found;
}

function formatSpan(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms / 1000}s`;
}
