// The sns notifier: publishes to an Amazon SNS topic (FIFO topics deduplicated by the notification's key).

import { defineNotifier } from '../../definition.ts';
import { SNS_CONFIG, SNS_SETTINGS, adviseSns } from './config-schema.ts';
import { createSnsNotifier } from './sns.ts';

export const SNS_NOTIFIER = defineNotifier({
  kind: 'sns',
  label: 'Amazon SNS topic',
  settings: SNS_SETTINGS,
  config: SNS_CONFIG,
  advise: adviseSns,
  create: createSnsNotifier,
});
