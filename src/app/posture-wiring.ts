// Posture's part of `serve`: AWS clients, the audit job on one worker, the event hook, and the responder's view.

import type { IAMClient } from '@aws-sdk/client-iam';
import type { CloudTrailEvent } from '../model/index.ts';
import type { AccountSnapshot } from '../posture/index.ts';
import type { PostureView } from '../respond/index.ts';
import { adminFactsOf } from '../respond/index.ts';
import type { Store } from '../store/index.ts';
import type { LiveLogEntry, NotificationContext } from './live/index.ts';
import { runScheduledJob } from './live/index.ts';
import type { PostureServeConfig } from './posture-config.ts';
import { DEFAULT_POSTURE_SERVE_CONFIG } from './posture-config.ts';
import type { PostureClients, PostureService } from './posture-service.ts';
import { createPostureService } from './posture-service.ts';
import type { ProvisionedCheck } from './provisioned-service.ts';
import { createProvisionedCheck, PROVISIONED_JOB } from './provisioned-service.ts';

/** The scheduled job's lease name. */
export const POSTURE_JOB = 'posture-audit';
/** How often the job's holder asks whether an audit is due (and a waiting worker whether the holder is gone). */
const DEFAULT_CHECK_INTERVAL_MS = 60_000;
/** How often the provisioned-without-MFA check runs (it reads each account's latest posture). */
const DEFAULT_PROVISIONED_INTERVAL_MS = 5 * 60_000;

/** What the live core calls after each committed batch (the responder's hooks, shaped as live/ asks). */
export interface IngestHooks {
  caseChanged(caseIds: readonly string[]): Promise<void>;
  eventsIngested(events: readonly CloudTrailEvent[]): Promise<void>;
  tick(): Promise<void>;
}

export interface PostureWiringOptions {
  readonly store: Store;
  readonly config: PostureServeConfig | undefined;
  readonly clock: () => number;
  readonly workerId: string;
  readonly log: (entry: LiveLogEntry) => void;
  /** Tests give mocked clients; null: no audits; undefined: built from the default chain when audits are configured. */
  readonly clients?: PostureClients | null;
  readonly profile?: string;
  readonly region?: string;
  readonly checkIntervalMs?: number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Credential-report polling pause (tests: none). */
  readonly pollSleep?: (ms: number) => Promise<void>;
  /** Where the provisioned-without-MFA cases' messages go; absent: none are queued. */
  readonly notify?: NotificationContext;
  /** `identities.breakGlass`: reported as such when provisioned without MFA (never touched by a response). */
  readonly breakGlassUsers?: ReadonlySet<string>;
}

export interface PostureWiring {
  readonly service: PostureService;
  /** Console users without MFA past `posture.provisionedGrace`: alerts and cases, closed when a device comes. */
  readonly provisioned: ProvisionedCheck;
  /** The stored posture as the responder's last-administrator rule reads it. */
  readonly view: PostureView;
  /** The responder's hooks with posture's update after each batch's events. */
  withHooks(hooks: IngestHooks): IngestHooks;
  /**
   * The audit job (only with a `posture` section and AWS access) and the provisioned-without-MFA check (always: the
   * stored events suffice); resolves when `signal` aborts.
   */
  run(signal: AbortSignal): Promise<void>;
}

/** The SDK clients, loaded only when audits are configured. */
async function defaultClients(
  profile: string | undefined,
  region: string | undefined,
): Promise<PostureClients> {
  const [{ IAMClient }, { STSClient }, { OrganizationsClient }] = await Promise.all([
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-sts'),
    import('@aws-sdk/client-organizations'),
  ]);
  const credentials =
    profile === undefined ? undefined : (await import('@aws-sdk/credential-providers')).fromIni({ profile });
  const base = { region: region ?? 'us-east-1', ...(credentials === undefined ? {} : { credentials }) };
  return {
    sts: new STSClient(base),
    organizations: new OrganizationsClient(base),
    iamFor: (assumed): IAMClient =>
      assumed === null ? new IAMClient(base) : new IAMClient({ region: base.region, credentials: assumed }),
  };
}

/** The responder reads administrators from the latest stored snapshot (audit or event-updated) of the account. */
export function storedPostureView(store: Store, clock: () => number): PostureView {
  return {
    async administrators(account) {
      if (account === null) return null;
      const latest = (await store.latestPostureSnapshots({ accountId: account }))[0];
      return latest === undefined ? null : adminFactsOf(latest.state as AccountSnapshot, new Date(clock()));
    },
  };
}

export async function wirePosture(options: PostureWiringOptions): Promise<PostureWiring> {
  const { store, clock, log } = options;
  const config = options.config ?? DEFAULT_POSTURE_SERVE_CONFIG;
  const clients =
    options.clients !== undefined
      ? options.clients
      : options.config === undefined
        ? null
        : await defaultClients(options.profile, options.region);
  const service = createPostureService({
    store,
    config,
    clients,
    clock,
    log,
    ...(options.pollSleep === undefined ? {} : { sleep: options.pollSleep }),
  });

  const provisioned = createProvisionedCheck({
    store,
    clock,
    graceMs: config.provisionedGraceMs,
    breakGlassUsers: options.breakGlassUsers ?? new Set(),
    log,
    notify: options.notify ?? null,
  });

  /** Due when no audit was stored within the interval (restarts and lease handovers do not audit again). */
  async function auditDue(): Promise<boolean> {
    const recent = await store.listPostureSnapshots({ from: clock() - config.intervalMs });
    return !recent.some((snapshot) => snapshot.source === 'audit');
  }

  /** One of posture's scheduled jobs, on whichever worker holds its lease. */
  const job = (signal: AbortSignal, name: string, intervalMs: number, run: () => Promise<void>) =>
    runScheduledJob(signal, {
      name,
      store,
      workerId: options.workerId,
      clock,
      intervalMs,
      run,
      log,
      sleep: options.sleep,
    });
  const auditJob = async (signal: AbortSignal): Promise<void> => {
    if (options.config === undefined || clients === null) return;
    await job(signal, POSTURE_JOB, options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS, async () => {
      if (!(await auditDue())) return;
      await service.runAudit();
      // Users the audit found with a password and no device are judged now, not at the next check.
      await provisioned.check();
    });
  };
  const provisionedJob = async (signal: AbortSignal): Promise<void> => {
    await job(
      signal,
      PROVISIONED_JOB,
      options.checkIntervalMs ?? DEFAULT_PROVISIONED_INTERVAL_MS,
      async () => {
        await provisioned.check();
      },
    );
  };

  return {
    service,
    provisioned,
    view: storedPostureView(store, clock),
    withHooks(hooks) {
      return {
        caseChanged: (caseIds) => hooks.caseChanged(caseIds),
        async eventsIngested(events) {
          // Posture first: the responder's last-administrator rule then reads the state these events made.
          await service.eventsIngested(events);
          await provisioned.eventsIngested(events);
          await hooks.eventsIngested(events);
        },
        tick: () => hooks.tick(),
      };
    },
    async run(signal) {
      await Promise.all([auditJob(signal), provisionedJob(signal)]);
    },
  };
}
