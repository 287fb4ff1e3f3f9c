// `mfaguard audit`: who can sign in without MFA, whose MFA policy bites, CIS IAM controls — live, for an organization, or from files.

import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import type { Finding, InputIssue } from '../../model/index.ts';
import { ExternalError, severityRank, UsageError } from '../../model/index.ts';
import {
  AUDIT_FILE_EXTENSIONS,
  AUDIT_FORMATS,
  auditSnapshot,
  awsErrorName,
  buildAuditReport,
  collectAccountLive,
  collectOrganization,
  DEFAULT_ORG_ROLE,
  importFindings,
  loadOfflineFolder,
  loadOfflineSnapshot,
  nothingCollected,
  readFirstSeen,
  realSleep,
  renderAudit,
  toAsff,
} from '../../posture/index.ts';
import type {
  AccountSnapshot,
  AuditFormat,
  AuditReport,
  ImportResult,
  ListFolder,
  RenderOptions,
  Sleep,
  TemporaryCredentials,
} from '../../posture/index.ts';
import { forTerminal } from '../../report/index.ts';
import { parseCount, parseSeverityOption } from '../args.ts';
import { defineCommand, repeatable } from '../command.ts';
import type { Command, CommandContext, Declaration } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import type { Command as CommanderCommand } from '@commander-js/extra-typings';

const AUDIT_DESCRIPTION = `Audits MFA posture: console users without MFA, root MFA and keys, whether policies really deny work
without MFA, unused and old credentials, mapped to CIS AWS Foundations (v7.0 2.x and older numbers) and
Security Hub controls (IAM.3/4/5/6/9/19/22).

Live, it uses the standard credential chain (--profile, AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
SSO, roles); any of the offline files switches to offline mode (no credentials).`;

const AUDIT_FOOTER = `The credential report can be up to 4 hours old (AWS regenerates it at most every 4 hours); the
report says how old it is, and live MFA device lists win where they disagree.

Exit codes: 0 done; 1 a finding at or above --fail-on, or any FAIL with --fail-on-fail; 2 usage error
(also: no AWS credentials found); 3 some inputs (files or organization accounts) could not be read, or
Security Hub refused some findings; 4 AWS could not be reached, or the Security Hub import stopped.`;

export interface AwsClients {
  readonly iam: IAMClient;
  readonly sts: STSClient;
  readonly organizations: OrganizationsClient;
  readonly iamFor: (credentials: TemporaryCredentials | null) => IAMClient;
}

export interface AuditDeps {
  readonly clients: (options: { profile: string | undefined; region: string | undefined }) => AwsClients;
  readonly securityHub: (options: { profile: string | undefined; region: string }) => SecurityHubClient;
  /** The region the profile (or the SDK's default chain) names; null when none does. */
  readonly profileRegion: (profile: string | undefined) => Promise<string | null>;
  readonly sleep: Sleep;
  readonly readText: (path: string) => Promise<string>;
  readonly listFolder: ListFolder;
  readonly writeText: (path: string, text: string) => Promise<void>;
}

function credentialsFor(profile: string | undefined): { credentials?: ReturnType<typeof fromIni> } {
  return profile === undefined ? {} : { credentials: fromIni({ profile }) };
}

export const DEFAULT_AUDIT_DEPS: AuditDeps = {
  clients: ({ profile, region }) => {
    const base = { region: region ?? 'us-east-1', ...credentialsFor(profile) };
    return {
      iam: new IAMClient(base),
      sts: new STSClient(base),
      organizations: new OrganizationsClient(base),
      iamFor: (credentials) =>
        credentials === null ? new IAMClient(base) : new IAMClient({ region: base.region, credentials }),
    };
  },
  securityHub: ({ profile, region }) => new SecurityHubClient({ region, ...credentialsFor(profile) }),
  profileRegion: async (profile) => {
    // The SDK's own region chain (environment, then the profile in ~/.aws/config) — no hand-made INI reading.
    try {
      const region = await new STSClient(profile === undefined ? {} : { profile }).config.region();
      return region === '' ? null : region;
    } catch {
      return null;
    }
  },
  sleep: realSleep,
  readText: (path) => readFile(path, 'utf8'),
  listFolder: (path) => readdir(path, { withFileTypes: true }),
  writeText: async (path, text) => {
    await writeFile(path, text, 'utf8');
  },
};

function declareAudit(command: Declaration) {
  return command
    .optionsGroup('Live:')
    .option('--profile <name>', 'AWS profile')
    .option(
      '--region <region>',
      "region the findings are for: ASFF ProductArn, OCSF cloud.region, CSV (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region; IAM is global)",
    )
    .option(
      '--org',
      'audit every ACTIVE account of the AWS Organization (run from the management account or a delegated administrator)',
    )
    .option('--role-name <name>', `role to assume in each member account (default ${DEFAULT_ORG_ROLE})`)
    .option(
      '--concurrency <n>',
      'accounts audited at once with --org (default 4); ListMFADevices calls per account: 8',
    )
    .optionsGroup('Offline (no credentials):')
    .option(
      '--credential-report <file>',
      'CSV, or the `aws iam get-credential-report` JSON (base64 or plain Content)',
    )
    .option('--authorization-details <file>', '`aws iam get-account-authorization-details` JSON')
    .option('--mfa-devices <file>', '`aws iam list-mfa-devices` JSON (repeatable: one per user)', repeatable)
    .option('--virtual-mfa-devices <file>', '`aws iam list-virtual-mfa-devices` JSON')
    .option('--account-summary <file>', '`aws iam get-account-summary` JSON')
    .option('--password-policy <file>', '`aws iam get-account-password-policy` JSON')
    .option('--account-id <id>', 'the account the files describe (otherwise read from the ARNs)')
    .option(
      '--input-dir <dir>',
      "an organisation's exports: one sub-folder per account (named after it), each with that account's files under any names (recognised by content)",
    )
    .optionsGroup('Output:')
    .option(
      '--format <list>',
      'table (default), json, csv, ocsf (OCSF 1.4.0 Compliance Finding) or asff (Security Hub); several, comma-separated, with --out',
    )
    .option(
      '--out <dir>',
      "write every --format to DIR (mfaguard-audit-<account>-<time>.txt/.json/.csv/.ocsf.json/.asff.json) and list the files on stdout; earlier .asff.json/.ocsf.json files there keep each finding's first-seen time",
    )
    .option(
      '--previous <file>',
      'an earlier .asff.json or .ocsf.json export to take first-seen times from (repeatable)',
      repeatable,
    )
    .option('--all', 'table: list PASS and N/A findings too')
    .option('--fail-on <severity>', 'exit 1 when a FAIL or ERROR finding is at or above SEVERITY')
    .option('--fail-on-fail', 'exit 1 when any finding is FAIL (as Prowler does by default)')
    .option(
      '--import-security-hub',
      'send the ASFF findings to Security Hub in --region with BatchImportFindings (100 per call, retried when throttled; refused findings are listed). Needs credentials of the account that imports them: its id becomes AwsAccountId and is in ProductArn.',
    );
}

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

/** `--format table,csv` into formats; more than one only makes sense with --out. */
function parseFormats(value: string | undefined, out: string | undefined): AuditFormat[] {
  const names = (value ?? 'table').split(',').map((s) => s.trim());
  const formats: AuditFormat[] = [];
  for (const name of names) {
    if (!(AUDIT_FORMATS as readonly string[]).includes(name))
      throw new UsageError(
        `--format must be one of ${AUDIT_FORMATS.join(', ')} (comma-separated with --out); got '${name.slice(0, 40)}'`,
      );
    if (!formats.includes(name as AuditFormat)) formats.push(name as AuditFormat);
  }
  if (formats.length > 1 && out === undefined)
    throw new UsageError(
      `--format ${formats.join(',')} writes several files: give --out DIR (standard output takes one format)`,
    );
  return formats;
}

const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'ProviderError', 'TokenProviderError']);
const CREDENTIALS_REJECTED = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
]);

const HOW_TO_GIVE_CREDENTIALS =
  'give them with --profile NAME (or AWS_PROFILE), with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), by `aws sso login`, or audit exported files instead (--credential-report, --authorization-details, --input-dir ...; see --help)';

/** Who the credentials belong to; no credentials or rejected ones are said plainly, never as "temporary". */
async function callerAccount(sts: STSClient): Promise<{ accountId: string; partition: string }> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    const partition = /^arn:(aws[\w-]*):/.exec(identity.Arn ?? '')?.[1] ?? 'aws';
    if (identity.Account === undefined)
      throw new ExternalError('sts', 'GetCallerIdentity returned no account');
    return { accountId: identity.Account, partition };
  } catch (error) {
    if (error instanceof ExternalError) throw error;
    const name = awsErrorName(error);
    const message = error instanceof Error ? error.message : String(error);
    if (NO_CREDENTIALS.has(name) || /could not load credentials/i.test(message))
      throw new UsageError(`no AWS credentials were found: ${HOW_TO_GIVE_CREDENTIALS}`);
    if (CREDENTIALS_REJECTED.has(name))
      throw new ExternalError(
        'sts',
        `AWS rejected these credentials (${name}): refresh them (\`aws sso login\`, new keys), or ${HOW_TO_GIVE_CREDENTIALS.replace(/^give them /, 'give others ')}`,
        { cause: error, retryable: false },
      );
    throw new ExternalError('sts', `cannot reach AWS with these credentials: ${message}`, {
      cause: error,
      retryable: true,
    });
  }
}

function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

function outputStem(report: AuditReport, now: Date): string {
  const accounts = report.accounts.map((a) => a.accountId ?? 'unknown');
  const who = accounts.length === 1 ? (accounts[0] ?? 'unknown') : 'organization';
  return `mfaguard-audit-${who}-${stamp(now)}`;
}

function reportImport(result: ImportResult, ctx: CommandContext): void {
  ctx.stderr.write(
    `security hub: ${result.imported} of ${result.sent + result.failed.filter((f) => f.errorCode === 'FindingTooLarge').length + (result.stopped?.notSent ?? 0)} findings imported in ${result.requests} request(s)\n`,
  );
  for (const f of result.failed)
    ctx.stderr.write(
      `error: security hub refused finding ${forTerminal(f.id)}: ${forTerminal(f.errorCode)}: ${forTerminal(f.errorMessage)}\n`,
    );
  if (result.stopped !== null)
    ctx.stderr.write(
      `error: security hub import stopped, ${result.stopped.notSent} finding(s) not sent: ${forTerminal(result.stopped.reason)}\n`,
    );
}

export function createAuditCommand(deps: AuditDeps = DEFAULT_AUDIT_DEPS): Command {
  return defineCommand({
    name: 'audit',
    usage: '[options]',
    description: AUDIT_DESCRIPTION,
    examples: [
      'mfaguard audit --profile prod',
      'mfaguard audit --org --role-name OrganizationAccountAccessRole --format json,csv,asff --out ./audit',
      'mfaguard audit --credential-report report.csv --authorization-details details.json --fail-on high',
    ],
    footer: AUDIT_FOOTER,
    declare: declareAudit,
    async action(values, positionals, ctx): Promise<number> {
      const { formats, failOn, concurrency, accountId, files, inputDir, offline, importing } =
        checkAuditValues(values, positionals);
      // The region the findings speak for: given, from the environment, or from the profile. IAM itself is global.
      const needsRegion = importing || formats.includes('asff');
      const region =
        values.region ??
        ctx.env['AWS_REGION'] ??
        ctx.env['AWS_DEFAULT_REGION'] ??
        (needsRegion || !offline ? await deps.profileRegion(values.profile) : null);
      if (needsRegion && region === null)
        throw new UsageError(
          'ASFF and the Security Hub import need the region the findings are imported into: give --region, set AWS_REGION, or set a region in the profile',
        );

      const now = ctx.now();
      const collected = await collectSnapshots(values, ctx, deps, {
        files,
        inputDir,
        accountId,
        concurrency,
        region,
        now,
      });
      const { snapshots, folderIssues, unreachable } = collected;
      let { partial, caller } = collected;
      if (offline && importing) {
        // Security Hub takes findings only from the account they name: find out which one these credentials are.
        caller = await callerAccount(
          deps.clients({ profile: values.profile, region: region ?? undefined }).sts,
        );
      }

      // An item that could not be read (a bad row, a malformed group) is an input not fully read: exit 3.
      partial ||= snapshots.some((s) => s.issues.some((i) => i.level === 'error'));
      const perAccount = snapshots.map((snapshot) => auditSnapshot(snapshot, now));
      const report = buildAuditReport(snapshots, perAccount, now);
      for (const issue of folderIssues) ctx.stderr.write(renderIssue(issue) + '\n');
      for (const snapshot of snapshots)
        for (const issue of snapshot.issues) ctx.stderr.write(renderIssue(issue) + '\n');

      const { firstSeen, outDir } = await firstSeenTimes(values, ctx, deps);
      const importAccount = caller?.accountId ?? null;
      const options: RenderOptions = {
        all: values.all === true,
        region,
        importAccount,
        productVersion: packageVersion(),
        firstSeen,
      };
      await writeAudit(report, formats, options, { outDir, out: values.out, now }, ctx, deps);
      let importFailed = false;
      let importStopped = false;
      if (importing && region !== null) {
        const result = await importFindings(
          deps.securityHub({ profile: values.profile, region }),
          toAsff(report, { region, importAccount, productVersion: packageVersion(), firstSeen }),
          { sleep: deps.sleep },
        );
        reportImport(result, ctx);
        importFailed = result.failed.length > 0;
        importStopped = result.stopped !== null;
      }

      if (unreachable) {
        ctx.stderr.write(
          'error: AWS could not be reached for any account; every finding above is an ERROR\n',
        );
        return EXIT.external;
      }
      if (importStopped) return EXIT.external;
      if (partial)
        ctx.stderr.write(
          'warning: some inputs could not be read; their checks are reported as ERROR, not as passing\n',
        );
      // --fail-on-fail: any FAIL fails the run, as Prowler's default does; --fail-on: by severity (FAIL or ERROR).
      const anyFail = values.failOnFail === true && report.findings.some((f) => f.status === 'FAIL');
      if (anyFail || atOrAbove(report.findings, failOn)) return EXIT.failOn;
      if (partial) return EXIT.partial;
      return importFailed ? EXIT.partial : EXIT.ok;
    },
  });
}

/** The parsed options, as commander infers them from declareAudit. */
type AuditValues = ReturnType<typeof declareAudit> extends CommanderCommand<infer _Args, infer V> ? V : never;

/** The options checked against each other before anything is read: every wrong combination is a usage error. */
function checkAuditValues(values: AuditValues, positionals: readonly string[]) {
  if (positionals.length > 0)
    throw new UsageError(
      `audit takes no positional arguments; got '${positionals[0]?.slice(0, 40) ?? ''}' (input files go after --credential-report etc.)`,
    );
  const formats = parseFormats(values.format, values.out);
  const failOn = parseSeverityOption('fail-on', values.failOn);
  const concurrency = parseCount('concurrency', values.concurrency) ?? 4;
  if (concurrency < 1) throw new UsageError('--concurrency must be at least 1');
  const accountId = values.accountId;
  if (accountId !== undefined && !/^\d{12}$/.test(accountId))
    throw new UsageError(`--account-id must be 12 digits; got '${accountId.slice(0, 40)}'`);
  if (values.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(values.region))
    throw new UsageError(
      `--region is not an AWS region name such as eu-west-1; got '${values.region.slice(0, 40)}'`,
    );
  const fileFlags = [
    'credentialReport',
    'authorizationDetails',
    'mfaDevices',
    'virtualMfaDevices',
    'accountSummary',
    'passwordPolicy',
  ] as const;
  const files = fileFlags.some((flag) => values[flag] !== undefined);
  const inputDir = values.inputDir;
  if (files && inputDir !== undefined)
    throw new UsageError(
      '--input-dir reads every account from its folder; it cannot be combined with input files',
    );
  const offline = files || inputDir !== undefined;
  const importing = values.importSecurityHub === true;
  if (offline && values.org === true)
    throw new UsageError('--org audits live accounts; it cannot be combined with input files');
  if (inputDir !== undefined && accountId !== undefined)
    throw new UsageError(
      '--account-id names the account of single input files; with --input-dir each sub-folder is one account',
    );
  if (offline && values.profile !== undefined && !importing && !formats.includes('asff'))
    throw new UsageError(
      '--profile has no use offline except to import into Security Hub (--import-security-hub) or to find the region for ASFF',
    );
  if (values.roleName !== undefined && values.org !== true)
    throw new UsageError('--role-name only makes sense with --org');
  if (values.roleName !== undefined && !/^[\w+=,.@-]{1,64}$/.test(values.roleName))
    throw new UsageError(`--role-name is not a valid IAM role name: '${values.roleName.slice(0, 40)}'`);
  return { formats, failOn, concurrency, accountId, files, inputDir, offline, importing };
}

/** The snapshots to audit: from --input-dir, from input files, or collected live (one account or the organization). */
async function collectSnapshots(
  values: AuditValues,
  ctx: CommandContext,
  deps: AuditDeps,
  given: {
    readonly files: boolean;
    readonly inputDir: string | undefined;
    readonly accountId: string | undefined;
    readonly concurrency: number;
    readonly region: string | null;
    readonly now: Date;
  },
) {
  const { files, inputDir, accountId, concurrency, region, now } = given;
  let snapshots: AccountSnapshot[];
  let partial = false;
  let unreachable = false;
  let caller: { accountId: string; partition: string } | null = null;
  const folderIssues: InputIssue[] = [];
  if (inputDir !== undefined) {
    const result = await loadOfflineFolder(resolve(ctx.cwd, inputDir), deps.readText, deps.listFolder, now);
    folderIssues.push(...result.issues);
    snapshots = result.snapshots;
    partial = result.unreadable;
    if (snapshots.length === 0) {
      for (const issue of folderIssues) ctx.stderr.write(renderIssue(issue) + '\n');
      throw new UsageError(`--input-dir ${inputDir}: no account could be read`);
    }
  } else if (files) {
    const path = (p: string | undefined): string | undefined =>
      p === undefined ? undefined : resolve(ctx.cwd, p);
    const result = await loadOfflineSnapshot(
      {
        credentialReport: path(values.credentialReport),
        authorizationDetails: path(values.authorizationDetails),
        mfaDevices: values.mfaDevices?.map((p) => resolve(ctx.cwd, p)),
        virtualMfaDevices: path(values.virtualMfaDevices),
        accountSummary: path(values.accountSummary),
        passwordPolicy: path(values.passwordPolicy),
        accountId,
      },
      deps.readText,
      now,
    );
    snapshots = [result.snapshot];
    partial = result.unreadable;
  } else {
    const clients = deps.clients({ profile: values.profile, region: region ?? undefined });
    caller = await callerAccount(clients.sts);
    const clock = (): Date => ctx.now();
    const common = { now: clock, sleep: deps.sleep, concurrency: 8 };
    if (values.org === true) {
      const known = caller;
      snapshots = await collectOrganization({
        organizations: clients.organizations,
        sts: clients.sts,
        callerAccountId: known.accountId,
        partition: known.partition,
        roleName: values.roleName ?? DEFAULT_ORG_ROLE,
        concurrency,
        iamFor: (credentials) => clients.iamFor(credentials),
        now: clock,
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
  return { snapshots, partial, unreachable, caller, folderIssues };
}

/** First-seen times: from --previous files and from earlier exports in --out DIR. */
async function firstSeenTimes(values: AuditValues, ctx: CommandContext, deps: AuditDeps) {
  const firstSeen = new Map<string, string>();
  const outDir = values.out === undefined ? undefined : resolve(ctx.cwd, values.out);
  const previous = (values.previous ?? []).map((p) => resolve(ctx.cwd, p));
  if (outDir !== undefined) {
    try {
      const entries = await deps.listFolder(outDir);
      for (const entry of entries)
        if (!entry.isDirectory() && /^mfaguard-audit-.*\.(asff|ocsf)\.json$/.test(entry.name))
          previous.push(join(outDir, entry.name));
    } catch {
      // A folder that does not exist yet has no earlier exports; it is created below.
    }
  }
  for (const file of previous) {
    let text: string;
    try {
      text = await deps.readText(file);
    } catch {
      throw new UsageError(`--previous ${file}: cannot be read`);
    }
    for (const issue of readFirstSeen(text, file, firstSeen)) ctx.stderr.write(renderIssue(issue) + '\n');
  }
  return { firstSeen, outDir };
}

/** The report on standard output, or each format as a file in --out DIR. */
async function writeAudit(
  report: Parameters<typeof renderAudit>[0],
  formats: readonly Parameters<typeof renderAudit>[1][],
  options: RenderOptions,
  where: { readonly outDir: string | undefined; readonly out: string | undefined; readonly now: Date },
  ctx: CommandContext,
  deps: AuditDeps,
): Promise<void> {
  const { outDir, now } = where;
  if (outDir === undefined) {
    ctx.stdout.write(renderAudit(report, formats[0] ?? 'table', options));
  } else {
    const stem = outputStem(report, now);
    try {
      await mkdir(outDir, { recursive: true });
      for (const format of formats) {
        const path = join(outDir, stem + AUDIT_FILE_EXTENSIONS[format]);
        await deps.writeText(path, renderAudit(report, format, options));
        ctx.stdout.write(`${forTerminal(path)}\n`);
      }
    } catch (error) {
      const code =
        (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
      throw new UsageError(`--out ${where.out ?? ''}: cannot write there (${code})`);
    }
  }
}

let version: string | undefined;
/** The package version, named as the product version in exports; read once, from the source tree or dist alike. */
function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (
        JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}

export const AUDIT_COMMAND: Command = createAuditCommand();
