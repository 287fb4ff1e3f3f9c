// One STS AssumeRole, shared by the posture audit (a role per account) and the responder (its own role per account).

import type { STSClient } from '@aws-sdk/client-sts';
import { ExternalError } from '../../model/index.ts';
import { awsErrorText } from './live.ts';

// The SDK client loads when this collector runs: a module-level import made every command that shares a module
// with posture (`scan` among them) pay for it at start-up.
const stsSdk = () => import('@aws-sdk/client-sts');

export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** When STS says they stop working (the SDK refreshes before it); absent when STS did not say. */
  readonly expiration?: Date;
}

export interface AssumeRoleRequest {
  readonly roleArn: string;
  /** Shown in the target account's CloudTrail as the session's name (2–64 of `[\w+=,.@-]`). */
  readonly sessionName: string;
  /** The role's trust policy may require it (`sts:ExternalId`), against the confused-deputy problem. */
  readonly externalId?: string | null;
  /** 900..43200, within the role's maximum session duration; default 3600. */
  readonly durationSeconds?: number;
}

/** Throttling and AWS's own faults may pass; AccessDenied and a missing role need a person. */
function retryable(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return (
    /Throttl|RequestLimitExceeded|TimeoutError|ECONNRESET|ECONNREFUSED/.test(awsErrorText(error)) ||
    (status !== undefined && status >= 500)
  );
}

/**
 * Temporary credentials for `roleArn`, or an ExternalError (service `sts`) that names the role and what STS said:
 * the message is shown on a posture finding or a failed response action as it is.
 */
export async function assumeRole(sts: STSClient, request: AssumeRoleRequest): Promise<TemporaryCredentials> {
  const { AssumeRoleCommand } = await stsSdk();
  let answer;
  try {
    answer = await sts.send(
      new AssumeRoleCommand({
        RoleArn: request.roleArn,
        RoleSessionName: request.sessionName,
        DurationSeconds: request.durationSeconds ?? 3600,
        ...(request.externalId === null || request.externalId === undefined
          ? {}
          : { ExternalId: request.externalId }),
      }),
    );
  } catch (error) {
    throw new ExternalError('sts', `cannot assume ${request.roleArn}: ${awsErrorText(error)}`, {
      retryable: retryable(error),
      cause: error,
    });
  }
  const c = answer.Credentials;
  if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined)
    throw new ExternalError('sts', `AssumeRole ${request.roleArn} returned no credentials`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    ...(c.Expiration === undefined ? {} : { expiration: c.Expiration }),
  };
}
