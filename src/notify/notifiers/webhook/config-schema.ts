// The settings of the webhook notifier (signed HTTP webhook) as a zod schema, the typed config it becomes, and the
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

/** Shorter HMAC secrets are accepted with a warning: a receiver may have chosen one. */
const MIN_SECRET_LENGTH = 32;

export const WEBHOOK_SETTINGS = z
  .strictObject({
    ...NOTIFIER_COMMON_SHAPE,
    kind: z.literal('webhook'),
    url: httpUrl(),
    secretEnv: envName().meta({
      description: 'name of the environment variable holding the HMAC secret (32+ bytes)',
    }),
  })
  .meta({ title: 'webhook notifier' });

export const WEBHOOK_CONFIG = WEBHOOK_SETTINGS.transform((s) => ({
  ...commonConfig(s, { verificationLinks: false }),
  kind: s.kind,
  url: s.url,
  /** Name of the environment variable holding the HMAC secret (never the secret itself). */
  secretEnv: s.secretEnv,
}));

export type WebhookNotifierConfig = z.output<typeof WEBHOOK_CONFIG>;

export function adviseWebhook(config: WebhookNotifierConfig, env: Environment | null): ConfigAdvice[] {
  const missing = requireEnv(env, 'secretEnv', config.secretEnv);
  const secret = env?.[config.secretEnv] ?? '';
  const short =
    env !== null && missing.length === 0 && secret.length < MIN_SECRET_LENGTH
      ? [
          {
            path: ['secretEnv'],
            message: `the secret in ${config.secretEnv} is shorter than ${MIN_SECRET_LENGTH} characters`,
            hint: 'use at least 32 random bytes, e.g. `openssl rand -hex 32`',
            level: 'warning' as const,
          },
        ]
      : [];
  return [...plainHttpWarning('url', config.url, 'a webhook'), ...missing, ...short];
}
