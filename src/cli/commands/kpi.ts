// `mfaguard kpi`: the key figures of MFA removals over CloudTrail archives — per month, by classification, and exposure windows.

import { loadConfigFile, parseScanFilter, runScan } from '../../app/index.ts';
import { computeRemovalKpis } from '../../cases/index.ts';
import { UsageError } from '../../model/index.ts';
import { renderKpiTable } from '../../report/index.ts';
import { parseChoice, parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { issuePrinter } from '../issue-printer.ts';

const USAGE = `Usage: mfaguard kpi PATH... [options]

Scans CloudTrail (like \`scan\`), triages every MFA removal and reports:
removals per month by classification (legitimate = rotation + approved + verified), the
vulnerability window (removal to re-enrolment) median and p90, and the share of removals
explained automatically as rotation or approved.

Options:
  --format FORMAT   table (default) or json
  --config FILE     configuration (working hours, privileged users, approvals); see the README
  --rules PATH      also load rules from PATH (repeatable)
  --since TIME, --until TIME, --account ID, --region REGION
                    limit the scan as \`mfaguard scan\` does (see its help)
  --profile NAME    AWS profile for s3:// inputs
  --s3-region REGION  AWS region of the S3 client for s3:// inputs
  --quiet           no issue lines on standard error`;

export const KPI_COMMAND: Command = {
  name: 'kpi',
  summary: 'MFA removal figures over CloudTrail archives: per month by classification, vulnerability window',
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('kpi', args, {
      format: { type: 'string' },
      config: { type: 'string' },
      rules: { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
      account: { type: 'string', multiple: true },
      region: { type: 'string', multiple: true },
      profile: { type: 'string' },
      's3-region': { type: 'string' },
      quiet: { type: 'boolean', short: 'q', default: false },
    });
    if (positionals.length === 0)
      throw new UsageError('kpi needs at least one PATH (a folder, file, s3://bucket/prefix or -)');
    const format = parseChoice('format', values.format, ['table', 'json'] as const, 'table');
    const filter = parseScanFilter(
      { since: values.since, until: values.until, accounts: values.account, regions: values.region },
      ctx.now().getTime(),
    );
    const config = values.config === undefined ? undefined : loadConfigFile(values.config);
    const printer = issuePrinter(ctx, values.quiet === true);
    const result = await runScan({
      inputs: positionals,
      rulePaths: values.rules ?? [],
      stdin: ctx.stdin,
      ...(config === undefined ? {} : { triage: config.triage }),
      ...(values.profile === undefined ? {} : { profile: values.profile }),
      ...(values['s3-region'] === undefined ? {} : { region: values['s3-region'] }),
      filter,
      onIssue: printer.onIssue,
    });
    printer.flush();
    const kpis = computeRemovalKpis(result.alerts);
    ctx.stdout.write(
      format === 'json'
        ? JSON.stringify(
            {
              kpis,
              coverage: {
                from: result.stats.firstEventTime,
                to: result.stats.lastEventTime,
                events: result.stats.events,
              },
            },
            null,
            2,
          ) + '\n'
        : renderKpiTable(kpis) + '\n',
    );
    return result.stats.unreadable > 0 ? EXIT.partial : EXIT.ok;
  },
};
