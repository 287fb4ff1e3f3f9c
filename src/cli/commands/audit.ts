// `mfaguard audit`: who can sign in without MFA, whose MFA policy bites, CIS IAM controls — live, for an organization, or from files.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import type { Finding, InputIssue } from '../../model/index.ts';
import { ExternalError, severityRank, UsageError } from '../../model/index.ts';
import {
  AUDIT_FORMATS,
  auditSnapshot,
  buildAuditReport,
  collectAccountLive,
  collectOrganization,
  DEFAULT_ORG_ROLE,
  loadOfflineSnapshot,
  nothingCollected,
  realSleep,
  renderAudit,
} from '../../posture/index.ts';
import type { AccountSnapshot, Sleep, TemporaryCredentials } from '../../posture/index.ts';
import { forTerminal } from '../../report/index.ts';
import { parseChoice, parseCommandArgs, parseCount, parseSeverityOption } from '../args.ts';
import type { Command, CommandContext } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

export const AUDIT_USAGE = `Usage: mfaguard audit [options]

Audits MFA posture: console users without MFA, root MFA and keys, whether policies really deny work
without MFA, unused and old credentials, mapped to CIS AWS Foundations (v7.0 2.x and older numbers) and
Security Hub controls (IAM.3/4/5/6/9/19/22).

Live (standard credential chain):
  --profile NAME            AWS profile
  --region REGION           AWS region for the API clients (IAM is global)
  --org                     audit every ACTIVE account of the AWS Organization (run from the management
                            account or a delegated administrator)
  --role-name NAME          role to assume in each member account (default ${DEFAULT_ORG_ROLE})
  --concurrency N           accounts audited at once with --org (default 4); ListMFADevices calls per account: 8

Offline (no credentials; any of these switches to offline mode):
  --credential-report FILE      CSV, or the \`aws iam get-credential-report\` JSON (base64 or plain Content)
  --authorization-details FILE  \`aws iam get-account-authorization-details\` JSON
  --mfa-devices FILE            \`aws iam list-mfa-devices\` JSON (repeatable: one per user)
  --virtual-mfa-devices FILE    \`aws iam list-virtual-mfa-devices\` JSON
  --account-summary FILE        \`aws iam get-account-summary\` JSON
  --password-policy FILE        \`aws iam get-account-password-policy\` JSON
  --account-id ID               the account the files describe (otherwise read from the ARNs)

Output:
  --format FORMAT     table (default), json, csv, ocsf (OCSF Compliance Finding) or asff (Security Hub
                      BatchImportFindings body)
  --all               table: list PASS and N/A findings too
  --fail-on SEVERITY  exit 1 when a FAIL or ERROR finding is at or above SEVERITY

The credential report can be up to 4 hours old (AWS regenerates it at most every 4 hours); the
report says when it was generated, and live MFA device lists win where they disagree.

Exit codes: 0 done; 1 a finding at or above --fail-on; 2 usage error; 3 some inputs (files or
organization accounts) could not be read; 4 AWS could not be reached at all.`;

export interface AwsClients {
  readonly iam: IAMClient;
  readonly sts: STSClient;
  readonly organizations: OrganizationsClient;
  readonly iamFor: (credentials: TemporaryCredentials | null) => IAMClient;
}

export interface AuditDeps {
  readonly clients: (options: { profile: string | undefined; region: string | undefined }) => AwsClients;
  readonly sleep: Sleep;
  readonly readText: (path: string) => Promise<string>;
}

export const DEFAULT_AUDIT_DEPS: AuditDeps = {
  clients: ({ profile, region }) => {
    const base = {
      ...(region === undefined ? { region: 'us-east-1' } : { region }),
      ...(profile === undefined ? {} : { credentials: fromIni({ profile }) }),
    };
    return {
      iam: new IAMClient(base),
      sts: new STSClient(base),
      organizations: new OrganizationsClient(base),
      iamFor: (credentials) =>
        credentials === null ? new IAMClient(base) : new IAMClient({ region: base.region, credentials }),
    };
  },
  sleep: realSleep,
  readText: (path) => readFile(path, 'utf8'),
};

const OPTIONS = {
  format: { type: 'string' },
  'fail-on': { type: 'string' },
  all: { type: 'boolean' },
  profile: { type: 'string' },
  region: { type: 'string' },
  org: { type: 'boolean' },
  'role-name': { type: 'string' },
  concurrency: { type: 'string' },
  'credential-report': { type: 'string' },
  'authorization-details': { type: 'string' },
  'mfa-devices': { type: 'string', multiple: true },
  'virtual-mfa-devices': { type: 'string' },
  'account-summary': { type: 'string' },
  'password-policy': { type: 'string' },
  'account-id': { type: 'string' },
} as const;

function renderIssue(issue: InputIssue): string {
  const where = [issue.location, issue.line === undefined ? null : `line ${issue.line}`, issue.path ?? null]
    .filter((p) => p !== null)
    .join(':');
  return `${issue.level}: ${forTerminal(where)}: ${forTerminal(issue.message)}${issue.hint === undefined ? '' : ` (${forTerminal(issue.hint)})`}`;
}

function atOrAbove(findings: readonly Finding[], threshold: ReturnType<typeof parseSeverityOption>): boolean {
  if (threshold === null) return false;
  return findings.some(
    (f) =>
      (f.status === 'FAIL' || f.status === 'ERROR') && severityRank(f.severity) >= severityRank(threshold),
  );
}

async function callerAccount(clients: AwsClients): Promise<{ accountId: string; partition: string }> {
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    const partition = /^arn:(aws[\w-]*):/.exec(identity.Arn ?? '')?.[1] ?? 'aws';
    if (identity.Account === undefined)
      throw new ExternalError('sts', 'GetCallerIdentity returned no account');
    return { accountId: identity.Account, partition };
  } catch (error) {
    if (error instanceof ExternalError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ExternalError('sts', `cannot reach AWS with these credentials: ${message}`, {
      cause: error,
      retryable: true,
    });
  }
}

export function createAuditCommand(deps: AuditDeps = DEFAULT_AUDIT_DEPS): Command {
  return {
    name: 'audit',
    summary: 'audit MFA posture and CIS IAM controls for an account, an organization or exported files',
    usage: AUDIT_USAGE,
    async run(args: readonly string[], ctx: CommandContext): Promise<number> {
      const { values, positionals } = parseCommandArgs('audit', args, OPTIONS);
      if (positionals.length > 0)
        throw new UsageError(
          `audit takes no positional arguments; got '${positionals[0]?.slice(0, 40) ?? ''}' (input files go after --credential-report etc.)`,
        );
      const format = parseChoice('format', values.format, AUDIT_FORMATS, 'table');
      const failOn = parseSeverityOption('fail-on', values['fail-on']);
      const concurrency = parseCount('concurrency', values.concurrency) ?? 4;
      if (concurrency < 1) throw new UsageError('--concurrency must be at least 1');
      const accountId = values['account-id'];
      if (accountId !== undefined && !/^\d{12}$/.test(accountId))
        throw new UsageError(`--account-id must be 12 digits; got '${accountId.slice(0, 40)}'`);
      const offlineFlags = [
        'credential-report',
        'authorization-details',
        'mfa-devices',
        'virtual-mfa-devices',
        'account-summary',
        'password-policy',
      ] as const;
      const offline = offlineFlags.some((flag) => values[flag] !== undefined);
      if (offline && values.org === true)
        throw new UsageError('--org audits live accounts; it cannot be combined with input files');
      if (offline && (values.profile !== undefined || values.region !== undefined))
        throw new UsageError('--profile and --region are for live audits; input files need no credentials');
      if (values['role-name'] !== undefined && values.org !== true)
        throw new UsageError('--role-name only makes sense with --org');
      if (values['role-name'] !== undefined && !/^[\w+=,.@-]{1,64}$/.test(values['role-name']))
        throw new UsageError(
          `--role-name is not a valid IAM role name: '${values['role-name'].slice(0, 40)}'`,
        );

      const now = ctx.now();
      let snapshots: AccountSnapshot[];
      let partial = false;
      let unreachable = false;
      if (offline) {
        const path = (p: string | undefined): string | undefined =>
          p === undefined ? undefined : resolve(ctx.cwd, p);
        const result = await loadOfflineSnapshot(
          {
            credentialReport: path(values['credential-report']),
            authorizationDetails: path(values['authorization-details']),
            mfaDevices: values['mfa-devices']?.map((p) => resolve(ctx.cwd, p)),
            virtualMfaDevices: path(values['virtual-mfa-devices']),
            accountSummary: path(values['account-summary']),
            passwordPolicy: path(values['password-policy']),
            accountId,
          },
          deps.readText,
          now,
        );
        snapshots = [result.snapshot];
        partial = result.unreadable;
      } else {
        const clients = deps.clients({ profile: values.profile, region: values.region });
        const caller = await callerAccount(clients);
        const now = (): Date => ctx.now();
        const common = { now, sleep: deps.sleep, concurrency: 8 };
        if (values.org === true) {
          snapshots = await collectOrganization({
            organizations: clients.organizations,
            sts: clients.sts,
            callerAccountId: caller.accountId,
            partition: caller.partition,
            roleName: values['role-name'] ?? DEFAULT_ORG_ROLE,
            concurrency,
            iamFor: (credentials) => clients.iamFor(credentials),
            now,
            collect: (iam, account, scps) =>
              collectAccountLive(iam, { ...common, accountId: account.id, accountName: account.name, scps }),
          });
          const down = snapshots.filter(nothingCollected).length;
          unreachable = snapshots.length > 0 && down === snapshots.length;
          partial = down > 0 || snapshots.some((s) => s.issues.some((i) => i.level === 'error'));
        } else {
          const snapshot = await collectAccountLive(clients.iam, { ...common, accountId: caller.accountId });
          snapshots = [snapshot];
          unreachable = nothingCollected(snapshot);
          partial = [
            snapshot.credentialReport,
            snapshot.mfaDevices,
            snapshot.authorization,
            snapshot.accountSummary,
          ].some((p) => p.state === 'failed');
        }
      }

      const perAccount = snapshots.map((snapshot) => auditSnapshot(snapshot, now));
      const report = buildAuditReport(snapshots, perAccount, now);
      for (const snapshot of snapshots)
        for (const issue of snapshot.issues) ctx.stderr.write(renderIssue(issue) + '\n');
      ctx.stdout.write(
        renderAudit(report, format, {
          all: values.all === true,
          ...(values.region === undefined ? {} : { region: values.region }),
        }),
      );
      if (unreachable) {
        ctx.stderr.write(
          'error: AWS could not be reached for any account; every finding above is an ERROR\n',
        );
        return EXIT.external;
      }
      if (partial) {
        ctx.stderr.write(
          'warning: some inputs could not be read; their checks are reported as ERROR, not as passing\n',
        );
        return EXIT.partial;
      }
      return atOrAbove(report.findings, failOn) ? EXIT.failOn : EXIT.ok;
    },
  };
}

export const AUDIT_COMMAND: Command = createAuditCommand();
