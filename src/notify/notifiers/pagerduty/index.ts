// The pagerduty notifier: PagerDuty Events API v2 (trigger, and resolve when the case is resolved).

import { defineNotifier } from '../../definition.ts';
import { PAGERDUTY_CONFIG, PAGERDUTY_SETTINGS, advisePagerDuty } from './config-schema.ts';
import { createPagerDutyNotifier } from './pagerduty.ts';

export const PAGERDUTY_NOTIFIER = defineNotifier({
  kind: 'pagerduty',
  label: 'PagerDuty Events API v2',
  settings: PAGERDUTY_SETTINGS,
  config: PAGERDUTY_CONFIG,
  advise: advisePagerDuty,
  create: createPagerDutyNotifier,
});
