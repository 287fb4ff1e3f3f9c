// The settings of the sns notifier (Amazon SNS topic) as a zod schema, the typed config it becomes, and its warnings.

import { z } from 'zod';
import type { ConfigAdvice } from '../common-config.ts';
import {
  NOTIFIER_COMMON_SHAPE,
  commonConfig,
  httpUrl,
  oneLine,
  plainHttpWarning,
  show,
} from '../common-config.ts';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export const SNS_SETTINGS = z
  .strictObject({
    ...NOTIFIER_COMMON_SHAPE,
    kind: z.literal('sns'),
    topicArn: oneLine()
      .refine((arn) => TOPIC_ARN.test(arn), {
        error: (issue) =>
          `expected an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:mfaguard, got ${show(issue.input)}`,
      })
      .meta({ description: 'arn:aws:sns:REGION:ACCOUNT:NAME' }),
    region: oneLine().optional().meta({ description: "default: the topic ARN's region" }),
    endpoint: httpUrl().optional().meta({ description: 'a different endpoint (LocalStack, VPC endpoint)' }),
  })
  .meta({ title: 'sns notifier' });

export const SNS_CONFIG = SNS_SETTINGS.transform((s) => ({
  ...commonConfig(s, { verificationLinks: false }),
  kind: s.kind,
  topicArn: s.topicArn,
  /** From the topic ARN unless given (the ARN matched TOPIC_ARN, so its region is there). */
  region: s.region ?? TOPIC_ARN.exec(s.topicArn)?.[1] ?? '',
  /** A different endpoint (LocalStack, VPC endpoint); null for AWS's own. */
  endpoint: s.endpoint ?? null,
}));

export type SnsNotifierConfig = z.output<typeof SNS_CONFIG>;

export function adviseSns(config: SnsNotifierConfig): ConfigAdvice[] {
  return plainHttpWarning('endpoint', config.endpoint, 'an SNS endpoint');
}
