// The settings of the sns notifier (Amazon SNS topic), as a zod schema: the keys notify/config.ts accepts for it, and its
// part of the published configuration JSON Schema.

import { z } from 'zod';
import { NOTIFIER_COMMON_SHAPE } from '../common-config.ts';

export const SNS_CONFIG_SCHEMA = z
  .strictObject({
    ...NOTIFIER_COMMON_SHAPE,
    kind: z.literal('sns'),
    topicArn: z.string().meta({ description: 'arn:aws:sns:REGION:ACCOUNT:NAME' }),
    region: z.string().optional().meta({ description: "default: the topic ARN's region" }),
    endpoint: z.string().optional().meta({ description: 'a different endpoint (LocalStack, VPC endpoint)' }),
  })
  .meta({ title: 'sns notifier' });
