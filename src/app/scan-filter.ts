// What a scan is limited to (--since, --until, --account, --region): decided from S3 keys and folder paths before any
// read when CloudTrail's layout names them, and on each record otherwise.

import type { PrefixVerdict } from '../ingest/index.ts';
import type { CloudTrailEvent } from '../model/index.ts';
import { UsageError } from '../model/index.ts';

/** Plain data, so it crosses to worker threads as is. */
export interface ScanFilter {
  /** Inclusive lower bound on the event time (epoch ms). */
  readonly sinceMs?: number;
  /** Exclusive upper bound. */
  readonly untilMs?: number;
  readonly accounts?: readonly string[];
  readonly regions?: readonly string[];
}

export interface ScanFilterInput {
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly accounts?: readonly string[] | undefined;
  readonly regions?: readonly string[] | undefined;
}

const DAY_MS = 86_400_000;
const UNITS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/** Parses the command-line values; relative times (`7d`, `12h`, `30m`, `2w`) count back from `nowMs`. */
export function parseScanFilter(input: ScanFilterInput, nowMs: number): ScanFilter {
  const sinceMs = input.since === undefined ? undefined : parseTimeOption('since', input.since, nowMs);
  const untilMs = input.until === undefined ? undefined : parseTimeOption('until', input.until, nowMs);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) {
    throw new UsageError(
      `--since (${new Date(sinceMs).toISOString()}) must be before --until (${new Date(untilMs).toISOString()})`,
    );
  }
  const accounts = splitList(input.accounts);
  for (const account of accounts) {
    if (!/^\d{12}$/.test(account))
      throw new UsageError(`--account expects a 12-digit AWS account id, got '${account.slice(0, 40)}'`);
  }
  const regions = splitList(input.regions);
  for (const region of regions) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
      throw new UsageError(`--region expects an AWS region such as eu-west-1, got '${region.slice(0, 40)}'`);
  }
  return {
    ...(sinceMs === undefined ? {} : { sinceMs }),
    ...(untilMs === undefined ? {} : { untilMs }),
    ...(accounts.length === 0 ? {} : { accounts }),
    ...(regions.length === 0 ? {} : { regions }),
  };
}

function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((v) => v !== '');
}

export function parseTimeOption(name: string, value: string, nowMs: number): number {
  const relative = /^(\d+)([mhdw])$/.exec(value.trim());
  if (relative !== null) return nowMs - Number(relative[1]) * (UNITS[relative[2] ?? 'd'] ?? DAY_MS);
  // A date alone, or a date-time with a zone: a time without one would depend on the machine's zone.
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) || /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(
    `--${name} expects an ISO date or time (2024-03-01, 2024-03-01T12:00:00Z) or a relative time (30m, 12h, 7d, 2w), got '${value.slice(0, 40)}'`,
  );
}

export function isFilterActive(filter: ScanFilter | undefined): filter is ScanFilter {
  return (
    filter !== undefined &&
    (filter.sinceMs !== undefined ||
      filter.untilMs !== undefined ||
      filter.accounts !== undefined ||
      filter.regions !== undefined)
  );
}

// AWSLogs/[o-org/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ as trails (and organisation trails) write it.
const LAYOUT =
  /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]+\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\//;

export interface LocationVerdict {
  /** The location cannot hold a wanted record: it is not read at all. */
  readonly skip: boolean;
  /** Its path proves the account and region of every record in it, so records need only the time check. */
  readonly placeKnown: boolean;
}

/**
 * Judges a file path or S3 key by CloudTrail's layout. The folder's date is the delivery date, and a file can hold
 * events from shortly before midnight of the day before, so a day is kept when it reaches within a day of the window.
 */
export function judgeLocation(location: string, filter: ScanFilter): LocationVerdict {
  const match = LAYOUT.exec(location.replaceAll('\\', '/'));
  if (match === null) return { skip: false, placeKnown: false };
  const [, account = '', region = '', year, month, day] = match;
  if (filter.accounts !== undefined && !filter.accounts.includes(account))
    return { skip: true, placeKnown: true };
  if (filter.regions !== undefined && !filter.regions.includes(region))
    return { skip: true, placeKnown: true };
  const dayMs = Date.UTC(Number(year), Number(month) - 1, Number(day));
  if (filter.sinceMs !== undefined && dayMs + DAY_MS <= filter.sinceMs - DAY_MS)
    return { skip: true, placeKnown: true };
  if (filter.untilMs !== undefined && dayMs - DAY_MS >= filter.untilMs)
    return { skip: true, placeKnown: true };
  return { skip: false, placeKnown: true };
}

/**
 * Judges an S3 folder-like prefix (ending in `/`) before it is listed, by how far it reaches into CloudTrail's layout:
 * an account, region, year, month or day outside the filter is not listed; a day inside is listed whole; a level not
 * yet decided is listed one level down. Anything off the layout is listed whole, as without a filter. The same day
 * of slack as `judgeLocation`: a delivery day can hold events from shortly before its midnight.
 */
export function judgePrefix(prefix: string, filter: ScanFilter): PrefixVerdict {
  const parts = prefix.split('/');
  parts.pop();
  const at = parts.lastIndexOf('AWSLogs');
  // Above AWSLogs/: a bucket's root, or the trail's own prefix one level up.
  if (at === -1) return parts.length <= 1 ? 'descend' : 'whole';
  const rest = parts.slice(at + 1);
  if (rest[0]?.startsWith('o-') === true) rest.shift();
  const [account, service, region, year, month, day] = rest;
  if (account === undefined) return 'descend';
  if (!/^\d{12}$/.test(account)) return 'whole';
  if (filter.accounts !== undefined && !filter.accounts.includes(account)) return 'skip';
  if (service === undefined) return 'descend';
  if (service === 'CloudTrail-Digest') return 'skip';
  if (service !== 'CloudTrail') return 'whole';
  if (region === undefined) return 'descend';
  if (filter.regions !== undefined && !filter.regions.includes(region)) return 'skip';
  if (year === undefined) return 'descend';
  if (!/^\d{4}$/.test(year) || (month !== undefined && !/^\d{2}$/.test(month))) return 'whole';
  if (day !== undefined && !/^\d{2}$/.test(day)) return 'whole';
  const y = Number(year);
  const m = month === undefined ? 0 : Number(month) - 1;
  const fromMs = Date.UTC(y, m, day === undefined ? 1 : Number(day));
  const toMs =
    day !== undefined ? fromMs + DAY_MS : month !== undefined ? Date.UTC(y, m + 1, 1) : Date.UTC(y + 1, 0, 1);
  if (filter.sinceMs !== undefined && toMs <= filter.sinceMs - DAY_MS) return 'skip';
  if (filter.untilMs !== undefined && fromMs - DAY_MS >= filter.untilMs) return 'skip';
  return day === undefined ? 'descend' : 'whole';
}

/** The record-level check: the event's time, account (the one it was recorded in) and region. */
export function eventPasses(event: CloudTrailEvent, filter: ScanFilter): boolean {
  if (filter.sinceMs !== undefined && event.timeMs < filter.sinceMs) return false;
  if (filter.untilMs !== undefined && event.timeMs >= filter.untilMs) return false;
  if (filter.accounts !== undefined && (event.account === null || !filter.accounts.includes(event.account)))
    return false;
  if (filter.regions !== undefined && (event.region === null || !filter.regions.includes(event.region)))
    return false;
  return true;
}
