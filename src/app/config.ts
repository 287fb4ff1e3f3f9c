// The configuration file (YAML): parsed once, validated with every problem named by path and line, turned into typed settings.

import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { DEFAULT_TRIAGE_CONFIG, isKnownTimeZone } from '../enrich/index.ts';
import type { Approval, Owner, TriageConfig, WorkingHours } from '../enrich/index.ts';
import type { InputIssue, Severity } from '../model/index.ts';
import { isPrintableTime, isSeverity, UsageError } from '../model/index.ts';
// The notify section's parser only: notify/index.ts also loads the SNS SDK and nodemailer, which `scan` must not pay for.
import { parseNotifyConfig } from '../notify/config.ts';
import type { Environment, NotifyConfig } from '../notify/config.ts';
import type { RespondConfig } from '../respond/policy.ts';
import { parseRespond } from './config-respond.ts';

/** The `serve` section: what the live service needs beyond triage. */
export interface ServeConfig {
  /** Base URL people reach the service at (links in messages); null: the `serve` command decides. */
  readonly publicUrl: string | null;
  /** How long the owner's "was this you?" links stay valid; no answer by then escalates. */
  readonly verificationTtlMs: number;
  /**
   * How late CloudTrail may deliver an event (S3 delivery takes 5 to 15 minutes): a removal is called
   * unresolved only once its grace window plus this allowance has passed without a new device.
   */
  readonly deliveryLagMs: number;
  /** IAM user tag keys naming the owner's e-mail address, tried in order. */
  readonly ownerTagKeys: readonly string[];
  /**
   * An owner's "yes, this was me" resolves the case, except for root (never automatic) and for cases at or above
   * this severity, which are escalated for a person to close; null: only root.
   */
  readonly escalateConfirmedAt: Severity | null;
}

export interface MfaguardConfig {
  readonly triage: TriageConfig;
  /** Absent in configurations built by hand: DEFAULT_SERVE_CONFIG applies. */
  readonly serve?: ServeConfig;
  /** Notifiers and routes; absent or empty: nothing is sent. */
  readonly notify?: NotifyConfig;
  /** The response policy; absent: DEFAULT_RESPOND_CONFIG (dry-run). */
  readonly respond?: RespondConfig;
}

export const DEFAULT_SERVE_CONFIG: ServeConfig = {
  publicUrl: null,
  verificationTtlMs: 24 * 3_600_000,
  deliveryLagMs: 15 * 60_000,
  ownerTagKeys: ['owner-email', 'owner', 'contact-email'],
  escalateConfirmedAt: null,
};

export interface ParseConfigOptions {
  /**
   * The environment the notifiers' secrets are read from. When not given the variables are not checked
   * (a `scan --config` does not need the service's secrets); `serve` passes `process.env`.
   */
  readonly env?: Environment;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DAY_NAMES: Readonly<Record<string, number>> = {
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  sun: 7,
};

/** No count in the configuration (days of look-back, removals in a burst) is larger. */
const MAX_COUNT = 1_000_000;

/** No duration in mfaguard is longer: a time plus any duration stays printable (see model's LATEST_TIME_MS). */
export const MAX_DURATION_MS = 100 * 365 * 24 * 3_600_000;

/**
 * `90s`, `15m`, `1h`, `2d` (or a bare number of seconds) to milliseconds; null when it is not a duration or
 * longer than 100 years.
 */
export function parseDuration(value: unknown): number | null {
  let ms: number | null = null;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) ms = value * 1000;
  else if (typeof value === 'string') {
    const match = /^(\d{1,7})(s|m|h|d)$/.exec(value.trim());
    if (match !== null) ms = Number(match[1]) * (DURATION_UNITS[match[2]!] ?? 0);
  }
  return ms === null || ms > MAX_DURATION_MS ? null : ms;
}

function parseClock(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(value.trim());
  if (match === null) return null;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes <= 24 * 60 ? minutes : null;
}

/** A date-time within years 1970..9999 (what every screen and export can print), else null. */
function parseTime(value: unknown): number | null {
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return isPrintableTime(ms) ? ms : null;
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Walks the parsed YAML with positions so that every problem can say where it is. */
export class Checker {
  readonly issues: InputIssue[] = [];
  constructor(
    private readonly location: string,
    private readonly lines: LineCounter,
    private readonly root: YamlNode | null,
  ) {}

  private nodeAt(path: readonly (string | number)[]): YamlNode | null {
    let node: unknown = this.root;
    for (const key of path) {
      if (isMap(node) || isSeq(node)) node = node.get(key, true);
      else return null;
    }
    return (node as YamlNode | undefined) ?? null;
  }

  problem(path: readonly (string | number)[], message: string, hint?: string): void {
    // Point at the nearest node that exists.
    let node: YamlNode | null = null;
    for (let depth = path.length; depth >= 0 && node === null; depth--)
      node = this.nodeAt(path.slice(0, depth));
    const offset = node?.range?.[0];
    const position = offset === undefined ? null : this.lines.linePos(offset);
    this.issues.push({
      level: 'error',
      code: 'config',
      location: this.location,
      path: path.join('.'),
      message: `${path.join('.') || '(top level)'}: ${message}`,
      ...(position === null ? {} : { line: position.line, column: position.col }),
      ...(hint === undefined ? {} : { hint }),
    });
  }

  object(
    path: readonly (string | number)[],
    value: unknown,
    allowed: readonly string[],
  ): Record<string, unknown> | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) {
      this.problem(path, `expected a mapping, got ${show(value)}`);
      return null;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key))
        this.problem(
          [...path, key],
          `unknown setting '${key}'`,
          `known settings here: ${allowed.join(', ')}`,
        );
    }
    return record;
  }

  strings(path: readonly (string | number)[], value: unknown): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(path, `expected a list of names, got ${show(value)}`);
      return [];
    }
    const out: string[] = [];
    value.forEach((item, index) => {
      if (typeof item === 'string' && item !== '') out.push(item);
      else this.problem([...path, index], `expected a name, got ${show(item)}`);
    });
    return out;
  }

  duration(path: readonly (string | number)[], value: unknown, fallback: number): number {
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === null)
      this.problem(
        path,
        `expected a duration such as 90s, 15m, 1h or 2d (at most 100 years), got ${show(value)}`,
      );
    return ms ?? fallback;
  }

  /** A whole number from `min` to MAX_COUNT: larger ones are typing mistakes, and stay exact as numbers. */
  count(
    path: readonly (string | number)[],
    value: unknown,
    fallback: number,
    min: number,
    max: number = MAX_COUNT,
  ): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(path, `expected a whole number from ${min} to ${max}, got ${show(value)}`);
      return fallback;
    }
    return value;
  }
}

/** Parses and validates configuration text; throws UsageError listing every problem. */
export function parseConfig(
  text: string,
  location: string,
  options: ParseConfigOptions = {},
): MfaguardConfig {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error): InputIssue => {
      const position = lines.linePos(error.pos[0]);
      return {
        level: 'error',
        code: 'config-yaml',
        location,
        line: position.line,
        column: position.col,
        message: error.message.split('\n')[0] ?? 'invalid YAML',
      };
    });
    throw new UsageError(`the configuration file ${location} is not valid YAML`, issues);
  }
  const check = new Checker(location, lines, document.contents);
  const raw: unknown = document.toJS();
  const top =
    check.object([], raw ?? {}, ['approvals', 'identities', 'notify', 'respond', 'serve', 'triage', 'workingHours']) ??
    {};

  const triage =
    check.object(['triage'], top['triage'], [
      'burst',
      'followUpWindow',
      'graceWindow',
      'lookbackDays',
      'precursorWindow',
    ]) ?? {};
  const burst = check.object(['triage', 'burst'], triage['burst'], ['count', 'window']) ?? {};
  const lookbackDays = check.count(
    ['triage', 'lookbackDays'],
    triage['lookbackDays'],
    DEFAULT_TRIAGE_CONFIG.lookbackMs / 86_400_000,
    1,
    // Days as long as the longest duration (100 years), so now minus the look-back stays a printable time.
    36_500,
  );

  let workingHours: WorkingHours | null = null;
  const hours = check.object(['workingHours'], top['workingHours'], ['days', 'end', 'start', 'timeZone']);
  if (hours !== null) {
    const timeZone = hours['timeZone'];
    const start = parseClock(hours['start'] ?? '08:00');
    const end = parseClock(hours['end'] ?? '18:00');
    const dayNames = check.strings(
      ['workingHours', 'days'],
      hours['days'] ?? ['mon', 'tue', 'wed', 'thu', 'fri'],
    );
    const days = dayNames.map((name) => DAY_NAMES[name.slice(0, 3).toLowerCase()] ?? 0);
    dayNames.forEach((name, index) => {
      if (days[index] === 0)
        check.problem(
          ['workingHours', 'days', index],
          `unknown day ${show(name)}`,
          'use mon, tue, wed, thu, fri, sat, sun',
        );
    });
    if (typeof timeZone !== 'string' || !isKnownTimeZone(timeZone)) {
      check.problem(
        ['workingHours', 'timeZone'],
        `expected an IANA time zone such as Europe/Paris or UTC, got ${show(timeZone)}`,
      );
    } else if (start === null || end === null || start >= end) {
      check.problem(
        ['workingHours'],
        'start and end must be times of day such as "08:00" and "18:00", start before end',
      );
    } else {
      workingHours = { timeZone, days: days.filter((day) => day > 0), startMinute: start, endMinute: end };
    }
  }

  const identities =
    check.object(['identities'], top['identities'], [
      'administrators',
      'breakGlass',
      'owners',
      'privileged',
    ]) ?? {};
  const owners = new Map<string, Owner>();
  const ownerMap = check.object(
    ['identities', 'owners'],
    identities['owners'],
    Object.keys((identities['owners'] as object | null) ?? {}),
  );
  for (const [user, value] of Object.entries(ownerMap ?? {})) {
    const owner = check.object(['identities', 'owners', user], value, ['email', 'team']);
    if (owner === null) continue;
    const email = owner['email'];
    if (email !== undefined && (typeof email !== 'string' || !email.includes('@'))) {
      check.problem(['identities', 'owners', user, 'email'], `expected an email address, got ${show(email)}`);
    }
    owners.set(user, {
      email: typeof email === 'string' ? email : null,
      team: typeof owner['team'] === 'string' ? owner['team'] : null,
    });
  }

  const approvals: Approval[] = [];
  const approvalList = top['approvals'];
  if (approvalList !== undefined && approvalList !== null && !Array.isArray(approvalList)) {
    check.problem(['approvals'], `expected a list of approvals, got ${show(approvalList)}`);
  }
  (Array.isArray(approvalList) ? approvalList : []).forEach((item, index) => {
    const path = ['approvals', index];
    const approval = check.object(path, item, [
      'account',
      'actor',
      'approver',
      'from',
      'ticket',
      'to',
      'user',
      'window',
    ]);
    if (approval === null) return;
    const ticket = approval['ticket'];
    const user = approval['user'];
    const fromMs = parseTime(approval['from']);
    const windowMs = approval['window'] === undefined ? null : parseDuration(approval['window']);
    const toMs =
      approval['to'] !== undefined
        ? parseTime(approval['to'])
        : fromMs !== null && windowMs !== null
          ? fromMs + windowMs
          : null;
    const before = check.issues.length;
    if (typeof ticket !== 'string' || ticket === '')
      check.problem([...path, 'ticket'], 'every approval needs a ticket, e.g. CHG-123');
    if (typeof user !== 'string' || user === '')
      check.problem([...path, 'user'], 'every approval needs the target user name');
    if (fromMs === null)
      check.problem(
        [...path, 'from'],
        `expected a date-time from 1970 to 9999 such as 2026-11-20T09:00:00Z, got ${show(approval['from'])}`,
      );
    if (toMs === null)
      check.problem([...path, 'to'], 'give `to` (a date-time) or `window` (a duration such as 2h)');
    else if (fromMs !== null && toMs < fromMs) check.problem([...path, 'to'], '`to` is before `from`');
    else if (!isPrintableTime(toMs)) check.problem([...path, 'to'], 'the window must end by 9999-12-31');
    if (check.issues.length > before || fromMs === null || toMs === null) return;
    const account = approval['account'];
    approvals.push({
      ticket: ticket as string,
      user: user as string,
      actor: typeof approval['actor'] === 'string' ? approval['actor'] : null,
      account: typeof account === 'string' || typeof account === 'number' ? String(account) : null,
      fromMs,
      toMs,
      approver: typeof approval['approver'] === 'string' ? approval['approver'] : null,
    });
  });

  const serve = parseServe(check, top['serve']);
  const notify = parseNotifyConfig(top['notify'], location, options.env ?? null);
  for (const issue of notify.issues) if (issue.level === 'error') check.issues.push(issue);

  const respond = parseRespond(check, top['respond']);

  const config: MfaguardConfig = {
    serve,
    notify,
    respond,
    triage: {
      graceWindowMs: check.duration(
        ['triage', 'graceWindow'],
        triage['graceWindow'],
        DEFAULT_TRIAGE_CONFIG.graceWindowMs,
      ),
      burstCount: check.count(
        ['triage', 'burst', 'count'],
        burst['count'],
        DEFAULT_TRIAGE_CONFIG.burstCount,
        2,
      ),
      burstWindowMs: check.duration(
        ['triage', 'burst', 'window'],
        burst['window'],
        DEFAULT_TRIAGE_CONFIG.burstWindowMs,
      ),
      precursorWindowMs: check.duration(
        ['triage', 'precursorWindow'],
        triage['precursorWindow'],
        DEFAULT_TRIAGE_CONFIG.precursorWindowMs,
      ),
      followUpWindowMs: check.duration(
        ['triage', 'followUpWindow'],
        triage['followUpWindow'],
        DEFAULT_TRIAGE_CONFIG.followUpWindowMs,
      ),
      lookbackMs: lookbackDays * 86_400_000,
      workingHours,
      privilegedUsers: new Set(check.strings(['identities', 'privileged'], identities['privileged'])),
      breakGlassUsers: new Set(check.strings(['identities', 'breakGlass'], identities['breakGlass'])),
      administrators: new Set(check.strings(['identities', 'administrators'], identities['administrators'])),
      owners,
      approvals,
    },
  };
  if (check.issues.length > 0) {
    throw new UsageError(
      `the configuration file ${location} has ${check.issues.length} problem(s)`,
      check.issues,
    );
  }
  return config;
}

function parseServe(check: Checker, value: unknown): ServeConfig {
  const serve =
    check.object(['serve'], value, [
      'deliveryLag',
      'escalateConfirmedAt',
      'ownerTagKeys',
      'publicUrl',
      'verificationTtl',
    ]) ?? {};
  let publicUrl: string | null = null;
  const url = serve['publicUrl'];
  if (url !== undefined && url !== null) {
    let parsed: URL | null = null;
    try {
      parsed = typeof url === 'string' ? new URL(url) : null;
    } catch {
      parsed = null;
    }
    if (
      parsed === null ||
      (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
      parsed.username !== ''
    )
      check.problem(
        ['serve', 'publicUrl'],
        `expected an http(s) URL without credentials, such as https://mfaguard.example.com, got ${show(url)}`,
      );
    else publicUrl = parsed.href.replace(/\/+$/, '');
  }
  const ttl = check.duration(
    ['serve', 'verificationTtl'],
    serve['verificationTtl'],
    DEFAULT_SERVE_CONFIG.verificationTtlMs,
  );
  if (ttl < 60_000) check.problem(['serve', 'verificationTtl'], 'must be at least 1m');
  const escalate = serve['escalateConfirmedAt'];
  let escalateConfirmedAt: Severity | null = DEFAULT_SERVE_CONFIG.escalateConfirmedAt;
  if (escalate !== undefined) {
    if (escalate === null || escalate === 'never') escalateConfirmedAt = null;
    else if (isSeverity(escalate)) escalateConfirmedAt = escalate;
    else
      check.problem(
        ['serve', 'escalateConfirmedAt'],
        `expected a severity (low, medium, high, critical) or never, got ${show(escalate)}`,
      );
  }
  const tagKeys = check.strings(['serve', 'ownerTagKeys'], serve['ownerTagKeys']);
  return {
    publicUrl,
    verificationTtlMs: ttl,
    deliveryLagMs: check.duration(
      ['serve', 'deliveryLag'],
      serve['deliveryLag'],
      DEFAULT_SERVE_CONFIG.deliveryLagMs,
    ),
    ownerTagKeys: serve['ownerTagKeys'] === undefined ? DEFAULT_SERVE_CONFIG.ownerTagKeys : tagKeys,
    escalateConfirmedAt,
  };
}

export function loadConfigFile(path: string, options: ParseConfigOptions = {}): MfaguardConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`cannot read the configuration file ${path}: ${reason}`);
  }
  return parseConfig(text, path, options);
}

export const DEFAULT_CONFIG: MfaguardConfig = {
  triage: DEFAULT_TRIAGE_CONFIG,
  serve: DEFAULT_SERVE_CONFIG,
  notify: { notifiers: [], routes: [], issues: [] },
};
