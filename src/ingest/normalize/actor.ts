// Reads CloudTrail's userIdentity element (and the few record fields about the session) into the typed Actor.

import type { AccessKeyKind, Actor, SessionIssuer } from '../../model/index.ts';
import type { JsonObject } from './values.ts';
import { flag, objectOrNull, text } from './values.ts';

/** The actor of a record that has no userIdentity at all (CloudTrail Insights events, some service events). */
export const UNKNOWN_ACTOR: Actor = {
  type: 'Unknown',
  arn: null,
  userName: null,
  principalId: null,
  accountId: null,
  accessKeyId: null,
  accessKeyKind: null,
  mfaAuthenticated: null,
  consoleSession: false,
  invokedBy: null,
  sessionIssuer: null,
};

/** The AWS service that hands out console sessions; as `invokedBy` it marks a call made from the console. */
const CONSOLE_SIGNIN_SERVICE = 'signin.amazonaws.com';

/**
 * Builds the actor from `userIdentity` (already known to be an object) and the record around it.
 * `userName` is the name a person would recognise: the IAM user name, `root`, the role session name for
 * assumed roles (the role itself stays in `sessionIssuer`), the federated user name, the Identity Center user
 * id, or the calling service for AWSService identities.
 */
export function readActor(identity: JsonObject, record: JsonObject): Actor {
  const type = text(identity['type']) ?? 'Unknown';
  const arn = text(identity['arn']);
  const principalId = text(identity['principalId']);
  const accessKeyId = text(identity['accessKeyId']);
  const invokedBy = text(identity['invokedBy']);
  const context = objectOrNull(identity['sessionContext']);
  const attributes = context === null ? null : objectOrNull(context['attributes']);
  return {
    type,
    arn,
    userName: actorUserName(type, identity, arn, principalId, invokedBy),
    principalId,
    accountId: text(identity['accountId']),
    accessKeyId,
    accessKeyKind: accessKeyKindOf(accessKeyId),
    mfaAuthenticated: attributes === null ? null : flag(attributes['mfaAuthenticated']),
    consoleSession: isConsoleSession(record, context, attributes, invokedBy),
    invokedBy,
    sessionIssuer: context === null ? null : readSessionIssuer(context['sessionIssuer']),
  };
}

/** `ASIA…` keys come from STS (temporary), `AKIA…` keys belong to an IAM user or root (long-term). */
export function accessKeyKindOf(accessKeyId: string | null): AccessKeyKind | null {
  if (accessKeyId === null || accessKeyId.length < 4) return null;
  if (accessKeyId.startsWith('ASIA')) return 'temporary';
  if (accessKeyId.startsWith('AKIA')) return 'long-term';
  return null;
}

function actorUserName(
  type: string,
  identity: JsonObject,
  arn: string | null,
  principalId: string | null,
  invokedBy: string | null,
): string | null {
  switch (type) {
    case 'Root':
      return 'root';
    case 'IAMUser':
      return text(identity['userName']) ?? lastPathSegment(arn, ':user/');
    case 'AssumedRole':
      return sessionNameOf(arn) ?? afterColon(principalId);
    case 'FederatedUser':
      return lastPathSegment(arn, ':federated-user/') ?? afterColon(principalId);
    case 'IdentityCenterUser': {
      const onBehalfOf = objectOrNull(identity['onBehalfOf']);
      return text(identity['userName']) ?? (onBehalfOf === null ? null : text(onBehalfOf['userId']));
    }
    case 'AWSService':
      return invokedBy;
    default:
      return text(identity['userName']);
  }
}

/** `arn:aws:sts::123:assumed-role/RoleName/SessionName` gives `SessionName` (session names contain no `/`). */
function sessionNameOf(arn: string | null): string | null {
  if (arn === null) return null;
  const marker = arn.indexOf(':assumed-role/');
  if (marker === -1) return null;
  const slash = arn.indexOf('/', marker + ':assumed-role/'.length);
  return slash === -1 || slash === arn.length - 1 ? null : arn.slice(slash + 1);
}

/** The part after the last `/` of an ARN of the given kind (`:user/path/Alice` gives `Alice`). */
function lastPathSegment(arn: string | null, marker: string): string | null {
  if (arn === null || arn.indexOf(marker) === -1) return null;
  const slash = arn.lastIndexOf('/');
  return slash === arn.length - 1 ? null : arn.slice(slash + 1);
}

/** `AROA…:SessionName` gives `SessionName`. */
function afterColon(principalId: string | null): string | null {
  if (principalId === null) return null;
  const colon = principalId.indexOf(':');
  return colon === -1 || colon === principalId.length - 1 ? null : principalId.slice(colon + 1);
}

/**
 * AWS itself says the credential came from a console session: `sessionCredentialFromConsole` (a top-level
 * record field in current CloudTrail; also read inside `sessionContext` and its `attributes`, where some
 * exporters put it), or the call was invoked by the sign-in service. `userAgent` is deliberately not used:
 * the caller chooses it, so an attacker could claim to be the console.
 */
function isConsoleSession(
  record: JsonObject,
  context: JsonObject | null,
  attributes: JsonObject | null,
  invokedBy: string | null,
): boolean {
  if (invokedBy === CONSOLE_SIGNIN_SERVICE) return true;
  if (flag(record['sessionCredentialFromConsole']) === true) return true;
  if (context !== null && flag(context['sessionCredentialFromConsole']) === true) return true;
  return attributes !== null && flag(attributes['sessionCredentialFromConsole']) === true;
}

function readSessionIssuer(value: unknown): SessionIssuer | null {
  const issuer = objectOrNull(value);
  if (issuer === null) return null;
  const type = text(issuer['type']);
  const arn = text(issuer['arn']);
  const userName = text(issuer['userName']);
  const principalId = text(issuer['principalId']);
  const accountId = text(issuer['accountId']);
  // Root's records carry `"sessionIssuer": {}`: an empty element says nothing, so it is no issuer.
  if (type === null && arn === null && userName === null && principalId === null && accountId === null)
    return null;
  return { type, arn, userName, principalId, accountId };
}
