// What notifiers get from the composition root: the environment for secrets, a clock, and the I/O clients (replaceable in tests).

import type { SNSClient } from '@aws-sdk/client-sns';
import { UsageError } from '../model/index.ts';
import type { Environment } from './notifiers/common-config.ts';
import type { SnsNotifierConfig } from './notifiers/sns/config-schema.ts';
import type { FetchLike } from './http.ts';

export interface NotifierDeps {
  /** Where the secrets named in the configuration (`secretEnv`, `routingKeyEnv`...) are read. */
  readonly env: Environment;
  /** Milliseconds since the epoch: signature timestamps, Retry-After dates. */
  readonly now: () => number;
  /** Defaults to the global fetch. */
  readonly fetch?: FetchLike;
  /** Defaults to a client for the topic's region (and `endpoint`) with the default credential chain. */
  readonly snsClient?: (config: SnsNotifierConfig) => SNSClient;
  /** Sent as User-Agent by the HTTP notifiers. */
  readonly userAgent?: string;
}

export const DEFAULT_USER_AGENT = 'mfaguard-notifier/1';

/** The secret in `name`; the configuration check already asked for it, so a gap here means the environment changed. */
export function readSecret(deps: NotifierDeps, name: string, notifierId: string): string {
  const value = deps.env[name];
  if (value === undefined || value === '') {
    throw new UsageError(`notifier '${notifierId}': environment variable ${name} is not set or empty`);
  }
  return value;
}

export function fetchOf(deps: NotifierDeps): FetchLike {
  return deps.fetch ?? ((input, init) => fetch(input, init));
}
