// An alert of a scan as one line of text, the way it crosses from a worker thread and waits on disk: what orders and
// identifies it up front, the rest as JSON without the rule block, which the main thread puts back from the rule set.
//
// Why a line and not the object: with a rule that fires on every record a scan holds and moves hundreds of thousands of
// alerts. As objects each cost some 6 KB of heap and a structured clone per thread hop; as text about 1.3 KB, copied
// in one piece, and JSON is what they are written to disk as anyway. The rule block (name, MITRE mapping) is the same
// for every alert of a rule and a third of the alert's JSON.

import type { Alert } from '../model/index.ts';
import { InternalError, SEVERITIES, severityRank } from '../model/index.ts';
import { alertToJson, ruleToJson } from '../report/index.ts';
import type { PendingAlert } from '../report/index.ts';

/** What orders and identifies an alert without reading its body (see `compareAlerts`). */
export interface AlertHead {
  readonly time: string;
  /** `severityRank` of the severity: higher first. */
  readonly rank: number;
  readonly id: string;
  readonly eventId: string;
  readonly ruleId: string;
}

/** An alert waiting to be written: its head, the order it arrived in, and its body (JSON) or the object itself. */
export interface AlertEntry extends AlertHead {
  /** Arrival order: of two copies of one alert (the same event from two trails), the first seen is written. */
  readonly seq: number;
  readonly body: string | null;
  readonly alert: Alert | null;
}

/** The rule blocks of the loaded rules by id: what `encodeAlert` leaves out. */
export type AlertRules = ReadonlyMap<string, Alert['rule']>;

/** `[time, rank, id, eventId, ruleId]` as JSON, a tab, the alert without `rule` as JSON: JSON never holds a raw tab. */
export function encodeAlert(alert: Alert): string {
  const { rule, ...body } = alert;
  return (
    JSON.stringify([alert.event.time, severityRank(alert.severity), alert.id, alert.event.id, rule.id]) +
    '\t' +
    JSON.stringify(body)
  );
}

/**
 * Encoded alerts as one UTF-8 block, a line each (JSON never holds a raw newline). A result's alerts cross from a
 * worker so: one copy of bytes instead of a string per alert, and the main thread copies each body into its spill
 * without ever making it a string (see `AlertSpill.addLines`).
 */
export function alertLinesOf(lines: readonly string[]): Uint8Array {
  return lines.length === 0 ? new Uint8Array(0) : Buffer.from(lines.join('\n'));
}

/** An encoded alert as an entry arriving `seq`-th. */
export function entryOfLine(line: string, seq: number): AlertEntry {
  const tab = line.indexOf('\t');
  return { ...headOfLine(line.slice(0, tab)), seq, body: line.slice(tab + 1), alert: null };
}

/** The head of an encoded alert (the JSON before its tab). */
export function headOfLine(head: string): AlertHead {
  const [time, rank, id, eventId, ruleId] = JSON.parse(head) as [string, number, string, string, string];
  return { time, rank, id, eventId, ruleId };
}

/** An alert already whole (triaged, aggregate) as an entry arriving `seq`-th. */
export function entryOfAlert(alert: Alert, seq: number): AlertEntry {
  return {
    time: alert.event.time,
    rank: severityRank(alert.severity),
    id: alert.id,
    eventId: alert.event.id,
    ruleId: alert.rule.id,
    seq,
    body: null,
    alert,
  };
}

/** The head of a run's line: the entry's head with its `seq`, as JSON (a tab and the body follow it). */
export function runHeadOf(entry: AlertEntry): string {
  return JSON.stringify([entry.time, entry.rank, entry.id, entry.eventId, entry.ruleId, entry.seq]);
}

/** A line of a run back into its entry. */
export function entryOfRunLine(line: string): AlertEntry {
  const tab = line.indexOf('\t');
  const [time, rank, id, eventId, ruleId, seq] = JSON.parse(line.slice(0, tab)) as [
    string,
    number,
    string,
    string,
    string,
    number,
  ];
  return { time, rank, id, eventId, ruleId, seq, body: line.slice(tab + 1), alert: null };
}

/** Oldest first, then the most severe, then by id (as `compareAlerts`), then the first arrival. */
export function compareEntries(a: AlertEntry, b: AlertEntry): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.seq - b.seq;
}

/** The alert an entry stands for, with its rule block back in the place `buildAlert` puts it. */
export function alertOfEntry(entry: AlertEntry, rules: AlertRules): Alert {
  if (entry.alert !== null) return entry.alert;
  const rule = rules.get(entry.ruleId);
  if (rule === undefined)
    throw new InternalError(`an alert of rule ${entry.ruleId}, which the scan did not load`);
  const { id, ...body } = JSON.parse(entry.body!) as Omit<Alert, 'rule'>;
  // `id` first and `rule` second, as `buildAlert` builds it; the rest in the order it was written.
  return { id, rule, ...body };
}

/**
 * The rule blocks of the loaded rules, as objects and as the JSON the output writes (made once per rule, on first use).
 */
export class RuleBlocks {
  private readonly json = new Map<string, string>();

  constructor(readonly rules: AlertRules) {}

  /** `JSON.stringify(ruleToJson(rule))` of the rule `ruleId`. */
  jsonOf(ruleId: string): string {
    let text = this.json.get(ruleId);
    if (text === undefined) {
      const rule = this.rules.get(ruleId);
      if (rule === undefined)
        throw new InternalError(`an alert of rule ${ruleId}, which the scan did not load`);
      this.json.set(ruleId, (text = JSON.stringify(ruleToJson(rule))));
    }
    return text;
  }
}

/**
 * An entry as the writer takes it. An alert as a rule made it (a body, not triaged) is written from its body: the
 * worker serialised it with `JSON.stringify` in `buildAlert`'s key order, which is `alertToJson`'s (id, rule, severity,
 * ..., reasons; the test "a final alert is written as alertToJson writes it" holds them together), so the output line
 * is the body with the rule block put back after the id, without parsing and serialising each alert again.
 */
export function pendingOfEntry(entry: AlertEntry, blocks: RuleBlocks): PendingAlert {
  let alert: Alert | null = entry.alert;
  const whole = (): Alert => (alert ??= alertOfEntry(entry, blocks.rules));
  return {
    severity: SEVERITIES[entry.rank]!,
    alert: whole,
    json: () => jsonOfBody(entry, blocks) ?? JSON.stringify(alertToJson(whole())),
  };
}

/** The output JSON of an entry from its body alone, or null when it has none or the body is not laid out as expected. */
export function jsonOfBody(entry: AlertEntry, blocks: RuleBlocks): string | null {
  const body = entry.body;
  if (body === null) return null;
  const head = '{"id":' + JSON.stringify(entry.id) + ',';
  if (!body.startsWith(head)) return null;
  return head + '"rule":' + blocks.jsonOf(entry.ruleId) + ',' + body.slice(head.length);
}
