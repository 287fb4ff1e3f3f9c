// The `notify` section of the configuration: notifiers and routes, validated with every problem named by path.

import type { Classification, InputIssue, Severity } from '../model/index.ts';
import { SEVERITIES, isSeverity } from '../model/index.ts';
import { NOTIFIER_SETTINGS } from './config-schemas.ts';
import type { NotificationKind, NotifierKind } from './notification.ts';
import {
  NOTIFICATION_KINDS,
  NOTIFIER_KINDS,
  NOTIFY_CLASSIFICATIONS,
  isClassification,
  isNotificationKind,
  isNotifierKind,
} from './notification.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';

interface NotifierCommon {
  readonly id: string;
  /** How long one send may take before it counts as a (retryable) timeout. */
  readonly timeoutMs: number;
  /** Sends in flight at once on this notifier (its lane in the outbox); the worker's default when absent. */
  readonly concurrency?: number;
  /**
   * Show the owner's confirm/deny links. Off by default outside email: whoever can click them answers for
   * the owner, so they belong in the owner's mailbox, not in a channel.
   */
  readonly verificationLinks: boolean;
}

export interface WebhookNotifierConfig extends NotifierCommon {
  readonly kind: 'webhook';
  readonly url: string;
  /** Name of the environment variable holding the HMAC secret (never the secret itself). */
  readonly secretEnv: string;
}

export interface SlackNotifierConfig extends NotifierCommon {
  readonly kind: 'slack';
  /** Slack's webhook URL is itself the secret, so `urlEnv` is preferred; exactly one of the two is set. */
  readonly url: string | null;
  readonly urlEnv: string | null;
}

export interface SnsNotifierConfig extends NotifierCommon {
  readonly kind: 'sns';
  readonly topicArn: string;
  /** From the topic ARN unless given. */
  readonly region: string;
  /** A different endpoint (LocalStack, VPC endpoint); null for AWS's own. */
  readonly endpoint: string | null;
}

export interface PagerDutyNotifierConfig extends NotifierCommon {
  readonly kind: 'pagerduty';
  readonly url: string;
  readonly routingKeyEnv: string;
  /** PagerDuty's `payload.source` when the alert names no account. */
  readonly source: string;
}

export type StartTls = 'required' | 'opportunistic' | 'off';

export interface EmailNotifierConfig extends NotifierCommon {
  readonly kind: 'email';
  readonly host: string;
  readonly port: number;
  /** Implicit TLS from the first byte (port 465); otherwise `starttls` decides. */
  readonly secure: boolean;
  readonly starttls: StartTls;
  readonly user: string | null;
  readonly passwordEnv: string | null;
  readonly from: string;
  /** The team's addresses; verification requests go to the notification's `recipient` instead. */
  readonly to: readonly string[];
  readonly subjectPrefix: string;
}

export type NotifierConfig =
  | EmailNotifierConfig
  | PagerDutyNotifierConfig
  | SlackNotifierConfig
  | SnsNotifierConfig
  | WebhookNotifierConfig;

/**
 * A route sends the notifications it matches to the notifiers it names. All given conditions must hold;
 * a condition left out matches everything. `classifications` given means a notification without a
 * classification does not match.
 */
export interface Route {
  readonly name: string;
  readonly minSeverity: Severity;
  readonly classifications: readonly Classification[] | null;
  readonly kinds: readonly NotificationKind[] | null;
  readonly notify: readonly string[];
}

export interface NotifyConfig {
  readonly notifiers: NotifierConfig[];
  readonly routes: Route[];
  readonly issues: InputIssue[];
}

export type Environment = Readonly<Record<string, string | undefined>>;

const MAX_CONCURRENCY = 64;
/** Each kind's settings come from its config schema, in its folder (notifiers/<kind>/config-schema.ts). */
const KEYS = NOTIFIER_SETTINGS;
const ROUTE_KEYS = ['classifications', 'kinds', 'minSeverity', 'name', 'notify'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };

type Path = readonly (string | number)[];

function show(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
}

/** Collects problems instead of stopping at the first, each with its path under the `notify` section. */
class Checker {
  readonly issues: InputIssue[] = [];
  constructor(
    private readonly where: string,
    /** null: the variables' values are not checked (a `scan --config` does not need the service's secrets). */
    readonly env: Environment | null,
  ) {}

  problem(path: Path, message: string, hint?: string, level: 'error' | 'warning' = 'error'): void {
    const dotted = ['notify', ...path].join('.');
    this.issues.push({
      level,
      code: 'notify-config',
      location: this.where,
      path: dotted,
      message: `${dotted}: ${message}`,
      ...(hint === undefined ? {} : { hint }),
    });
  }

  mapping(path: Path, value: unknown, allowed: readonly string[] | null): Record<string, unknown> | null {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
      this.problem(path, `expected a mapping, got ${show(value)}`);
      return null;
    }
    const record = value as Record<string, unknown>;
    if (allowed !== null) this.keys(path, record, allowed);
    return record;
  }

  keys(path: Path, record: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) {
        this.problem(
          [...path, key],
          `unknown setting '${key}'`,
          `known settings here: ${allowed.join(', ')}`,
        );
      }
    }
  }

  text(path: Path, value: unknown, required: boolean): string | null {
    if (value === undefined || value === null) {
      if (required) this.problem(path, 'is required');
      return null;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.problem(path, `expected a non-empty string, got ${show(value)}`);
      return null;
    }
    if (/[\r\n\0]/.test(value)) {
      this.problem(path, 'must be one line (no CR, LF or NUL)');
      return null;
    }
    return value.trim();
  }

  flag(path: Path, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') this.problem(path, `expected true or false, got ${show(value)}`);
    return typeof value === 'boolean' ? value : fallback;
  }

  url(path: Path, value: unknown, required: boolean, label: string): string | null {
    const text = this.text(path, value, required);
    if (text === null) return null;
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      this.problem(path, `expected an http(s) URL, got ${show(text)}`);
      return null;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      this.problem(path, `expected an http(s) URL, got the scheme '${parsed.protocol}'`);
      return null;
    }
    if (parsed.username !== '' || parsed.password !== '') {
      this.problem(
        path,
        'must not carry a user name or password',
        'put credentials in environment variables',
      );
      return null;
    }
    if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
      this.problem(
        path,
        `${label} over plain http can be read and altered on the way`,
        'use https',
        'warning',
      );
    }
    return parsed.href;
  }

  /** An environment variable *name*, which must be set (and non-empty) in the environment mfaguard runs in. */
  envName(path: Path, value: unknown, required: boolean): string | null {
    const name = this.text(path, value, required);
    if (name === null) return null;
    if (!ENV_NAME.test(name)) {
      this.problem(
        path,
        `expected the name of an environment variable such as MFAGUARD_SECRET, got ${show(name)}`,
        "give the variable's name here and its value in the environment, never the secret itself",
      );
      return null;
    }
    if (this.env === null) return name;
    const actual = this.env[name];
    if (actual === undefined || actual === '') {
      this.problem(
        path,
        `environment variable ${name} is not set or empty`,
        `export ${name}=... before starting mfaguard`,
      );
      return null;
    }
    return name;
  }

  duration(path: Path, value: unknown, fallback: number): number {
    if (value === undefined) return fallback;
    let ms: number | null = null;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) ms = value * 1000;
    else if (typeof value === 'string') {
      const match = /^(\d{1,7})(ms|s|m)$/.exec(value.trim());
      if (match !== null) ms = Number(match[1]) * (DURATION_UNITS[match[2]!] ?? 0);
    }
    if (ms === null || ms <= 0 || ms > 600_000) {
      this.problem(
        path,
        `expected a duration between 1ms and 10m such as 500ms, 10s or 1m, got ${show(value)}`,
      );
      return fallback;
    }
    return ms;
  }

  list(path: Path, value: unknown): unknown[] | null {
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value)) {
      this.problem(path, `expected a list, got ${show(value)}`);
      return null;
    }
    return value as unknown[];
  }
}

function isEmailAddress(value: string): boolean {
  // `Name <a@b>` or `a@b`; header injection is ruled out by text() refusing CR/LF.
  const address = /<([^<>]+)>\s*$/.exec(value)?.[1] ?? value;
  return /^[^\s@<>]+@[^\s@<>]+$/.test(address.trim());
}

function parseNotifier(check: Checker, path: Path, value: unknown): NotifierConfig | null {
  // The kind decides which settings are allowed, so keys are checked after it.
  const raw = check.mapping(path, value, null);
  if (raw === null) return null;
  const before = check.issues.filter((i) => i.level === 'error').length;
  const kind = raw['kind'];
  if (!isNotifierKind(kind)) {
    check.problem(
      [...path, 'kind'],
      kind === undefined ? 'is required' : `unknown notifier kind ${show(kind)}`,
      `use one of: ${NOTIFIER_KINDS.join(', ')}`,
    );
    return null;
  }
  check.keys(path, raw, KEYS[kind]);
  const id = check.text([...path, 'id'], raw['id'], true);
  if (id !== null && !ID.test(id)) {
    check.problem([...path, 'id'], `expected letters, digits, '-', '_' or '.' (at most 64), got ${show(id)}`);
  }
  const concurrency = raw['concurrency'];
  if (
    concurrency !== undefined &&
    !(
      Number.isInteger(concurrency) &&
      (concurrency as number) >= 1 &&
      (concurrency as number) <= MAX_CONCURRENCY
    )
  ) {
    check.problem(
      [...path, 'concurrency'],
      `expected a whole number of sends at once between 1 and ${MAX_CONCURRENCY}, got ${show(concurrency)}`,
    );
  }
  const common = {
    id: id ?? '',
    timeoutMs: check.duration([...path, 'timeout'], raw['timeout'], DEFAULT_TIMEOUT_MS),
    ...(typeof concurrency === 'number' && Number.isInteger(concurrency) ? { concurrency } : {}),
    verificationLinks: check.flag([...path, 'verificationLinks'], raw['verificationLinks'], kind === 'email'),
  };
  const config = parseKind(check, path, kind, raw, common);
  const failed = id === null || check.issues.filter((i) => i.level === 'error').length > before;
  return failed ? null : config;
}

function parseKind(
  check: Checker,
  path: Path,
  kind: NotifierKind,
  raw: Record<string, unknown>,
  common: NotifierCommon,
): NotifierConfig | null {
  const at = (key: string): Path => [...path, key];
  switch (kind) {
    case 'webhook': {
      const url = check.url(at('url'), raw['url'], true, 'a webhook');
      const secretEnv = check.envName(at('secretEnv'), raw['secretEnv'], true);
      if (secretEnv !== null && check.env !== null && (check.env[secretEnv]?.length ?? 0) < 32) {
        check.problem(
          at('secretEnv'),
          `the secret in ${secretEnv} is shorter than 32 characters`,
          'use at least 32 random bytes, e.g. `openssl rand -hex 32`',
          'warning',
        );
      }
      return url === null || secretEnv === null ? null : { ...common, kind, url, secretEnv };
    }
    case 'slack': {
      const hasUrl = raw['url'] !== undefined;
      const hasEnv = raw['urlEnv'] !== undefined;
      if (hasUrl === hasEnv) {
        check.problem(
          path,
          'give exactly one of url and urlEnv',
          'prefer urlEnv: a Slack webhook URL is a secret',
        );
        return null;
      }
      if (hasUrl) {
        const url = check.url(at('url'), raw['url'], true, 'a Slack webhook');
        check.problem(
          at('url'),
          'a Slack webhook URL is a secret and should not sit in a configuration file',
          'move it to an environment variable and name it in urlEnv',
          'warning',
        );
        return url === null ? null : { ...common, kind, url, urlEnv: null };
      }
      const urlEnv = check.envName(at('urlEnv'), raw['urlEnv'], true);
      if (urlEnv === null) return null;
      if (check.env !== null && !/^https?:\/\//.test(check.env[urlEnv] ?? '')) {
        check.problem(at('urlEnv'), `environment variable ${urlEnv} does not hold an http(s) URL`);
        return null;
      }
      return { ...common, kind, url: null, urlEnv };
    }
    case 'sns': {
      const topicArn = check.text(at('topicArn'), raw['topicArn'], true);
      const match = topicArn === null ? null : TOPIC_ARN.exec(topicArn);
      if (topicArn !== null && match === null) {
        check.problem(
          at('topicArn'),
          `expected an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:mfaguard, got ${show(topicArn)}`,
        );
      }
      const region = check.text(at('region'), raw['region'], false) ?? match?.[1] ?? null;
      const endpoint = check.url(at('endpoint'), raw['endpoint'], false, 'an SNS endpoint');
      if (topicArn === null || match === null || region === null) return null;
      return { ...common, kind, topicArn, region, endpoint };
    }
    case 'pagerduty': {
      const url =
        raw['url'] === undefined
          ? DEFAULT_PAGERDUTY_URL
          : check.url(at('url'), raw['url'], true, 'PagerDuty events');
      const routingKeyEnv = check.envName(at('routingKeyEnv'), raw['routingKeyEnv'], true);
      const source = check.text(at('source'), raw['source'], false) ?? 'mfaguard';
      return url === null || routingKeyEnv === null ? null : { ...common, kind, url, routingKeyEnv, source };
    }
    case 'email': {
      const host = check.text(at('host'), raw['host'], true);
      const secure = check.flag(at('secure'), raw['secure'], false);
      let port = secure ? 465 : 587;
      if (raw['port'] !== undefined) {
        const value = raw['port'];
        if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535)
          port = value;
        else check.problem(at('port'), `expected a port number from 1 to 65535, got ${show(value)}`);
      }
      let starttls: StartTls = 'opportunistic';
      if (raw['starttls'] !== undefined) {
        const value = raw['starttls'];
        if (value === 'required' || value === 'opportunistic' || value === 'off') starttls = value;
        else check.problem(at('starttls'), `expected required, opportunistic or off, got ${show(value)}`);
      }
      const user = check.text(at('user'), raw['user'], false);
      const passwordEnv = check.envName(at('passwordEnv'), raw['passwordEnv'], user !== null);
      if (user === null && raw['passwordEnv'] !== undefined)
        check.problem(at('user'), 'is required when passwordEnv is given');
      if (user !== null && !secure && starttls === 'off') {
        check.problem(
          at('starttls'),
          'the SMTP password would travel in clear text',
          'use starttls: required or secure: true',
          'warning',
        );
      }
      const from = check.text(at('from'), raw['from'], true);
      if (from !== null && !isEmailAddress(from))
        check.problem(at('from'), `expected an email address, got ${show(from)}`);
      const to: string[] = [];
      (check.list(at('to'), raw['to']) ?? []).forEach((item, index) => {
        const address = check.text([...at('to'), index], item, true);
        if (address === null) return;
        if (isEmailAddress(address)) to.push(address);
        else check.problem([...at('to'), index], `expected an email address, got ${show(address)}`);
      });
      if (to.length === 0) {
        check.problem(
          at('to'),
          'no addresses: this notifier can only deliver verification requests (sent to the owner)',
          undefined,
          'warning',
        );
      }
      const subjectPrefix = check.text(at('subjectPrefix'), raw['subjectPrefix'], false) ?? '[mfaguard]';
      if (host === null || from === null) return null;
      return { ...common, kind, host, port, secure, starttls, user, passwordEnv, from, to, subjectPrefix };
    }
  }
}

function parseRoute(check: Checker, path: Path, value: unknown, index: number): Route | null {
  const raw = check.mapping(path, value, ROUTE_KEYS);
  if (raw === null) return null;
  const errorsBefore = check.issues.filter((i) => i.level === 'error').length;
  const name = check.text([...path, 'name'], raw['name'], false) ?? `route ${index + 1}`;
  let minSeverity: Severity = 'info';
  if (raw['minSeverity'] !== undefined) {
    if (isSeverity(raw['minSeverity'])) minSeverity = raw['minSeverity'];
    else
      check.problem(
        [...path, 'minSeverity'],
        `unknown severity ${show(raw['minSeverity'])}`,
        `use one of: ${SEVERITIES.join(', ')}`,
      );
  }
  const classificationList = check.list([...path, 'classifications'], raw['classifications']);
  const classifications: Classification[] = [];
  classificationList?.forEach((item, i) => {
    if (isClassification(item)) classifications.push(item);
    else
      check.problem(
        [...path, 'classifications', i],
        `unknown classification ${show(item)}`,
        `use: ${NOTIFY_CLASSIFICATIONS.join(', ')}`,
      );
  });
  const kindList = check.list([...path, 'kinds'], raw['kinds']);
  const kinds: NotificationKind[] = [];
  kindList?.forEach((item, i) => {
    if (isNotificationKind(item)) kinds.push(item);
    else
      check.problem(
        [...path, 'kinds', i],
        `unknown notification kind ${show(item)}`,
        `use: ${NOTIFICATION_KINDS.join(', ')}`,
      );
  });
  const notifyList = check.list([...path, 'notify'], raw['notify']);
  const notify: string[] = [];
  notifyList?.forEach((item, i) => {
    const id = check.text([...path, 'notify', i], item, true);
    if (id !== null && !notify.includes(id)) notify.push(id);
  });
  if (notifyList === null || notifyList.length === 0) {
    check.problem(
      [...path, 'notify'],
      'a route must name at least one notifier id',
      'e.g. notify: [soc-slack]',
    );
  }
  if (check.issues.filter((i) => i.level === 'error').length > errorsBefore) return null;
  return {
    name,
    minSeverity,
    classifications: classificationList === null ? null : classifications,
    kinds: kindList === null ? null : kinds,
    notify,
  };
}

/**
 * Validates the `notify` section (already parsed from YAML). Returns what it accepted and every problem;
 * a notifier or route with an error is left out rather than half-configured. `env` is where the secrets'
 * variables are looked up (checked to be present now, so a missing secret fails at start, not at 3 a.m.).
 */
/** `env`: where the notifiers' secrets are read from; null checks only the variables' names, not their values. */
export function parseNotifyConfig(
  raw: unknown,
  where: string,
  env: Environment | null = process.env,
): NotifyConfig {
  const check = new Checker(where, env);
  if (raw === undefined || raw === null) return { notifiers: [], routes: [], issues: [] };
  const top = check.mapping([], raw, ['notifiers', 'routes']);
  if (top === null) return { notifiers: [], routes: [], issues: check.issues };

  const notifiers: NotifierConfig[] = [];
  const seen = new Set<string>();
  const declared = new Set<string>();
  (check.list(['notifiers'], top['notifiers']) ?? []).forEach((item, index) => {
    const id = (item as Record<string, unknown> | null)?.['id'];
    const duplicate = typeof id === 'string' && declared.has(id.trim());
    if (typeof id === 'string') declared.add(id.trim());
    const config = parseNotifier(check, ['notifiers', index], item);
    if (duplicate) {
      check.problem(
        ['notifiers', index, 'id'],
        `duplicate notifier id '${String(id)}'`,
        'every notifier needs its own id',
      );
      return;
    }
    if (config === null) return;
    seen.add(config.id);
    notifiers.push(config);
  });

  const routes: Route[] = [];
  const used = new Set<string>();
  (check.list(['routes'], top['routes']) ?? []).forEach((item, index) => {
    const route = parseRoute(check, ['routes', index], item, index);
    if (route === null) return;
    const unknown = route.notify.filter((id) => !declared.has(id));
    for (const id of unknown) {
      check.problem(
        ['routes', index, 'notify'],
        `no notifier has the id '${id}'`,
        `declared notifiers: ${[...declared].join(', ') || '(none)'}`,
      );
    }
    if (unknown.length > 0) return;
    // A notifier that failed validation is declared but not accepted: the route keeps the others.
    const accepted = route.notify.filter((id) => seen.has(id));
    for (const id of accepted) used.add(id);
    if (accepted.length > 0) routes.push({ ...route, notify: accepted });
  });
  for (const config of notifiers) {
    if (!used.has(config.id)) {
      check.problem(
        ['notifiers'],
        `notifier '${config.id}' is named by no route, so it will never be used`,
        "add it to a route's notify list",
        'warning',
      );
    }
  }
  return { notifiers, routes, issues: check.issues };
}
