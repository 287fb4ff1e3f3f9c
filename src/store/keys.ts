// The lookup keys events and cases are indexed by: who acted (actor key) and whom it was about (target key).

import type { CloudTrailEvent } from '../model/index.ts';

/**
 * `account/username`, username lower-cased: IAM user names are unique regardless of case, so `Bob` and
 * `bob` are one target. The account may be empty when the record does not say.
 */
export function targetKeyOf(account: string | null, userName: string): string {
  return `${account ?? ''}/${userName.toLowerCase()}`;
}

/** The actor's ARN, else its principal id (AWS services and some federated calls have no ARN). */
export function actorKeyOf(actor: CloudTrailEvent['actor']): string | null {
  return actor.arn ?? actor.principalId ?? null;
}

/** The target key of an event: the IAM user named in the request, when there is one. */
export function eventTargetKey(event: CloudTrailEvent): string | null {
  return event.target.userName === null ? null : targetKeyOf(event.account, event.target.userName);
}
