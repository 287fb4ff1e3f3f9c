// `mfaguard guardrails`: writes the MFA enforcement policy, quarantine policy, break-glass SCP and EventBridge rule as JSON, CloudFormation or Terraform.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExternalError, UsageError } from '../../model/index.ts';
import {
  DEFAULT_BREAK_GLASS_ROLE,
  generateGuardrails,
  GUARDRAIL_FORMATS,
  GUARDRAIL_KINDS,
  guardrailJson,
} from '../../guardrails/index.ts';
import type { GuardrailKind, GuardrailOptions } from '../../guardrails/index.ts';
import { forTerminal } from '../../report/index.ts';
import { parseChoice, parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

export const GUARDRAILS_USAGE = `Usage: mfaguard guardrails <policy|quarantine|scp|eventbridge|all> [options]

Generates the guardrails that keep MFA in place:
  policy       self-service MFA enforcement: users manage their own password and MFA device;
               everything else is explicitly denied without MFA (BoolIfExists, so access keys too)
  quarantine   for a user whose MFA was removed: denies everything (even with MFA) except reading
               the own user and re-enrolling a device on it; detach after verifying the owner
  scp          Service Control Policy denying iam:DeactivateMFADevice and iam:DeleteVirtualMFADevice
               to every principal but the break-glass role (not effective in the management account)
  eventbridge  the rule sending MFA and sign-in events to mfaguard: an API destination to
               <endpoint>/ingest/eventbridge with an API-key header, or an SQS queue (deploy in us-east-1)
  all          all four

Options:
  --format FORMAT            json (default), cloudformation (YAML template) or terraform (HCL)
  --break-glass-role NAME    role name or ARN exempt from the SCP (default ${DEFAULT_BREAK_GLASS_ROLE})
  --endpoint URL             mfaguard's HTTPS base URL; makes the EventBridge target an API destination
  --target api|sqs           EventBridge target (default: api with --endpoint, sqs without)
  --quarantine-mode MODE     re-enrol (default) or deny-all (not even re-enrolment)
  --out DIR                  write one file per guardrail into DIR instead of standard output

Exit codes: 0 done; 2 usage error; 4 the files could not be written.`;

const KINDS_OR_ALL = [...GUARDRAIL_KINDS, 'all'] as const;

export const GUARDRAILS_COMMAND: Command = {
  name: 'guardrails',
  summary:
    'generate the MFA enforcement policy, quarantine policy, SCP and EventBridge rule (JSON, CloudFormation, Terraform)',
  usage: GUARDRAILS_USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('guardrails', args, {
      format: { type: 'string' },
      'break-glass-role': { type: 'string' },
      endpoint: { type: 'string' },
      target: { type: 'string' },
      'quarantine-mode': { type: 'string' },
      out: { type: 'string' },
    });
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
    const kinds: GuardrailKind[] = which === 'all' ? [...GUARDRAIL_KINDS] : [which as GuardrailKind];
    const format = parseChoice('format', values.format, GUARDRAIL_FORMATS, 'json');
    const options: GuardrailOptions = {
      ...(values['break-glass-role'] === undefined ? {} : { breakGlassRole: values['break-glass-role'] }),
      ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
      ...(values.target === undefined
        ? {}
        : { target: parseChoice('target', values.target, ['api', 'sqs'] as const, 'api') }),
      ...(values['quarantine-mode'] === undefined
        ? {}
        : {
            quarantineMode: parseChoice(
              'quarantine-mode',
              values['quarantine-mode'],
              ['re-enrol', 'deny-all'] as const,
              're-enrol',
            ),
          }),
    };
    const generated = generateGuardrails(kinds, format, options);

    if (values.out !== undefined) {
      const dir = resolve(ctx.cwd, values.out);
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
    if (generated.length === 1) {
      ctx.stdout.write(generated[0]?.content ?? '');
    } else if (format === 'json') {
      const all = Object.fromEntries(kinds.map((kind) => [kind, guardrailJson(kind, options)]));
      ctx.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
    } else if (format === 'cloudformation') {
      // Separate templates, one YAML document each: deploy them as separate stacks.
      ctx.stdout.write(generated.map((g) => `# ${g.fileName}\n${g.content}`).join('---\n'));
    } else {
      // Resource and variable names do not clash, so the concatenation is one valid Terraform file.
      ctx.stdout.write(generated.map((g) => g.content).join('\n'));
    }
    return EXIT.ok;
  },
};
