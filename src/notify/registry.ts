// The notifier registry: kind -> definition, in alphabetical order. Adding a notifier is one folder under notifiers/
// (its sender, its config schema, its index.ts) and one line here: the config types, the `notify:` section's
// validation and published schema, routing and the contract suite all read this object.

import type { z } from 'zod';
import { InternalError } from '../model/index.ts';
import type { NotifierDeps } from './deps.ts';
import type { Notifier } from './notification.ts';
import { EMAIL_NOTIFIER } from './notifiers/email/index.ts';
import { PAGERDUTY_NOTIFIER } from './notifiers/pagerduty/index.ts';
import { SLACK_NOTIFIER } from './notifiers/slack/index.ts';
import { SNS_NOTIFIER } from './notifiers/sns/index.ts';
import { WEBHOOK_NOTIFIER } from './notifiers/webhook/index.ts';

export const NOTIFIERS = {
  email: EMAIL_NOTIFIER,
  pagerduty: PAGERDUTY_NOTIFIER,
  slack: SLACK_NOTIFIER,
  sns: SNS_NOTIFIER,
  webhook: WEBHOOK_NOTIFIER,
} as const;

export type NotifierKind = keyof typeof NOTIFIERS;

/** One configured notifier, typed by its kind: the union of what every registered notifier's schema gives. */
export type NotifierConfig = { [K in NotifierKind]: z.output<(typeof NOTIFIERS)[K]['config']> }[NotifierKind];

export const NOTIFIER_KINDS = Object.keys(NOTIFIERS) as readonly NotifierKind[];

export function isNotifierKind(value: unknown): value is NotifierKind {
  return typeof value === 'string' && Object.hasOwn(NOTIFIERS, value);
}

export type NotifierFactory<C extends NotifierConfig = NotifierConfig> = (
  config: C,
  deps: NotifierDeps,
) => Notifier;

export function createNotifier(config: NotifierConfig, deps: NotifierDeps): Notifier {
  // The config's kind picks its own definition, so the factory gets the config type it was written for; TypeScript
  // cannot follow that correlation through the indexed lookup.
  const create = NOTIFIERS[config.kind].create as NotifierFactory;
  return create(config, deps);
}

/** Every configured notifier by id, for the outbox worker to look up the ids routeNotification returns. */
export function createNotifiers(
  configs: readonly NotifierConfig[],
  deps: NotifierDeps,
): ReadonlyMap<string, Notifier> {
  const notifiers = new Map<string, Notifier>();
  for (const config of configs) {
    if (notifiers.has(config.id))
      throw new InternalError(`duplicate notifier id '${config.id}' passed validation`);
    notifiers.set(config.id, createNotifier(config, deps));
  }
  return notifiers;
}
