// Wires the responder for `serve` and the Lambda handler: the response policy, the identities it must spare, IAM per
// account (through `respond.role`), and the notifications of what it did.

import type { IAMClient } from '@aws-sdk/client-iam';
import type { PostureView, Responder, ResponderLogEntry } from '../respond/index.ts';
import type { Store } from '../store/index.ts';
import type { MfaguardConfig } from './config.ts';
import type { NotificationContext } from './live/index.ts';
import type { RespondClients } from './respond-clients.ts';

export interface ResponderOptions {
  readonly store: Store;
  readonly config: MfaguardConfig;
  readonly clock: () => number;
  readonly workerId: string;
  readonly log: (entry: ResponderLogEntry) => void;
  /** Tests give their own (aws-sdk-client-mock); otherwise built from the default credential chain, or `profile`. */
  readonly clients?: RespondClients;
  /** One IAM client for every account (tests that need no STS); ignored when `clients` is given. */
  readonly iamClient?: IAMClient;
  readonly profile?: string;
  /** STS's region (default us-east-1); IAM is global. */
  readonly region?: string;
  /** The stored posture, when one is kept (the last-administrator rule reads it). */
  readonly posture?: PostureView;
  /** Routes and links: actions applied, undone or failed are queued in the outbox with their record. None: silent. */
  readonly notify?: NotificationContext;
}

/** The SDK clients, loaded only when the responder is built. */
async function defaultClients(options: ResponderOptions): Promise<RespondClients> {
  const [{ IAMClient }, { STSClient }] = await Promise.all([
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-sts'),
  ]);
  const credentials =
    options.profile === undefined
      ? undefined
      : (await import('@aws-sdk/credential-providers')).fromIni({ profile: options.profile });
  const own = credentials === undefined ? {} : { credentials };
  // IAM is global: us-east-1 is where its endpoint signs.
  const iam = options.iamClient ?? new IAMClient({ region: 'us-east-1', ...own });
  return {
    sts: new STSClient({ region: options.region ?? 'us-east-1', ...own }),
    iamFor: (assumed) =>
      assumed === null ? iam : new IAMClient({ region: 'us-east-1', credentials: assumed }),
  };
}

/** The IAM SDK and the responder load only here, so commands that never respond do not pay for them. */
export async function buildResponder(options: ResponderOptions): Promise<Responder> {
  const [
    { createResponder, DEFAULT_RESPOND_CONFIG },
    { accountIam, servicePartition },
    { responseAnnouncer },
  ] = await Promise.all([
    import('../respond/index.ts'),
    import('./respond-clients.ts'),
    import('./live/index.ts'),
  ]);
  const respond = options.config.respond ?? DEFAULT_RESPOND_CONFIG;
  const clients = options.clients ?? (await defaultClients(options));
  const triage = options.config.triage;
  return createResponder({
    store: options.store,
    config: respond,
    breakGlassUsers: triage.breakGlassUsers,
    knownAdmins: new Set([...triage.administrators, ...triage.privilegedUsers]),
    iam: accountIam({ clients, role: respond.assumeRole, clock: options.clock }),
    servicePartition: () => servicePartition(clients),
    clock: options.clock,
    workerId: options.workerId,
    log: options.log,
    ...(options.posture === undefined ? {} : { posture: options.posture }),
    ...(options.notify === undefined ? {} : { announce: responseAnnouncer(options.notify, options.log) }),
  });
}
