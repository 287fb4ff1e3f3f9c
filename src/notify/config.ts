// The `notify` section of the configuration: notifiers and routes, checked by the zod schemas of the registered
// notifiers (notifiers/<kind>/config-schema.ts) and of the routes, with every problem named by path.

import type { z } from 'zod';
import type { Classification, InputIssue, Severity } from '../model/index.ts';
import { NOTIFY_LISTS, ROUTE_SETTINGS } from './config-schemas.ts';
import type { NotificationKind } from './notification.ts';
import type { ConfigAdvice, Environment } from './notifiers/common-config.ts';
import { show } from './notifiers/common-config.ts';
import { NOTIFIERS, NOTIFIER_KINDS, isNotifierKind } from './registry.ts';
import type { NotifierConfig } from './registry.ts';

export { DEFAULT_TIMEOUT_MS } from './notifiers/common-config.ts';
export type { Environment, NotifierCommon } from './notifiers/common-config.ts';
export type { NotifierConfig } from './registry.ts';
export { DEFAULT_PAGERDUTY_URL } from './notifiers/pagerduty/config-schema.ts';
export type { EmailNotifierConfig, StartTls } from './notifiers/email/config-schema.ts';
export type { PagerDutyNotifierConfig } from './notifiers/pagerduty/config-schema.ts';
export type { SlackNotifierConfig } from './notifiers/slack/config-schema.ts';
export type { SnsNotifierConfig } from './notifiers/sns/config-schema.ts';
export type { WebhookNotifierConfig } from './notifiers/webhook/config-schema.ts';

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

type Path = readonly (string | number)[];

/** Collects the problems of the whole section, each with its path under `notify` (app/config.ts adds the line). */
class Problems {
  readonly list: InputIssue[] = [];
  constructor(private readonly where: string) {}

  add(path: Path, message: string, hint?: string, level: 'error' | 'warning' = 'error'): void {
    const dotted = ['notify', ...path].join('.');
    this.list.push({
      level,
      code: 'notify-config',
      location: this.where,
      path: dotted,
      message: `${dotted}: ${message}`,
      ...(hint === undefined ? {} : { hint }),
    });
  }

  /** zod's issues under `at`; `known` are the settings allowed there, for the unknown-setting hint. */
  fromZod(at: Path, issues: readonly z.core.$ZodIssue[], known: readonly string[]): void {
    const seen = new Set<string>();
    for (const issue of issues) {
      const path = [...at, ...issue.path.map((part) => (typeof part === 'number' ? part : String(part)))];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          this.add([...path, key], `unknown setting '${key}'`, `known settings here: ${known.join(', ')}`);
        continue;
      }
      // Several checks of one value can fail with the same words (a concurrency of -1.5): say it once.
      const once = `${path.join('.')}\u0000${issue.message}`;
      if (seen.has(once)) continue;
      seen.add(once);
      const hint =
        issue.code === 'invalid_value'
          ? `use one of: ${issue.values.map(String).join(', ')}`
          : issue.code === 'custom'
            ? (issue.params as { hint?: string } | undefined)?.hint
            : undefined;
      this.add(path, issue.message, hint);
    }
  }

  advice(at: Path, advice: readonly ConfigAdvice[]): void {
    for (const item of advice) this.add([...at, ...item.path], item.message, item.hint, item.level);
  }

  errors(): number {
    return this.list.filter((issue) => issue.level === 'error').length;
  }
}

/** One notifier entry: its kind picks the registered schema, which checks every value; then what needs `env`. */
function parseNotifier(
  problems: Problems,
  path: Path,
  value: unknown,
  env: Environment | null,
): NotifierConfig | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add(path, `expected a mapping, got ${show(value)}`);
    return null;
  }
  const kind = (value as Record<string, unknown>)['kind'];
  if (!isNotifierKind(kind)) {
    problems.add(
      [...path, 'kind'],
      kind === undefined ? 'is required' : `unknown notifier kind ${show(kind)}`,
      `use one of: ${NOTIFIER_KINDS.join(', ')}`,
    );
    return null;
  }
  const definition = NOTIFIERS[kind];
  const parsed = definition.config.safeParse(value);
  if (!parsed.success) {
    problems.fromZod(path, parsed.error.issues, Object.keys(definition.settings.shape).sort());
    return null;
  }
  const config: NotifierConfig = parsed.data;
  const before = problems.errors();
  // The definition's own advise for its own config: the kind was the key of the lookup.
  const advise = definition.advise as (config: NotifierConfig, env: Environment | null) => ConfigAdvice[];
  problems.advice(path, advise(config, env));
  return problems.errors() > before ? null : config;
}

function parseRoute(problems: Problems, path: Path, value: unknown, index: number): Route | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add(path, `expected a mapping, got ${show(value)}`);
    return null;
  }
  const parsed = ROUTE_SETTINGS.safeParse(value);
  if (!parsed.success) {
    problems.fromZod(path, parsed.error.issues, Object.keys(ROUTE_SETTINGS.shape).sort());
    return null;
  }
  const route = parsed.data;
  return {
    name: route.name ?? `route ${index + 1}`,
    minSeverity: route.minSeverity ?? 'info',
    classifications: route.classifications ?? null,
    kinds: route.kinds ?? null,
    notify: [...new Set(route.notify)],
  };
}

/** The notifiers; an entry whose id an earlier entry took is refused, so routes can never mean two notifiers. */
function parseNotifiers(
  problems: Problems,
  items: readonly unknown[],
  env: Environment | null,
): { accepted: NotifierConfig[]; declared: Set<string> } {
  const accepted: NotifierConfig[] = [];
  const declared = new Set<string>();
  items.forEach((item, index) => {
    const id = (item as Record<string, unknown> | null)?.['id'];
    const duplicate = typeof id === 'string' && declared.has(id.trim());
    if (typeof id === 'string') declared.add(id.trim());
    const config = parseNotifier(problems, ['notifiers', index], item, env);
    if (duplicate) {
      problems.add(
        ['notifiers', index, 'id'],
        `duplicate notifier id '${String(id)}'`,
        'every notifier needs its own id',
      );
    } else if (config !== null) accepted.push(config);
  });
  return { accepted, declared };
}

/**
 * Validates the `notify` section (already parsed from YAML). Returns what it accepted and every problem;
 * a notifier or route with an error is left out rather than half-configured. `env` is where the secrets'
 * variables are looked up (checked to be present now, so a missing secret fails at start, not at 3 a.m.);
 * null checks only the variables' names (a `scan --config` does not need the service's secrets).
 */
export function parseNotifyConfig(
  raw: unknown,
  where: string,
  env: Environment | null = process.env,
): NotifyConfig {
  const problems = new Problems(where);
  if (raw === undefined || raw === null) return { notifiers: [], routes: [], issues: [] };
  const lists = NOTIFY_LISTS.safeParse(raw);
  if (!lists.success) {
    problems.fromZod([], lists.error.issues, Object.keys(NOTIFY_LISTS.shape));
    return { notifiers: [], routes: [], issues: problems.list };
  }
  const { accepted: notifiers, declared } = parseNotifiers(problems, lists.data.notifiers ?? [], env);
  const seen = new Set(notifiers.map((config) => config.id));
  const routes: Route[] = [];
  const used = new Set<string>();
  (lists.data.routes ?? []).forEach((item, index) => {
    const route = parseRoute(problems, ['routes', index], item, index);
    if (route === null) return;
    const unknown = route.notify.filter((id) => !declared.has(id));
    for (const id of unknown) {
      problems.add(
        ['routes', index, 'notify'],
        `no notifier has the id '${id}'`,
        `declared notifiers: ${[...declared].join(', ') || '(none)'}`,
      );
    }
    if (unknown.length > 0) return;
    // A notifier that failed validation is declared but not accepted: the route keeps the others.
    const kept = route.notify.filter((id) => seen.has(id));
    for (const id of kept) used.add(id);
    if (kept.length > 0) routes.push({ ...route, notify: kept });
  });
  for (const config of notifiers) {
    if (!used.has(config.id)) {
      problems.add(
        ['notifiers'],
        `notifier '${config.id}' is named by no route, so it will never be used`,
        "add it to a route's notify list",
        'warning',
      );
    }
  }
  return { notifiers, routes, issues: problems.list };
}
