// `mfaguard policy check`: judges standalone IAM policy documents — does each really enforce MFA for console sessions and access keys?

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { text } from 'node:stream/consumers';
import { UsageError } from '../../model/index.ts';
import { checkPolicyDocument } from '../../posture/index.ts';
import type { EnforcementVerdict, StandalonePolicyReport } from '../../posture/index.ts';
import { forTerminal, jsonForTerminal, renderIssue } from '../../report/index.ts';
import { parseChoice } from '../args.ts';
import { defineCommand } from '../command.ts';
import type { Command, CommandContext } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

const FORMATS = ['table', 'json'] as const;
const FAIL_ON = ['partial', 'not-enforced'] as const;

export interface PolicyCheckEntry extends StandalonePolicyReport {
  /** Set when the file could not be read or is not a policy at all. */
  readonly error?: string;
}

/** Unwraps the AWS CLI shapes around a document: get-policy-version, get-*-policy. */
function unwrap(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const version = record['PolicyVersion'];
  if (typeof version === 'object' && version !== null && 'Document' in version) return version.Document;
  if ('PolicyDocument' in record && !('Statement' in record)) return record['PolicyDocument'];
  return value;
}

function parseInput(content: string): unknown {
  try {
    return unwrap(JSON.parse(content));
  } catch {
    // Not JSON text: let the analyzer try URL-decoding and report precisely what is wrong.
    return content;
  }
}

const UNREADABLE_CODES = new Set(['not-json', 'not-object', 'statement-missing']);

async function checkOne(file: string, ctx: CommandContext): Promise<PolicyCheckEntry> {
  let content: string;
  try {
    content = file === '-' ? await text(ctx.stdin) : await readFile(resolve(ctx.cwd, file), 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    const message = `cannot read ${file}: ${reason}`;
    return {
      file,
      mfaEnforced: { console: false, accessKeys: false },
      verdict: 'not-enforced',
      console: 'not-enforced',
      accessKeys: 'not-enforced',
      contexts: {
        console: { deniedActions: [], notDeniedActions: [] },
        accessKeys: { deniedActions: [], notDeniedActions: [] },
      },
      findings: [],
      issues: [{ level: 'error', code: 'unreadable', location: file, message }],
      explanation: [],
      error: message,
    };
  }
  const report = checkPolicyDocument(parseInput(content), file, { now: ctx.now() });
  const fatal = report.issues.find((issue) => UNREADABLE_CODES.has(issue.code));
  return fatal === undefined ? report : { ...report, error: `${file}: ${fatal.message}` };
}

const RANK: Readonly<Record<EnforcementVerdict, number>> = { enforced: 0, partial: 1, 'not-enforced': 2 };

function yesNo(value: boolean): string {
  return value ? 'yes' : 'NO';
}

function renderTable(entries: readonly PolicyCheckEntry[]): string {
  const rows = entries.map((e) => [
    forTerminal(e.file),
    e.error === undefined ? yesNo(e.mfaEnforced.console) : '-',
    e.error === undefined ? yesNo(e.mfaEnforced.accessKeys) : '-',
    e.error === undefined ? e.verdict : 'unreadable',
    e.error === undefined ? String(e.findings.filter((f) => f.level !== 'note').length) : '-',
  ]);
  const header = ['FILE', 'CONSOLE', 'ACCESS KEYS', 'VERDICT', 'PITFALLS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const entry of entries) {
    const notDenied = (label: string, actions: readonly string[]): string[] =>
      actions.length === 0 ? [] : [`  ${label} without MFA, not denied: ${actions.join(', ')}`];
    const details =
      entry.error === undefined
        ? [
            ...notDenied('console session', entry.contexts.console.notDeniedActions),
            ...notDenied('access key', entry.contexts.accessKeys.notDeniedActions),
            ...entry.findings.map((f) => `  ${f.level} ${f.code}: ${forTerminal(f.message)}`),
          ]
        : [];
    const issues = entry.issues.filter((i) => i.level !== 'note').map((i) => `  ${renderIssue(i).trimEnd()}`);
    if (details.length === 0 && issues.length === 0) continue;
    out.push('', `${forTerminal(entry.file)}:`, ...details, ...issues);
  }
  return out.join('\n') + '\n';
}

function toJson(entry: PolicyCheckEntry): Record<string, unknown> {
  return {
    file: entry.file,
    mfaEnforced: entry.mfaEnforced,
    verdict: entry.error === undefined ? entry.verdict : 'unreadable',
    console: entry.console,
    accessKeys: entry.accessKeys,
    contexts: entry.contexts,
    findings: entry.findings,
    issues: entry.issues,
    explanation: entry.explanation,
    ...(entry.error === undefined ? {} : { error: entry.error }),
  };
}

export const POLICY_COMMAND: Command = defineCommand({
  name: 'policy',
  usage: 'check FILE... [options]',
  description: `Judges IAM policy documents, each on its own as the only identity policy of a user: are sensitive
actions (IAM changes, sts:AssumeRole, S3 reads, EC2 launches, ...) explicitly denied for a console
session without MFA (aws:MultiFactorAuthPresent = false) and for a long-term access key (no MFA key)?
Only an explicit Deny counts: an action that is merely not allowed becomes possible the day someone
attaches AdministratorAccess. Named pitfalls (Bool instead of BoolIfExists, NotAction exempting too
much, MFA only in an Allow, ...) are listed per file.

FILE is a policy document (JSON, or URL-encoded JSON as IAM returns it), the output of
\`aws iam get-policy-version\` / \`get-user-policy\` / \`get-group-policy\`, or - for standard input.`,
  examples: [
    'mfaguard policy check enforce-mfa.json',
    'aws iam get-policy-version --policy-arn ARN --version-id v3 | mfaguard policy check - --fail-on partial',
  ],
  footer: `Exit codes: 0 done; 1 a verdict at or worse than --fail-on; 2 usage error, or no file could be read;
3 some files could not be read (the others are still checked).`,
  declare: (command) =>
    command
      .argument('[check]', 'the sub-command: check')
      .argument('[FILE...]', 'policy documents, or - for standard input')
      .option(
        '--format <format>',
        'table (default) or json: [{file, mfaEnforced: {console, accessKeys}, verdict, findings[]}]',
      )
      .option('--fail-on <level>', "exit 1 when a file's verdict is LEVEL or worse: partial or not-enforced"),
  async action(values, positionals, ctx) {
    const [sub, ...files] = positionals;
    if (sub !== 'check') {
      throw new UsageError(
        sub === undefined
          ? 'policy: missing sub-command; use `mfaguard policy check FILE...`'
          : `policy: unknown sub-command '${sub.slice(0, 40)}'; use \`mfaguard policy check FILE...\``,
      );
    }
    if (files.length === 0)
      throw new UsageError('policy check: give at least one policy file (or - for standard input)');
    if (files.filter((f) => f === '-').length > 1)
      throw new UsageError('policy check: standard input (-) can be read only once');
    const format = parseChoice('format', values.format, FORMATS, 'table');
    const failOn =
      values.failOn === undefined ? null : parseChoice('fail-on', values.failOn, FAIL_ON, 'partial');

    const entries: PolicyCheckEntry[] = [];
    for (const file of files) entries.push(await checkOne(file, ctx));

    const unreadable = entries.filter((e) => e.error !== undefined);
    if (format === 'json')
      ctx.stdout.write(jsonForTerminal(JSON.stringify(entries.map(toJson), null, 2)) + '\n');
    else ctx.stdout.write(renderTable(entries));
    for (const entry of unreadable) ctx.stderr.write(`error: ${forTerminal(entry.error ?? '')}\n`);

    if (unreadable.length === entries.length) return EXIT.usage;
    if (unreadable.length > 0) return EXIT.partial;
    if (failOn !== null && entries.some((e) => RANK[e.verdict] >= RANK[failOn])) return EXIT.failOn;
    return EXIT.ok;
  },
});
