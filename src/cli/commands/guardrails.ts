// `mfaguard guardrails`: writes the MFA enforcement policy, quarantine policy, break-glass SCP and EventBridge rule as JSON, CloudFormation or Terraform.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option } from '@commander-js/extra-typings';
import { ExternalError, PARTITIONS, UsageError } from '../../model/index.ts';
import {
  DEFAULT_BREAK_GLASS_ROLE,
  generateAthenaTable,
  generateGuardrails,
  GUARDRAIL_FORMATS,
  GUARDRAIL_KINDS,
  guardrailJson,
} from '../../guardrails/index.ts';
import type { GeneratedGuardrail, GuardrailKind, GuardrailOptions } from '../../guardrails/index.ts';
import { forTerminal } from '../../report/index.ts';
import { parseChoice } from '../args.ts';
import { defineCommand } from '../command.ts';
import type { Command, CommandContext } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

const KINDS_OR_ALL = [...GUARDRAIL_KINDS, 'all', 'athena-table'] as const;

export const GUARDRAILS_COMMAND: Command = defineCommand({
  name: 'guardrails',
  usage: '<policy|quarantine|scp|eventbridge|all|athena-table> [options]',
  description: `Generates the guardrails that keep MFA in place:
  policy       self-service MFA enforcement: users manage their own password and MFA device;
               everything else is explicitly denied without MFA (BoolIfExists, so access keys too)
  quarantine   for a user whose MFA was removed: denies everything (even with MFA) except reading
               the own user and re-enrolling a device on it; detach after verifying the owner
  scp          Service Control Policy denying iam:DeactivateMFADevice and iam:DeleteVirtualMFADevice
               to every principal but the break-glass role (not effective in the management account)
  eventbridge  the rule sending MFA, sign-in and STS events to mfaguard: an API destination to
               <endpoint>/ingest/eventbridge with an API-key header, or an SQS queue (deploy in us-east-1,
               or --home-region); --regions adds forwarding rules in other regions, --organization-id
               an organisation bus that member accounts (--org-units) forward to
  all          all four
  athena-table the Athena table over a trail's bucket, with partition projection (account, region, day),
               for \`mfaguard hunt --engine athena\`: a Glue TableInput (json), AWS::Glue::Table or
               aws_glue_catalog_table; needs --bucket, --accounts, --regions and --start-date`,
  examples: [
    'mfaguard guardrails policy',
    'mfaguard guardrails all --partition aws-us-gov  # JSON with arn:aws-us-gov: ARNs',
    'mfaguard guardrails all --format terraform --endpoint https://mfaguard.example.com --out ./guardrails',
    'mfaguard guardrails eventbridge --format cloudformation --regions eu-west-1,eu-central-1 --organization-id o-a1b2c3d4e5 --org-units r-ab12',
    'mfaguard guardrails athena-table --bucket my-trail --accounts 111122223333 --regions us-east-1 --start-date 2024/01/01',
  ],
  footer: 'Exit codes: 0 done; 2 usage error; 4 the files could not be written.',
  declare: (command) =>
    command
      .argument('[guardrail]', KINDS_OR_ALL.join(', '))
      .option('--format <format>', 'json (default), cloudformation (YAML template) or terraform (HCL)')
      .addOption(
        new Option(
          '--partition <partition>',
          'partition of the ARNs the json format writes (cloudformation and terraform use the deployed one)',
        )
          .choices(PARTITIONS)
          .default('aws' as const),
      )
      .option(
        '--break-glass-role <name>',
        `role name or ARN exempt from the SCP (default ${DEFAULT_BREAK_GLASS_ROLE})`,
      )
      .option(
        '--endpoint <url>',
        "mfaguard's HTTPS base URL; makes the EventBridge target an API destination",
      )
      .option(
        '--target <target>',
        'EventBridge target: api or sqs (default: api with --endpoint, sqs without)',
      )
      .option('--quarantine-mode <mode>', 're-enrol (default) or deny-all (not even re-enrolment)')
      .option(
        '--home-region <region>',
        "EventBridge: where the rule with mfaguard's target lives (default us-east-1)",
      )
      .option(
        '--org-units <ids>',
        'EventBridge with --organization-id: comma-separated root (r-…) or OU ids whose accounts forward',
      )
      .option(
        '--with-denials',
        "EventBridge: a second rule for every service's access denials (the MFA-related denials KPI)",
      )
      .option(
        '--without-read-only-events',
        'EventBridge: plain ENABLED rule, without the list calls and STS probes triage reads',
      )
      .option('--out <dir>', 'write one file per guardrail into DIR instead of standard output')
      .optionsGroup('athena-table options:')
      .option('--bucket <name>', "the trail's S3 bucket")
      .option('--prefix <prefix>', "the trail's key prefix before AWSLogs/, if any")
      .option(
        '--organization-id <o>',
        'o-… for an organisation trail (AWSLogs/<org id>/<account>/…); eventbridge: organisation-wide delivery',
      )
      .option('--accounts <ids>', 'comma-separated account ids the bucket holds logs for')
      .option(
        '--regions <regions>',
        'comma-separated regions the trail logs; eventbridge: regions forwarded to the home region',
      )
      .option('--start-date <yyyy/MM/dd>', 'the first day of logs')
      .option('--database <name>', 'Glue database (default mfaguard)')
      .option('--table-name <name>', 'Glue table (default cloudtrail)'),
  async action(values, positionals, ctx) {
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? `guardrails: say which one: ${KINDS_OR_ALL.join(', ')}`
          : `guardrails: one guardrail at a time (or all); got ${positionals.length} (${positionals
              .slice(0, 4)
              .map((p) => p.slice(0, 20))
              .join(' ')})`,
      );
    }
    const which = positionals[0] ?? '';
    if (!(KINDS_OR_ALL as readonly string[]).includes(which)) {
      throw new UsageError(
        `guardrails: unknown guardrail '${which.slice(0, 40)}'; choose one of ${KINDS_OR_ALL.join(', ')}`,
      );
    }
    const format = parseChoice('format', values.format, GUARDRAIL_FORMATS, 'json');
    if (which === 'athena-table') {
      const generated = generateAthenaTable(format, {
        bucket: values.bucket ?? '',
        accounts: list(values.accounts),
        regions: list(values.regions),
        startDate: values.startDate ?? '',
        ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
        ...(values.organizationId === undefined ? {} : { organizationId: values.organizationId }),
        ...(values.database === undefined ? {} : { database: values.database }),
        ...(values.tableName === undefined ? {} : { table: values.tableName }),
      });
      return writeGenerated([generated], values.out, ctx, () => generated.content);
    }
    const kinds: GuardrailKind[] = which === 'all' ? [...GUARDRAIL_KINDS] : [which as GuardrailKind];
    const options: GuardrailOptions = {
      partition: values.partition,
      ...(values.regions === undefined ? {} : { regions: list(values.regions) }),
      ...(values.homeRegion === undefined ? {} : { homeRegion: values.homeRegion }),
      ...(values.organizationId === undefined ? {} : { organizationId: values.organizationId }),
      ...(values.orgUnits === undefined ? {} : { organizationalUnitIds: list(values.orgUnits) }),
      ...(values.withoutReadOnlyEvents === true ? { readOnlyEvents: false } : {}),
      ...(values.withDenials === true ? { denialEvents: true } : {}),
      ...(values.breakGlassRole === undefined ? {} : { breakGlassRole: values.breakGlassRole }),
      ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
      ...(values.target === undefined
        ? {}
        : { target: parseChoice('target', values.target, ['api', 'sqs'] as const, 'api') }),
      ...(values.quarantineMode === undefined
        ? {}
        : {
            quarantineMode: parseChoice(
              'quarantine-mode',
              values.quarantineMode,
              ['re-enrol', 'deny-all'] as const,
              're-enrol',
            ),
          }),
    };
    const generated = generateGuardrails(kinds, format, options);
    return writeGenerated(generated, values.out, ctx, () => {
      if (generated.length === 1) return generated[0]?.content ?? '';
      if (format === 'json') {
        const all = Object.fromEntries(kinds.map((kind) => [kind, guardrailJson(kind, options)]));
        return `${JSON.stringify(all, null, 2)}\n`;
      }
      // Separate templates, one YAML document each: deploy them as separate stacks.
      if (format === 'cloudformation')
        return generated.map((g) => `# ${g.fileName}\n${g.content}`).join('---\n');
      // Resource and variable names do not clash, so the concatenation is one valid Terraform file.
      return generated.map((g) => g.content).join('\n');
    });
  },
});

/** A comma-separated option as its items. */
function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** One file per guardrail into `--out`, or everything as `stdoutText` on standard output. */
async function writeGenerated(
  generated: readonly GeneratedGuardrail[],
  out: string | undefined,
  ctx: CommandContext,
  stdoutText: () => string,
): Promise<number> {
  if (out === undefined) {
    ctx.stdout.write(stdoutText());
    return EXIT.ok;
  }
  const dir = resolve(ctx.cwd, out);
  try {
    await mkdir(dir, { recursive: true });
    for (const file of generated) {
      const path = join(dir, file.fileName);
      await writeFile(path, file.content, 'utf8');
      ctx.stdout.write(`wrote ${forTerminal(path)}\n`);
    }
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new ExternalError('filesystem', `cannot write guardrails to ${dir}: ${reason}`);
  }
  return EXIT.ok;
}
