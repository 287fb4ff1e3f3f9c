// Sends recorded IAM writes so that sending them again changes nothing: each checks first, or is idempotent in IAM.

// The SDK is loaded on first use: the response policy is read by every command's configuration (scan included),
// which must not pay for the IAM client.
const iamSdk = () => import('@aws-sdk/client-iam');
import type { IAMClient } from '@aws-sdk/client-iam';
import { ExternalError } from '../model/index.ts';
import type { IamCall } from './action.ts';

/** True when IAM says the entity (user, policy attachment, login profile, inline policy) is not there. */
export function isNoSuchEntity(error: unknown): boolean {
  return error instanceof Error && error.name === 'NoSuchEntityException';
}

export async function userHasPolicy(iam: IAMClient, userName: string, policyArn: string): Promise<boolean> {
  const { paginateListAttachedUserPolicies } = await iamSdk();
  for await (const page of paginateListAttachedUserPolicies({ client: iam }, { UserName: userName })) {
    if ((page.AttachedPolicies ?? []).some((policy) => policy.PolicyArn === policyArn)) return true;
  }
  return false;
}

/**
 * One write, made so that a retry after a crash (the call went out, its result was never recorded) changes nothing
 * more: an attachment already in place is not attached again; a profile or policy already gone counts as deleted.
 * UpdateAccessKey and PutRolePolicy set a state, so sending them twice leaves the same state.
 */
export async function sendIdempotent(iam: IAMClient, call: IamCall): Promise<'sent' | 'already'> {
  const {
    AttachUserPolicyCommand,
    DeleteLoginProfileCommand,
    DeleteRolePolicyCommand,
    DetachUserPolicyCommand,
    PutRolePolicyCommand,
    UpdateAccessKeyCommand,
  } = await iamSdk();
  try {
    switch (call.api) {
      case 'AttachUserPolicy':
        if (await userHasPolicy(iam, call.input.UserName, call.input.PolicyArn)) return 'already';
        await iam.send(new AttachUserPolicyCommand(call.input));
        return 'sent';
      case 'DetachUserPolicy':
        await iam.send(new DetachUserPolicyCommand(call.input));
        return 'sent';
      case 'UpdateAccessKey':
        await iam.send(new UpdateAccessKeyCommand(call.input));
        return 'sent';
      case 'PutRolePolicy':
        await iam.send(new PutRolePolicyCommand(call.input));
        return 'sent';
      case 'DeleteRolePolicy':
        await iam.send(new DeleteRolePolicyCommand(call.input));
        return 'sent';
      case 'DeleteLoginProfile':
        await iam.send(new DeleteLoginProfileCommand(call.input));
        return 'sent';
    }
  } catch (error) {
    if (isNoSuchEntity(error) && call.api !== 'AttachUserPolicy' && call.api !== 'UpdateAccessKey')
      return 'already';
    throw asExternal(call, error);
  }
}

export async function sendAll(iam: IAMClient, calls: readonly IamCall[]): Promise<void> {
  for (const call of calls) await sendIdempotent(iam, call);
}

// Hand-written: the SDK's own classifier (in @smithy/core's retry submodule) is no public export of a package this
// project depends on, and the SDK's retries are spent by the time an error reaches us; these are the same signals.
const TRANSIENT_NAMES =
  /Throttl|TooManyRequests|RequestLimitExceeded|ServiceFailure|ServiceUnavailable|InternalFailure|TimeoutError|RequestTimeout|NetworkingError/;
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/**
 * Whether trying again later may help: AWS throttled or failed on its side (5xx, 429), or the network did. An
 * ExternalError says so itself; anything else (access denied, a missing entity, a bug) needs a person.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof ExternalError) return error.retryable;
  if (!(error instanceof Error)) return false;
  const meta = error as {
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    code?: unknown;
    cause?: unknown;
  };
  const status = meta.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (meta.$retryable !== undefined && meta.$retryable !== null) return true;
  if (typeof meta.code === 'string' && TRANSIENT_CODES.has(meta.code)) return true;
  if (TRANSIENT_NAMES.test(`${error.name} ${error.message}`)) return true;
  return meta.cause !== undefined && meta.cause !== error && isTransient(meta.cause);
}

/** AWS's refusal named with the call it answered; throttling, 5xx and the network may be retried, the rest needs a person. */
export function asExternal(call: IamCall | { api: string }, error: unknown): ExternalError {
  if (error instanceof ExternalError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new ExternalError('iam', `iam:${call.api} failed: ${name}: ${message}`, {
    retryable: isTransient(error),
    cause: error,
  });
}
