// Owners from IAM user tags, read live: ListUserTags for the user whose MFA was removed, cached for a while.

import type { IAMClient } from '@aws-sdk/client-iam';
import { ListUserTagsCommand } from '@aws-sdk/client-iam';
import type { OwnerTarget } from '../cases/index.ts';
import { ExternalError } from '../model/index.ts';

export interface IamTagReaderOptions {
  readonly clock: () => number;
  /** How long a user's tags are reused (default 10 minutes): one removal burst must not become a burst of IAM calls. */
  readonly ttlMs?: number;
}

/**
 * Reads a user's tags with the service's own credentials. A user that does not exist in that account (another
 * account of the organisation, or deleted since) has no tags here: null, and the next owner source is tried.
 * Any other failure (AccessDenied, throttling) is an ExternalError the owner chain logs and skips.
 */
export function createIamTagReader(
  client: IAMClient,
  options: IamTagReaderOptions,
): (target: OwnerTarget) => Promise<Readonly<Record<string, string>> | null> {
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const cache = new Map<string, { at: number; tags: Readonly<Record<string, string>> | null }>();
  return async (target) => {
    const key = `${target.account ?? ''}/${target.userName.toLowerCase()}`;
    const cached = cache.get(key);
    if (cached !== undefined && options.clock() - cached.at < ttlMs) return cached.tags;
    const tags: Record<string, string> = {};
    let marker: string | undefined;
    try {
      do {
        const page = await client.send(
          new ListUserTagsCommand({
            UserName: target.userName,
            ...(marker === undefined ? {} : { Marker: marker }),
          }),
        );
        for (const tag of page.Tags ?? []) {
          if (tag.Key !== undefined && tag.Value !== undefined) tags[tag.Key] = tag.Value;
        }
        marker = page.IsTruncated === true ? page.Marker : undefined;
      } while (marker !== undefined);
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchEntityException' || name === 'NoSuchEntity') {
        cache.set(key, { at: options.clock(), tags: null });
        return null;
      }
      throw new ExternalError(
        'iam',
        `ListUserTags for ${target.userName} failed: ${(error as Error).message}`,
        {
          retryable:
            name === 'Throttling' || name === 'ThrottlingException' || name === 'ServiceFailureException',
          cause: error,
        },
      );
    }
    cache.set(key, { at: options.clock(), tags });
    return tags;
  };
}
