// The slack notifier: Block Kit messages to a Slack incoming webhook, CloudTrail text escaped for mrkdwn.

import { defineNotifier } from '../../definition.ts';
import { SLACK_CONFIG, SLACK_SETTINGS, adviseSlack } from './config-schema.ts';
import { createSlackNotifier } from './slack.ts';

export const SLACK_NOTIFIER = defineNotifier({
  kind: 'slack',
  label: 'Slack incoming webhook',
  settings: SLACK_SETTINGS,
  config: SLACK_CONFIG,
  advise: adviseSlack,
  create: createSlackNotifier,
});
