// Who owns an IAM user, so that "was this you?" reaches a person: the owners file first, then IAM user tags.

import type { Owner } from '../enrich/index.ts';

export interface OwnerTarget {
  readonly account: string | null;
  readonly userName: string;
}

/** The owner's e-mail address, or null when this source does not know one. */
export type OwnerLookup = (target: OwnerTarget) => Promise<string | null>;

/** The tag keys tried by default, in order (compared without case: IAM tag keys are case-sensitive, people are not). */
export const DEFAULT_OWNER_TAG_KEYS: readonly string[] = ['owner-email', 'owner', 'contact-email'];

/** One address, no spaces or line breaks: it ends up in an SMTP envelope. */
export function isPlausibleEmail(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= 254 &&
    /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/.test(value)
  );
}

/** `identities.owners` of the configuration; user names compared without case (IAM user names are). */
export function configOwnerLookup(owners: ReadonlyMap<string, Owner>): OwnerLookup {
  const byName = new Map<string, string>();
  for (const [user, owner] of owners) {
    if (isPlausibleEmail(owner.email)) byName.set(user.toLowerCase(), owner.email);
  }
  return (target) => Promise.resolve(byName.get(target.userName.toLowerCase()) ?? null);
}

/**
 * IAM user tags such as `owner-email`, read by `getTags` (live from IAM, or from the posture snapshot).
 * A tag that is present but not an address is ignored, so a team name in `owner` does not become a recipient.
 */
export function tagOwnerLookup(
  getTags: (target: OwnerTarget) => Promise<Readonly<Record<string, string>> | null>,
  keys: readonly string[] = DEFAULT_OWNER_TAG_KEYS,
): OwnerLookup {
  return async (target) => {
    const tags = await getTags(target);
    if (tags === null) return null;
    const lowered = new Map(Object.entries(tags).map(([key, value]) => [key.toLowerCase(), value.trim()]));
    for (const key of keys) {
      const value = lowered.get(key.toLowerCase());
      if (isPlausibleEmail(value)) return value;
    }
    return null;
  };
}

/** The first lookup that knows an owner wins; one that fails is skipped (the next source may still know). */
export function chainOwnerLookups(
  lookups: readonly OwnerLookup[],
  onError?: (error: unknown) => void,
): OwnerLookup {
  return async (target) => {
    for (const lookup of lookups) {
      try {
        const owner = await lookup(target);
        if (owner !== null) return owner;
      } catch (error) {
        onError?.(error);
      }
    }
    return null;
  };
}
