// The settings of the slack notifier (Slack incoming webhook), as a zod schema: the keys notify/config.ts accepts for it, and its
// part of the published configuration JSON Schema.

import { z } from 'zod';
import { NOTIFIER_COMMON_SHAPE } from '../common-config.ts';

export const SLACK_CONFIG_SCHEMA = z
  .strictObject({
    ...NOTIFIER_COMMON_SHAPE,
    kind: z.literal('slack'),
    url: z.string().optional().meta({ description: 'the webhook URL (a secret: prefer urlEnv)' }),
    urlEnv: z
      .string()
      .optional()
      .meta({ description: 'name of the environment variable holding the webhook URL' }),
  })
  .meta({ title: 'slack notifier' });
