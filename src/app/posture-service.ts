// Posture in the service: the scheduled audit, stored snapshots, and CloudTrail events that update them in between.

import type { IAMClient } from '@aws-sdk/client-iam';
import { GetPolicyCommand, GetPolicyVersionCommand } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { STSClient } from '@aws-sdk/client-sts';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CloudTrailEvent, Finding } from '../model/index.ts';
import type { AccountSnapshot, PolicyDocument, TemporaryCredentials } from '../posture/index.ts';
import {
  applyPostureEvents,
  assumeRole,
  auditSnapshot,
  awsErrorName,
  collectAccountLive,
  collectOrganization,
  computeKpis,
  isPostureEvent,
  nothingCollected,
  policyArnsToFetch,
  POSTURE_EVENT_NAMES,
  realSleep,
  unreachableSnapshot,
} from '../posture/index.ts';
import type { PostureSnapshotSummary, Store, StoredPostureSnapshot } from '../store/index.ts';
import type { LiveLogEntry } from './live/index.ts';
import type { PostureServeConfig } from './posture-config.ts';

/** The AWS clients the audit needs; tests give mocked ones. */
export interface PostureClients {
  readonly sts: STSClient;
  readonly organizations: OrganizationsClient;
  /** IAM with the service's own credentials (null) or with a role assumed in another account. */
  readonly iamFor: (credentials: TemporaryCredentials | null) => IAMClient;
}

export interface PostureServiceDeps {
  readonly store: Store;
  readonly config: PostureServeConfig;
  /** Null when the service has no AWS access for posture: stored snapshots are still updated from events. */
  readonly clients: PostureClients | null;
  readonly clock: () => number;
  readonly log: (entry: LiveLogEntry) => void;
  /** Waits between credential-report polls (tests pass one that does not wait). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface PostureService {
  /** One audit of every configured account; each reachable account's snapshot is stored. */
  runAudit(): Promise<PostureSnapshotSummary[]>;
  /** Updates the stored posture of the accounts these events concern (events not about posture are ignored). */
  eventsIngested(events: readonly CloudTrailEvent[]): Promise<void>;
}

/** Checkpoint key of an account's last failed audit, shown beside its (older) stored snapshot. */
export const auditErrorKey = (accountId: string): string => `posture:audit-error:${accountId}`;

/** The figures a snapshot is stored with, from its findings (the same KPIs `mfaguard audit` prints). */
export function postureFigures(findings: readonly Finding[]) {
  const kpis = computeKpis(findings);
  return {
    consoleUsers: kpis.consoleUsers,
    consoleUsersWithMfa: kpis.consoleUsersWithMfa,
    mfaEnforcedByPolicy: kpis.usersEnforcedByPolicy,
    cisScore: kpis.cisScore,
  };
}

async function assumed(
  sts: STSClient,
  roleArn: string,
): Promise<{ credentials: TemporaryCredentials } | { error: string }> {
  try {
    return { credentials: await assumeRole(sts, { roleArn, sessionName: 'mfaguard-posture' }) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The account's default policy document, for a managed policy an event attached that the last audit did not see. */
async function fetchPolicyDocument(iam: IAMClient, arn: string): Promise<PolicyDocument | null> {
  const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
  const versionId = policy.Policy?.DefaultVersionId;
  if (versionId === undefined) return null;
  const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }));
  const text = version.PolicyVersion?.Document;
  if (text === undefined) return null;
  // IAM returns the document URL-encoded (RFC 3986), as the API reference says.
  return JSON.parse(decodeURIComponent(text)) as PolicyDocument;
}

async function callerOf(clients: PostureClients): Promise<{ accountId: string; partition: string }> {
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  if (identity.Account === undefined) throw new Error('GetCallerIdentity returned no account');
  return {
    accountId: identity.Account,
    partition: /^arn:(aws[\w-]*):/.exec(identity.Arn ?? '')?.[1] ?? 'aws',
  };
}

const nowOf = (deps: PostureServiceDeps) => (): Date => new Date(deps.clock());

/** Every configured account's snapshot: the organization's, or the caller's own plus `accounts` through the role. */
async function collectSnapshots(
  deps: PostureServiceDeps,
  clients: PostureClients,
): Promise<AccountSnapshot[]> {
  const { config } = deps;
  const now = nowOf(deps);
  const me = await callerOf(clients);
  const common = { now, sleep: deps.sleep ?? realSleep, concurrency: 8 };
  if (config.organization) {
    return collectOrganization({
      organizations: clients.organizations,
      sts: clients.sts,
      callerAccountId: me.accountId,
      partition: me.partition,
      roleName: config.roleName,
      iamFor: clients.iamFor,
      now,
      collect: (iam, account, scps) =>
        collectAccountLive(iam, { ...common, accountId: account.id, accountName: account.name, scps }),
    });
  }
  const snapshots = [await collectAccountLive(clients.iamFor(null), { ...common, accountId: me.accountId })];
  for (const accountId of config.accounts) {
    if (accountId === me.accountId) continue;
    const roleArn = `arn:${me.partition}:iam::${accountId}:role/${config.roleName}`;
    const got = await assumed(clients.sts, roleArn);
    snapshots.push(
      'error' in got
        ? unreachableSnapshot({ id: accountId, name: null, status: null }, got.error, now())
        : await collectAccountLive(clients.iamFor(got.credentials), { ...common, accountId }),
    );
  }
  return snapshots;
}

/** IAM in one account, for fetching a policy document an event attached. */
async function iamIn(
  clients: PostureClients,
  roleName: string,
  accountId: string,
): Promise<IAMClient | null> {
  const me = await callerOf(clients);
  if (me.accountId === accountId) return clients.iamFor(null);
  const got = await assumed(clients.sts, `arn:${me.partition}:iam::${accountId}:role/${roleName}`);
  return 'error' in got ? null : clients.iamFor(got.credentials);
}

async function documentsFor(
  deps: PostureServiceDeps,
  accountId: string,
  arns: readonly string[],
): Promise<Map<string, PolicyDocument>> {
  const documents = new Map<string, PolicyDocument>();
  if (arns.length === 0 || deps.clients === null) return documents;
  const iam = await iamIn(deps.clients, deps.config.roleName, accountId);
  for (const arn of arns) {
    try {
      const document = iam === null ? null : await fetchPolicyDocument(iam, arn);
      if (document !== null) documents.set(arn, document);
    } catch (error) {
      // The users it applies to are judged ERROR until the next audit: said, never guessed.
      deps.log({
        level: 'warn',
        msg: 'posture: cannot read a policy an event attached',
        policyArn: arn,
        error: awsErrorName(error),
      });
    }
  }
  return documents;
}

/** Past this many change times in one refresh, only the resulting state is stored (a bulk import, not a trend). */
const MAX_POINTS_PER_REFRESH = 100;

/**
 * The states to store, oldest first: one per change time newer than the latest stored state, so a trend moves when
 * the event happened (a console password at 10:00 drops the share at 10:00), not when its batch was ingested.
 * Each is stamped with its change time, but never before the audit or the state it follows (those stay older, so
 * the newest stored state is always the one with every event). The last one is always the full application.
 */
function eventSteps(
  state: AccountSnapshot,
  events: readonly CloudTrailEvent[],
  documents: ReadonlyMap<string, PolicyDocument>,
  notBefore: number,
  latestAt: number | null,
): { at: number; applied: ReturnType<typeof applyPostureEvents> }[] {
  const full = applyPostureEvents(state, events, documents);
  const times = [...new Set(full.facts.map((fact) => fact.at))]
    .filter((at) => latestAt === null || at > latestAt)
    .sort((a, b) => a - b);
  const last = Math.max(notBefore, latestAt ?? notBefore, times.at(-1) ?? notBefore);
  if (times.length <= 1 || times.length > MAX_POINTS_PER_REFRESH) return [{ at: last, applied: full }];
  return times.map((at, index) => ({
    at: Math.max(notBefore, at),
    applied:
      index === times.length - 1
        ? full
        : applyPostureEvents(
            state,
            events.filter((event) => event.timeMs <= at),
            documents,
          ),
  }));
}

/** Re-derives the account's posture from its last audit plus every posture event stored since. */
async function refreshAccount(
  deps: PostureServiceDeps,
  accountId: string,
): Promise<StoredPostureSnapshot | null> {
  const { store, clock } = deps;
  const latest = (await store.latestPostureSnapshots({ accountId }))[0];
  if (latest === undefined) return null;
  const base = latest.basedOn === null ? latest : await store.getPostureSnapshot(latest.basedOn);
  if (base === null) return null;
  const state = base.state as AccountSnapshot;
  const events = await store.findEvents({
    fromMs: Date.parse(state.collectedAt),
    toMs: clock() + 86_400_000,
    names: [...POSTURE_EVENT_NAMES],
    accounts: [accountId],
    limit: 100_000,
  });
  const documents = await documentsFor(deps, accountId, policyArnsToFetch(state, events));
  const steps = eventSteps(
    state,
    events,
    documents,
    base.takenAt,
    latest.basedOn === null ? null : latest.takenAt,
  );
  const final = steps.at(-1)!.applied;
  if (final.facts.length === 0 && latest.eventFacts.length === 0) return null;
  // The same events again (a retried batch, another trail): the stored state already says all of it.
  if (latest.basedOn === base.id && JSON.stringify(final.facts) === JSON.stringify(latest.eventFacts))
    return null;
  let stored: StoredPostureSnapshot | null = null;
  for (const { at, applied } of steps) {
    const findings = auditSnapshot(applied.snapshot, nowOf(deps)());
    const summary = await store.recordPostureSnapshot({
      accountId,
      takenAt: at,
      source: 'events',
      ...postureFigures(findings),
      state: applied.snapshot,
      findings,
      eventFacts: applied.facts,
      basedOn: base.id,
    });
    stored = { ...summary, state: applied.snapshot, findings, eventFacts: applied.facts, basedOn: base.id };
  }
  return stored;
}

/** Stores one collected snapshot; null when nothing could be collected (the reason is kept beside the older one). */
async function storeAudited(
  deps: PostureServiceDeps,
  snapshot: AccountSnapshot,
): Promise<PostureSnapshotSummary | null> {
  const { store, clock, log } = deps;
  const accountId = snapshot.accountId ?? 'unknown';
  if (nothingCollected(snapshot)) {
    // The previous snapshot stays the latest, and its growing age shows; the reason is kept beside it.
    const reason = snapshot.unreachable ?? 'nothing could be collected';
    await store.setCheckpoint(auditErrorKey(accountId), JSON.stringify({ at: clock(), reason }), clock());
    log({ level: 'error', msg: 'posture audit failed for an account', account: accountId, reason });
    return null;
  }
  const findings = auditSnapshot(snapshot, nowOf(deps)());
  const stored = await store.recordPostureSnapshot({
    accountId,
    takenAt: clock(),
    source: 'audit',
    ...postureFigures(findings),
    state: snapshot,
    findings,
    eventFacts: [],
    basedOn: null,
  });
  await store.setCheckpoint(auditErrorKey(accountId), '', clock());
  // Events stored while the audit ran are newer than what it collected.
  await refreshAccount(deps, accountId);
  return stored;
}

export function createPostureService(deps: PostureServiceDeps): PostureService {
  return {
    async runAudit() {
      if (deps.clients === null) return [];
      const stored: PostureSnapshotSummary[] = [];
      for (const snapshot of await collectSnapshots(deps, deps.clients)) {
        const summary = await storeAudited(deps, snapshot);
        if (summary !== null) stored.push(summary);
      }
      deps.log({ level: 'info', msg: 'posture audit stored', accounts: stored.length });
      return stored;
    },
    async eventsIngested(events) {
      const accounts = [
        ...new Set(events.filter(isPostureEvent).flatMap((e) => (e.account === null ? [] : [e.account]))),
      ];
      for (const accountId of accounts.sort()) {
        try {
          await refreshAccount(deps, accountId);
        } catch (error) {
          deps.log({
            level: 'error',
            msg: 'posture: update from events failed',
            account: accountId,
            error: String(error),
          });
        }
      }
    },
  };
}
