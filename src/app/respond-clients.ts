// IAM clients for the responder, one per account: a removal in account B is contained in account B, through a role there.

import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { partitionOfRegion } from '../model/index.ts';
import { assumeRole } from '../posture/index.ts';
import type { TemporaryCredentials } from '../posture/index.ts';
import { responderRoleArn } from '../respond/index.ts';
import type { ResponderRole } from '../respond/index.ts';

/** The AWS clients the responder needs; tests give mocked ones (aws-sdk-client-mock). */
export interface RespondClients {
  readonly sts: STSClient;
  /** IAM with the service's own credentials (null) or with a role assumed in the target's account. */
  readonly iamFor: (credentials: TemporaryCredentials | null) => IAMClient;
}

export interface AccountIamOptions {
  readonly clients: RespondClients;
  /** Null: every account gets the service's own client (and STS is never asked). */
  readonly role: ResponderRole | null;
  readonly clock: () => number;
  /** Credentials are assumed again this long before they expire (an IAM call must not start on the last second). */
  readonly refreshBeforeMs?: number;
  /** Asked for; within the role's maximum session duration (default one hour). */
  readonly durationSeconds?: number;
}

/** The SDK refreshes its own credentials five minutes early; the same margin here. */
export const REFRESH_BEFORE_MS = 5 * 60_000;
const DEFAULT_DURATION_SECONDS = 3600;

interface Assumed {
  readonly client: IAMClient;
  /** Assume again at or after this time. */
  readonly renewAtMs: number;
}

/** The partition of the service's own STS region: where a role given by name lives when nothing else says. */
export async function servicePartition(clients: RespondClients): Promise<string> {
  return partitionOfRegion(await clients.sts.config.region());
}

/**
 * The responder's `iam(account, partition)`: with a role configured, STS AssumeRole in that account, the client kept
 * until shortly before its credentials expire; concurrent actions in one account share one AssumeRole. A role given by
 * name is assumed in the partition the responder names (the case's), else in the service's STS region's. A failed
 * assume is not kept (the next action asks again) and rejects with the role named, which fails the action with that
 * reason. An action without an account (no account in the event) gets the service's own client.
 */
export function accountIam(
  options: AccountIamOptions,
): (account: string | null, partition?: string) => Promise<IAMClient> {
  const { clients, role, clock } = options;
  const refreshBeforeMs = options.refreshBeforeMs ?? REFRESH_BEFORE_MS;
  const durationSeconds = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  let own: IAMClient | null = null;
  const cache = new Map<string, Promise<Assumed>>();

  async function assume(r: ResponderRole, account: string, partition: string | undefined): Promise<Assumed> {
    const askedAt = clock();
    const credentials = await assumeRole(clients.sts, {
      roleArn: responderRoleArn(r, account, partition ?? (await servicePartition(clients))),
      sessionName: r.sessionName,
      externalId: r.externalId,
      durationSeconds,
    });
    const expiresAt = credentials.expiration?.getTime() ?? askedAt + durationSeconds * 1000;
    return { client: clients.iamFor(credentials), renewAtMs: expiresAt - refreshBeforeMs };
  }

  return async (account, partition) => {
    if (role === null || account === null) return (own ??= clients.iamFor(null));
    // One account id in two partitions is two accounts.
    const key = `${partition ?? ''}:${account}`;
    const cached = cache.get(key);
    if (cached !== undefined) {
      const got = await cached.catch(() => null);
      if (got !== null && clock() < got.renewAtMs) return got.client;
    }
    const pending = assume(role, account, partition);
    cache.set(key, pending);
    try {
      return (await pending).client;
    } catch (error) {
      if (cache.get(key) === pending) cache.delete(key);
      throw error;
    }
  };
}
