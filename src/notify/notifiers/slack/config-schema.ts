// The settings of the slack notifier (Slack incoming webhook) as a zod schema, the typed config it becomes, and the
// checks that need the environment.

import { z } from 'zod';
import type { ConfigAdvice, Environment } from '../common-config.ts';
import {
  NOTIFIER_COMMON_SHAPE,
  commonConfig,
  envName,
  httpUrl,
  plainHttpWarning,
  requireEnv,
} from '../common-config.ts';

export const SLACK_SETTINGS = z
  .strictObject({
    ...NOTIFIER_COMMON_SHAPE,
    kind: z.literal('slack'),
    url: httpUrl().optional().meta({ description: 'the webhook URL (a secret: prefer urlEnv)' }),
    urlEnv: envName()
      .optional()
      .meta({ description: 'name of the environment variable holding the webhook URL' }),
  })
  .meta({ title: 'slack notifier' });

export const SLACK_CONFIG = SLACK_SETTINGS.transform((s, ctx) => {
  if ((s.url === undefined) === (s.urlEnv === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: 'give exactly one of url and urlEnv',
      params: { hint: 'prefer urlEnv: a Slack webhook URL is a secret' },
    });
    return z.NEVER;
  }
  return {
    ...commonConfig(s, { verificationLinks: false }),
    kind: s.kind,
    /** Slack's webhook URL is itself the secret, so `urlEnv` is preferred; exactly one of the two is set. */
    url: s.url ?? null,
    urlEnv: s.urlEnv ?? null,
  };
});

export type SlackNotifierConfig = z.output<typeof SLACK_CONFIG>;

export function adviseSlack(config: SlackNotifierConfig, env: Environment | null): ConfigAdvice[] {
  if (config.url !== null) {
    return [
      ...plainHttpWarning('url', config.url, 'a Slack webhook'),
      {
        path: ['url'],
        message: 'a Slack webhook URL is a secret and should not sit in a configuration file',
        hint: 'move it to an environment variable and name it in urlEnv',
        level: 'warning',
      },
    ];
  }
  const missing = requireEnv(env, 'urlEnv', config.urlEnv);
  if (env === null || config.urlEnv === null || missing.length > 0) return missing;
  if (/^https?:\/\//.test(env[config.urlEnv] ?? '')) return [];
  return [
    {
      path: ['urlEnv'],
      message: `environment variable ${config.urlEnv} does not hold an http(s) URL`,
      level: 'error',
    },
  ];
}
