// The settings of the webhook notifier (signed HTTP webhook), as a zod schema: the keys notify/config.ts accepts for it, and its
// part of the published configuration JSON Schema.

import { z } from 'zod';
import { NOTIFIER_COMMON_SHAPE } from '../common-config.ts';

export const WEBHOOK_CONFIG_SCHEMA = z
  .strictObject({
    ...NOTIFIER_COMMON_SHAPE,
    kind: z.literal('webhook'),
    url: z.string(),
    secretEnv: z
      .string()
      .meta({ description: 'name of the environment variable holding the HMAC secret (32+ bytes)' }),
  })
  .meta({ title: 'webhook notifier' });
