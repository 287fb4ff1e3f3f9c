// Audits every account of an AWS Organization: lists accounts, assumes a role in each (bounded concurrency), gathers the SCPs that apply.

import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { STSClient } from '@aws-sdk/client-sts';
import type { IAMClient } from '@aws-sdk/client-iam';
import { ExternalError } from '../../model/index.ts';
import { assumeRole } from './assume-role.ts';
import type { TemporaryCredentials } from './assume-role.ts';
import { mapWithConcurrency } from './concurrency.ts';
import { awsErrorText } from './live.ts';
import { decodePolicyDocument } from './parse-aws.ts';
import type { AccountSnapshot, Part, ServiceControlPolicy } from './snapshot.ts';

// The SDK client loads when this collector runs: a module-level import made every command that shares a module
// with posture (`scan` among them) pay for it at start-up.
const organizationsSdk = () => import('@aws-sdk/client-organizations');

export const DEFAULT_ORG_ROLE = 'OrganizationAccountAccessRole';

export interface OrgAccount {
  readonly id: string;
  readonly name: string | null;
  readonly status: string | null;
}

export type { TemporaryCredentials } from './assume-role.ts';

export interface OrganizationAuditOptions {
  readonly organizations: OrganizationsClient;
  readonly sts: STSClient;
  /** The account the caller is in: audited with the caller's own credentials, no role assumed. */
  readonly callerAccountId: string | null;
  readonly partition?: string;
  readonly roleName?: string;
  readonly concurrency?: number;
  /** IAM client for an account: `null` credentials mean the caller's own. */
  readonly iamFor: (credentials: TemporaryCredentials | null) => IAMClient;
  readonly collect: (
    iam: IAMClient,
    account: OrgAccount,
    scps: Part<readonly ServiceControlPolicy[]>,
  ) => Promise<AccountSnapshot>;
  readonly now: () => Date;
  /** Gather SCPs for the policy analyzer (needs organizations:ListParents, ListPoliciesForTarget, DescribePolicy). */
  readonly withScps?: boolean;
}

export async function listOrganizationAccounts(organizations: OrganizationsClient): Promise<OrgAccount[]> {
  const { ListAccountsCommand } = await organizationsSdk();
  const accounts: OrgAccount[] = [];
  let token: string | undefined;
  do {
    const page = await organizations.send(
      new ListAccountsCommand(token === undefined ? {} : { NextToken: token }),
    );
    for (const account of page.Accounts ?? []) {
      if (account.Id !== undefined)
        accounts.push({
          id: account.Id,
          name: account.Name ?? null,
          status: account.State ?? account.Status ?? null,
        });
    }
    token = page.NextToken;
  } while (token !== undefined);
  return accounts;
}

/** An account we could not reach: every part failed with the same reason, so checks turn it into ERROR findings. */
export function unreachableSnapshot(account: OrgAccount, reason: string, now: Date): AccountSnapshot {
  const failed = { state: 'failed', reason, location: `account ${account.id}` } as const;
  return {
    accountId: account.id,
    accountName: account.name,
    source: 'live',
    collectedAt: now.toISOString(),
    unreachable: reason,
    credentialReport: failed,
    mfaDevices: failed,
    virtualMfaDevices: failed,
    authorization: failed,
    accountSummary: failed,
    passwordPolicy: failed,
    rootAccess: failed,
    scps: failed,
    issues: [],
  };
}

async function scpsFor(
  organizations: OrganizationsClient,
  accountId: string,
  cache: Map<string, Promise<ServiceControlPolicy[]>>,
): Promise<ServiceControlPolicy[]> {
  // SCPs attach to the account, its OUs and the root; walk up and gather each level's policies once.
  const { ListParentsCommand } = await organizationsSdk();
  const targets: string[] = [accountId];
  let child = accountId;
  for (let depth = 0; depth < 6; depth += 1) {
    const parents = await organizations.send(new ListParentsCommand({ ChildId: child }));
    const parent = parents.Parents?.[0];
    if (parent?.Id === undefined) break;
    targets.push(parent.Id);
    if (parent.Type === 'ROOT') break;
    child = parent.Id;
  }
  const levels = await Promise.all(
    targets.map((target) => {
      let pending = cache.get(target);
      if (pending === undefined) {
        pending = policiesOn(organizations, target);
        cache.set(target, pending);
      }
      return pending;
    }),
  );
  return levels.flat();
}

async function policiesOn(
  organizations: OrganizationsClient,
  target: string,
): Promise<ServiceControlPolicy[]> {
  const { ListPoliciesForTargetCommand, DescribePolicyCommand } = await organizationsSdk();
  const out: ServiceControlPolicy[] = [];
  let token: string | undefined;
  do {
    const page = await organizations.send(
      new ListPoliciesForTargetCommand({
        TargetId: target,
        Filter: 'SERVICE_CONTROL_POLICY',
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    for (const summary of page.Policies ?? []) {
      if (summary.Id === undefined) continue;
      const described = await organizations.send(new DescribePolicyCommand({ PolicyId: summary.Id }));
      const content = described.Policy?.Content;
      if (content === undefined) continue;
      out.push({
        name: summary.Name ?? summary.Id,
        id: summary.Id,
        arn: summary.Arn ?? null,
        target,
        document: decodePolicyDocument(content, `SCP ${summary.Id}`),
      });
    }
    token = page.NextToken;
  } while (token !== undefined);
  return out;
}

/**
 * Audits every ACTIVE account. An account whose role cannot be assumed yields an unreachable snapshot (ERROR
 * findings), never silence. Throws ExternalError only when the organization itself cannot be listed.
 */
export async function collectOrganization(options: OrganizationAuditOptions): Promise<AccountSnapshot[]> {
  let accounts: OrgAccount[];
  try {
    accounts = await listOrganizationAccounts(options.organizations);
  } catch (error) {
    throw new ExternalError(
      'organizations',
      `cannot list the organization's accounts: ${awsErrorText(error)}`,
      { cause: error },
    );
  }
  const roleName = options.roleName ?? DEFAULT_ORG_ROLE;
  const partition = options.partition ?? 'aws';
  const cache = new Map<string, Promise<ServiceControlPolicy[]>>();
  const active = accounts.filter((account) => account.status === null || account.status === 'ACTIVE');
  return mapWithConcurrency(active, options.concurrency ?? 4, async (account) => {
    let scps: Part<readonly ServiceControlPolicy[]> = { state: 'not-collected' };
    if (options.withScps !== false) {
      try {
        scps = {
          state: 'collected',
          value: await scpsFor(options.organizations, account.id, cache),
          location: 'aws:organizations',
        };
      } catch (error) {
        scps = { state: 'failed', reason: awsErrorText(error), location: 'aws:organizations' };
      }
    }
    let credentials: TemporaryCredentials | null = null;
    if (account.id !== options.callerAccountId) {
      const roleArn = `arn:${partition}:iam::${account.id}:role/${roleName}`;
      try {
        credentials = await assumeRole(options.sts, { roleArn, sessionName: 'mfaguard-audit' });
      } catch (error) {
        return unreachableSnapshot(account, (error as Error).message, options.now());
      }
    }
    try {
      return await options.collect(options.iamFor(credentials), account, scps);
    } catch (error) {
      return unreachableSnapshot(account, `collection failed: ${awsErrorText(error)}`, options.now());
    }
  });
}
