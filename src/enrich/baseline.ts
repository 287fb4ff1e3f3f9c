// What is familiar for an actor: the source addresses and client families it used before, by day, from the events seen.

import type { CloudTrailEvent } from '../model/index.ts';

const DAY_MS = 86_400_000;

/** Per actor and value (`ip:1.2.3.4`, `ua:aws-cli`), the earliest time seen on each day. Plain maps: they cross worker threads. */
export type BaselineData = Map<string, Map<string, Map<number, number>>>;

/**
 * `BaselineData` flattened: the actor keys and value names as tables, and `numbers` holding, per actor in
 * order, its value count, then per value the value's index in `values`, its day count and (day, earliest) pairs.
 */
export interface BaselineTransfer {
  readonly actors: readonly string[];
  readonly values: readonly string[];
  readonly numbers: Float64Array;
}

export function actorKey(event: CloudTrailEvent): string | null {
  const actor = event.actor;
  return (
    actor.arn ??
    actor.principalId ??
    (actor.userName === null ? null : `${event.account ?? ''}:${actor.userName}`)
  );
}

/** User agents the AWS console itself sends: calls made from a console session carry one of these, not the browser's. */
const CONSOLE_AGENTS = new Set([
  'aws internal',
  'console.amazonaws.com',
  'signin.amazonaws.com',
  'console.ec2.amazonaws.com',
]);

/**
 * The kind of client an event came from. Everything done through the console (the browser sign-in and the calls the
 * console makes for it, whose user agent is `AWS Internal` or a service name) is one family, `console`; otherwise the
 * first product token of the user agent, lower-cased (`aws-cli/2.15 Python/3.11` -> `aws-cli`).
 */
export function clientFamily(event: CloudTrailEvent): string | null {
  if (event.actor.consoleSession || event.name === 'ConsoleLogin') return 'console';
  const agent = event.userAgent;
  if (agent === null) return null;
  const lower = agent.trim().toLowerCase();
  if (CONSOLE_AGENTS.has(lower) || lower.startsWith('aws-internal/') || lower.startsWith('aws internal'))
    return 'console';
  return userAgentFamily(agent);
}

/** The first product token of a user agent, lower-cased (`aws-cli/2.15 Python/3.11` -> `aws-cli`). */
export function userAgentFamily(userAgent: string | null): string | null {
  if (userAgent === null || userAgent === '') return null;
  const trimmed = userAgent.trimStart().replace(/^\[/, '');
  let end = 0;
  while (end < trimmed.length && end < 64) {
    const c = trimmed[end];
    if (c === '/' || c === ' ' || c === ',' || c === ';' || c === '(' || c === ']') break;
    end++;
  }
  const family = trimmed.slice(0, end).toLowerCase();
  return family === '' ? null : family;
}

/**
 * One actor's use of one value (`ip:…`, `ua:…`, `any`) on one UTC day: what the live store keeps for every event it
 * ingests, so triage judges familiarity on all of a caller's events, not only the kept slice.
 */
export interface BaselineSighting {
  readonly actor: string;
  readonly value: string;
  /** Days since the epoch (UTC). */
  readonly day: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly count: number;
}

/** The sightings a batch of events makes, one per (actor, value, day). */
export function baselineSightings(events: Iterable<CloudTrailEvent>): BaselineSighting[] {
  const rows = new Map<
    string,
    { actor: string; value: string; day: number; firstMs: number; lastMs: number; count: number }
  >();
  const see = (actor: string, value: string, day: number, timeMs: number): void => {
    const key = `${actor}\u0000${value}\u0000${day}`;
    const row = rows.get(key);
    if (row === undefined) rows.set(key, { actor, value, day, firstMs: timeMs, lastMs: timeMs, count: 1 });
    else {
      row.firstMs = Math.min(row.firstMs, timeMs);
      row.lastMs = Math.max(row.lastMs, timeMs);
      row.count += 1;
    }
  };
  for (const event of events) forEachValue(event, see);
  return [...rows.values()];
}

/** The baseline stored sightings give: the same as observing the events they came from. */
export function baselineFromSightings(sightings: Iterable<BaselineSighting>): Baseline {
  const builder = new BaselineBuilder();
  for (const row of sightings) builder.addSighting(row.actor, row.value, row.day, row.firstMs);
  return new Baseline(builder.data);
}

/** The values an event shows for its actor, the one definition both the builder and the sightings use. */
function forEachValue(
  event: CloudTrailEvent,
  see: (actor: string, value: string, day: number, timeMs: number) => void,
): void {
  const key = actorKey(event);
  if (key === null) return;
  const day = Math.floor(event.timeMs / DAY_MS);
  if (event.sourceIp !== null) see(key, `ip:${event.sourceIp}`, day, event.timeMs);
  const family = clientFamily(event);
  if (family !== null) see(key, `ua:${family}`, day, event.timeMs);
  see(key, 'any', day, event.timeMs);
}

export class BaselineBuilder {
  readonly data: BaselineData = new Map();

  observe(event: CloudTrailEvent): void {
    forEachValue(event, (key, value, day, timeMs) => this.addSighting(key, value, day, timeMs));
  }

  merge(other: BaselineData): void {
    for (const [key, values] of other) {
      for (const [value, days] of values) {
        for (const [day, timeMs] of days) this.addSighting(key, value, day, timeMs);
      }
    }
  }

  /**
   * The data in a flat form for the trip from a worker thread: copying two string tables and one array of
   * numbers costs the receiving thread far less than rebuilding nested maps. `mergeTransfer` reads it back.
   */
  encode(): BaselineTransfer {
    const actors: string[] = [];
    const values: string[] = [];
    const valueIndex = new Map<string, number>();
    const numbers: number[] = [];
    for (const [key, byValue] of this.data) {
      actors.push(key);
      numbers.push(byValue.size);
      for (const [value, days] of byValue) {
        let index = valueIndex.get(value);
        if (index === undefined) {
          index = values.length;
          values.push(value);
          valueIndex.set(value, index);
        }
        numbers.push(index, days.size);
        for (const [day, timeMs] of days) numbers.push(day, timeMs);
      }
    }
    return { actors, values, numbers: Float64Array.from(numbers) };
  }

  /** Merges what `encode` produced, as `merge` would merge the data it came from. */
  mergeTransfer(transfer: BaselineTransfer): void {
    const { actors, values, numbers } = transfer;
    let at = 0;
    for (const key of actors) {
      let byValue = this.data.get(key);
      if (byValue === undefined) this.data.set(key, (byValue = new Map<string, Map<number, number>>()));
      const valueCount = numbers[at++]!;
      for (let v = 0; v < valueCount; v++) {
        const value = values[numbers[at++]!]!;
        let days = byValue.get(value);
        if (days === undefined) byValue.set(value, (days = new Map<number, number>()));
        const dayCount = numbers[at++]!;
        for (let d = 0; d < dayCount; d++) {
          const day = numbers[at++]!;
          const timeMs = numbers[at++]!;
          const earliest = days.get(day);
          if (earliest === undefined || timeMs < earliest) days.set(day, timeMs);
        }
      }
    }
  }

  addSighting(key: string, value: string, day: number, timeMs: number): void {
    let values = this.data.get(key);
    if (values === undefined) this.data.set(key, (values = new Map<string, Map<number, number>>()));
    let days = values.get(value);
    if (days === undefined) values.set(value, (days = new Map<number, number>()));
    const earliest = days.get(day);
    if (earliest === undefined || timeMs < earliest) days.set(day, timeMs);
  }
}

export class Baseline {
  constructor(private readonly data: BaselineData) {}

  /**
   * Was `value` seen for this actor in [fromMs, untilMs)? Sightings are kept as the earliest per day, so a day
   * that started before `fromMs` counts when its earliest sighting is in range or the day reaches into the range.
   */
  seenBetween(actor: string, value: string, fromMs: number, untilMs: number): boolean {
    const days = this.data.get(actor)?.get(value);
    if (days === undefined) return false;
    for (const [day, earliest] of days) {
      if (earliest < untilMs && (day + 1) * DAY_MS > fromMs) return true;
    }
    return false;
  }

  /** Seen in the look-back before `timeMs`, leaving out the last `gapMs` (an intruder's own minutes are not familiarity). */
  seenBefore(actor: string, value: string, timeMs: number, lookbackMs: number, gapMs = 0): boolean {
    return this.seenBetween(actor, value, timeMs - lookbackMs, timeMs - gapMs);
  }

  hasHistory(actor: string, timeMs: number, lookbackMs: number, gapMs = 0): boolean {
    return this.seenBefore(actor, 'any', timeMs, lookbackMs, gapMs);
  }
}
