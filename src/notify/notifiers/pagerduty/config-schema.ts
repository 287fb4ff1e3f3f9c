// The settings of the pagerduty notifier (PagerDuty Events API v2), as a zod schema: the keys notify/config.ts accepts for it, and its
// part of the published configuration JSON Schema.

import { z } from 'zod';
import { NOTIFIER_COMMON_SHAPE } from '../common-config.ts';

export const PAGERDUTY_CONFIG_SCHEMA = z
  .strictObject({
    ...NOTIFIER_COMMON_SHAPE,
    kind: z.literal('pagerduty'),
    url: z
      .string()
      .optional()
      .meta({ description: 'Events API URL (default https://events.pagerduty.com/v2/enqueue)' }),
    routingKeyEnv: z
      .string()
      .meta({ description: 'name of the environment variable holding the routing key' }),
    source: z
      .string()
      .optional()
      .meta({ description: 'payload.source when the alert names no account (default mfaguard)' }),
  })
  .meta({ title: 'pagerduty notifier' });
