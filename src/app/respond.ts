// Wires the responder for `serve`: the response policy, the identities it must spare, and an IAM client.

import type { IAMClient } from '@aws-sdk/client-iam';
import type { PostureView, Responder, ResponderLogEntry } from '../respond/index.ts';
import type { Store } from '../store/index.ts';
import type { MfaguardConfig } from './config.ts';

export interface ResponderOptions {
  readonly store: Store;
  readonly config: MfaguardConfig;
  readonly clock: () => number;
  readonly workerId: string;
  readonly log: (entry: ResponderLogEntry) => void;
  /** Tests give their own (aws-sdk-client-mock); otherwise the default credential chain, or `profile`. */
  readonly iamClient?: IAMClient;
  readonly profile?: string;
  /** The stored posture, when one is kept (the last-administrator rule reads it). */
  readonly posture?: PostureView;
}

/** The IAM SDK and the responder load only here, so commands that never respond do not pay for them. */
export async function buildResponder(options: ResponderOptions): Promise<Responder> {
  const { createResponder, DEFAULT_RESPOND_CONFIG } = await import('../respond/index.ts');
  let client = options.iamClient;
  if (client === undefined) {
    const { IAMClient } = await import('@aws-sdk/client-iam');
    const credentials =
      options.profile === undefined
        ? undefined
        : (await import('@aws-sdk/credential-providers')).fromIni({ profile: options.profile });
    // IAM is global: us-east-1 is where its endpoint signs.
    client = new IAMClient({ region: 'us-east-1', ...(credentials === undefined ? {} : { credentials }) });
  }
  const iam = client;
  const triage = options.config.triage;
  return createResponder({
    store: options.store,
    config: options.config.respond ?? DEFAULT_RESPOND_CONFIG,
    breakGlassUsers: triage.breakGlassUsers,
    knownAdmins: new Set([...triage.administrators, ...triage.privilegedUsers]),
    iam: () => iam,
    clock: options.clock,
    workerId: options.workerId,
    log: options.log,
    ...(options.posture === undefined ? {} : { posture: options.posture }),
  });
}
