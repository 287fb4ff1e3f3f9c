// The notifiers' config schemas, kind -> zod schema, in alphabetical order: one line per notifier, beside its line in
// registry.ts. Kept apart from the senders so that reading a configuration loads no SDK.

import { z } from 'zod';
import type { NotifierKind } from './notification.ts';
import { EMAIL_CONFIG_SCHEMA } from './notifiers/email/config-schema.ts';
import { PAGERDUTY_CONFIG_SCHEMA } from './notifiers/pagerduty/config-schema.ts';
import { SLACK_CONFIG_SCHEMA } from './notifiers/slack/config-schema.ts';
import { SNS_CONFIG_SCHEMA } from './notifiers/sns/config-schema.ts';
import { WEBHOOK_CONFIG_SCHEMA } from './notifiers/webhook/config-schema.ts';

export const NOTIFIER_CONFIG_SCHEMAS = {
  email: EMAIL_CONFIG_SCHEMA,
  pagerduty: PAGERDUTY_CONFIG_SCHEMA,
  slack: SLACK_CONFIG_SCHEMA,
  sns: SNS_CONFIG_SCHEMA,
  webhook: WEBHOOK_CONFIG_SCHEMA,
} as const satisfies Readonly<Record<NotifierKind, z.ZodObject>>;

/** The settings each notifier kind accepts, alphabetically (for the unknown-setting check and its hint). */
export const NOTIFIER_SETTINGS: Readonly<Record<NotifierKind, readonly string[]>> = {
  email: Object.keys(EMAIL_CONFIG_SCHEMA.shape).sort(),
  pagerduty: Object.keys(PAGERDUTY_CONFIG_SCHEMA.shape).sort(),
  slack: Object.keys(SLACK_CONFIG_SCHEMA.shape).sort(),
  sns: Object.keys(SNS_CONFIG_SCHEMA.shape).sort(),
  webhook: Object.keys(WEBHOOK_CONFIG_SCHEMA.shape).sort(),
};

const ROUTE_SCHEMA = z
  .strictObject({
    name: z.string().optional(),
    minSeverity: z.enum(['info', 'low', 'medium', 'high', 'critical']).optional(),
    classifications: z.array(z.string()).optional(),
    kinds: z.array(z.string()).optional(),
    notify: z.array(z.string()).min(1).meta({ description: 'notifier ids' }),
  })
  .meta({ title: 'route' });

/** The `notify` section's shape, for the published JSON Schema (notify/config.ts validates the values). */
export const NOTIFY_SECTION_SCHEMA = z
  .strictObject({
    notifiers: z
      .array(
        z.discriminatedUnion('kind', [
          NOTIFIER_CONFIG_SCHEMAS.email,
          NOTIFIER_CONFIG_SCHEMAS.pagerduty,
          NOTIFIER_CONFIG_SCHEMAS.slack,
          NOTIFIER_CONFIG_SCHEMAS.sns,
          NOTIFIER_CONFIG_SCHEMAS.webhook,
        ]),
      )
      .optional(),
    routes: z.array(ROUTE_SCHEMA).optional(),
  })
  .nullish()
  .meta({ description: 'Notifiers and the routes that choose them' });
