// The settings of the pagerduty notifier (PagerDuty Events API v2) as a zod schema, the typed config it becomes, and
// the checks that need the environment.

import { z } from 'zod';
import type { ConfigAdvice, Environment } from '../common-config.ts';
import {
  NOTIFIER_COMMON_SHAPE,
  commonConfig,
  envName,
  httpUrl,
  oneLine,
  plainHttpWarning,
  requireEnv,
} from '../common-config.ts';

export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';

export const PAGERDUTY_SETTINGS = z
  .strictObject({
    ...NOTIFIER_COMMON_SHAPE,
    kind: z.literal('pagerduty'),
    url: httpUrl()
      .optional()
      .meta({ description: `Events API URL (default ${DEFAULT_PAGERDUTY_URL})` }),
    routingKeyEnv: envName().meta({
      description: 'name of the environment variable holding the routing key',
    }),
    source: oneLine()
      .optional()
      .meta({ description: 'payload.source when the alert names no account (default mfaguard)' }),
  })
  .meta({ title: 'pagerduty notifier' });

export const PAGERDUTY_CONFIG = PAGERDUTY_SETTINGS.transform((s) => ({
  ...commonConfig(s, { verificationLinks: false }),
  kind: s.kind,
  url: s.url ?? DEFAULT_PAGERDUTY_URL,
  routingKeyEnv: s.routingKeyEnv,
  /** PagerDuty's `payload.source` when the alert names no account. */
  source: s.source ?? 'mfaguard',
}));

export type PagerDutyNotifierConfig = z.output<typeof PAGERDUTY_CONFIG>;

export function advisePagerDuty(config: PagerDutyNotifierConfig, env: Environment | null): ConfigAdvice[] {
  return [
    ...plainHttpWarning('url', config.url, 'PagerDuty events'),
    ...requireEnv(env, 'routingKeyEnv', config.routingKeyEnv),
  ];
}
