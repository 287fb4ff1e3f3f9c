// `mfaguard kpi`: the key figures of MFA removals over CloudTrail archives — per month, by classification, and exposure windows.

import { loadConfigFile, parseScanFilter, runScan } from '../../app/index.ts';
import { computeRemovalKpis } from '../../cases/index.ts';
import { UsageError } from '../../model/index.ts';
import { renderKpiTable } from '../../report/index.ts';
import { parseChoice } from '../args.ts';
import { defineCommand, repeatable } from '../command.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { issuePrinter } from '../issue-printer.ts';
import { declareScope } from './scan.ts';

export const KPI_COMMAND: Command = defineCommand({
  name: 'kpi',
  usage: 'PATH... [options]',
  description: `Scans CloudTrail (like \`scan\`), triages every MFA removal and reports:
removals per month by classification (legitimate = rotation + approved + verified), the
vulnerability window (removal to re-enrolment) median and p90, and the share of removals
explained automatically as rotation or approved.`,
  examples: [
    'mfaguard kpi ./AWSLogs',
    'mfaguard kpi s3://my-trail/AWSLogs/ --since 90d --config mfaguard.yml --format json',
  ],
  footer: 'Exit codes: 0 done; 2 usage error; 3 some inputs could not be read; 4 AWS or network failure.',
  declare: (command) =>
    declareScope(
      command
        .argument('[PATH...]', 'folders, files, s3://bucket/prefix, or - for standard input (as for scan)')
        .option('--format <format>', 'table (default) or json')
        .option(
          '--config <file>',
          'configuration (working hours, privileged users, approvals); see the README',
        )
        .option('--rules <path>', 'also load rules from PATH (repeatable)', repeatable),
    )
      .option('--profile <name>', 'AWS profile for s3:// inputs')
      .option('--s3-region <region>', 'AWS region of the S3 client for s3:// inputs')
      .option('-q, --quiet', 'no issue lines on standard error'),
  async action(values, positionals, ctx) {
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
      ...(values.s3Region === undefined ? {} : { region: values.s3Region }),
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
});
