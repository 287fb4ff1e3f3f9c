// The notifier registry: kind -> factory, in alphabetical order, and building the configured notifiers.

import { InternalError } from '../model/index.ts';
import type {
  EmailNotifierConfig,
  NotifierConfig,
  PagerDutyNotifierConfig,
  SlackNotifierConfig,
  SnsNotifierConfig,
  WebhookNotifierConfig,
} from './config.ts';
import type { NotifierDeps } from './deps.ts';
import type { Notifier, NotifierKind } from './notification.ts';
import { createEmailNotifier } from './notifiers/email/email.ts';
import { createPagerDutyNotifier } from './notifiers/pagerduty/pagerduty.ts';
import { createSlackNotifier } from './notifiers/slack/slack.ts';
import { createSnsNotifier } from './notifiers/sns/sns.ts';
import { createWebhookNotifier } from './notifiers/webhook/webhook.ts';

export type NotifierFactory<C extends NotifierConfig = NotifierConfig> = (
  config: C,
  deps: NotifierDeps,
) => Notifier;

interface FactoryTable {
  readonly email: NotifierFactory<EmailNotifierConfig>;
  readonly pagerduty: NotifierFactory<PagerDutyNotifierConfig>;
  readonly slack: NotifierFactory<SlackNotifierConfig>;
  readonly sns: NotifierFactory<SnsNotifierConfig>;
  readonly webhook: NotifierFactory<WebhookNotifierConfig>;
}

export const NOTIFIER_FACTORIES: Readonly<FactoryTable> & Readonly<Record<NotifierKind, unknown>> = {
  email: createEmailNotifier,
  pagerduty: createPagerDutyNotifier,
  slack: createSlackNotifier,
  sns: createSnsNotifier,
  webhook: createWebhookNotifier,
};

export function createNotifier(config: NotifierConfig, deps: NotifierDeps): Notifier {
  switch (config.kind) {
    case 'email':
      return NOTIFIER_FACTORIES.email(config, deps);
    case 'pagerduty':
      return NOTIFIER_FACTORIES.pagerduty(config, deps);
    case 'slack':
      return NOTIFIER_FACTORIES.slack(config, deps);
    case 'sns':
      return NOTIFIER_FACTORIES.sns(config, deps);
    case 'webhook':
      return NOTIFIER_FACTORIES.webhook(config, deps);
  }
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
