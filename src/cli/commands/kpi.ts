// `mfaguard kpi`: the key figures of MFA removals — over CloudTrail archives (per month, by classification, exposure
// windows), or the service's trends from its store (MTTD, MTTR, removals, denials, posture per day, week or month).

import {
  loadConfigFile,
  loadKpiTrends,
  openServiceStore,
  parseScanFilter,
  parseTimeOption,
  resolveTrendWindow,
  runScan,
} from '../../app/index.ts';
import { computeRemovalKpis, TREND_BUCKETS } from '../../cases/index.ts';
import { UsageError } from '../../model/index.ts';
import { kpiTrendsCsv, renderKpiTable, renderKpiTrendsText } from '../../report/index.ts';
import type { CommandContext } from '../command.ts';
import { parseChoice } from '../args.ts';
import { defineCommand, repeatable } from '../command.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { issuePrinter } from '../issue-printer.ts';
import { declareScope } from './scan.ts';

export const KPI_COMMAND: Command = defineCommand({
  name: 'kpi',
  usage: '[PATH...] [options]',
  description: `With PATHs: scans CloudTrail (like \`scan\`), triages every MFA removal and reports
removals per month by classification (legitimate = rotation + approved + verified), the
vulnerability window (removal to re-enrolment) median and p90, and the share of removals
explained automatically as rotation or approved.
Without PATH: the service's trends from its store (what GET /api/kpis/trends answers): per
day, week or month, removals legitimate / unauthorized / unexplained, MTTD, MTTR, MFA-related
denials and posture; the vulnerability-window distribution and open cases by severity.`,
  examples: [
    'mfaguard kpi ./AWSLogs',
    'mfaguard kpi s3://my-trail/AWSLogs/ --since 90d --config mfaguard.yml --format json',
    'mfaguard kpi --from 2026-01-01 --bucket month --format csv > kpis.csv',
  ],
  footer: 'Exit codes: 0 done; 2 usage error; 3 some inputs could not be read; 4 AWS or network failure.',
  declare: (command) =>
    declareScope(
      command
        .argument('[PATH...]', 'folders, files, s3://bucket/prefix, or - for standard input (as for scan)')
        .option(
          '--format <format>',
          'text (default; `table` for PATHs is the same), json, or csv (without PATH)',
        )
        .option(
          '--from <time>',
          'without PATH: window start, ISO or relative (90d); default 90 days before --to',
        )
        .option('--to <time>', 'without PATH: window end, exclusive; default now')
        .option('--bucket <bucket>', "without PATH: day, week or month (default: by the window's length)")
        .option(
          '--store <url>',
          'without PATH: sqlite:PATH or postgres://... (default: MFAGUARD_STORE, else the embedded file)',
        )
        .option(
          '--config <file>',
          'configuration (working hours, privileged users, approvals; without PATH: its mfaPolicies); see the README',
        )
        .option('--rules <path>', 'also load rules from PATH (repeatable)', repeatable),
    )
      .option('--profile <name>', 'AWS profile for s3:// inputs')
      .option('--s3-region <region>', 'AWS region of the S3 client for s3:// inputs')
      .option('-q, --quiet', 'no issue lines on standard error'),
  async action(values, positionals, ctx) {
    if (positionals.length === 0) return trendsFromStore(values, ctx);
    for (const name of ['from', 'to', 'bucket', 'store'] as const)
      if (values[name] !== undefined)
        throw new UsageError(
          `--${name} is for the service's trends (kpi without PATH); over archives use --since and --until`,
        );
    const format = parseChoice('format', values.format, ['table', 'text', 'json'] as const, 'table');
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

async function trendsFromStore(
  values: {
    readonly format?: string | undefined;
    readonly from?: string | undefined;
    readonly to?: string | undefined;
    readonly bucket?: string | undefined;
    readonly store?: string | undefined;
    readonly config?: string | undefined;
    readonly [other: string]: unknown;
  },
  ctx: CommandContext,
): Promise<number> {
  for (const name of ['since', 'until', 'account', 'region', 'rules', 'profile', 's3Region'] as const)
    if (values[name] !== undefined)
      throw new UsageError(
        `--${name.replace('s3Region', 's3-region')} needs PATHs to scan; the service's trends take --from, --to and --bucket`,
      );
  const format = parseChoice('format', values.format, ['text', 'json', 'csv'] as const, 'text');
  const now = ctx.now().getTime();
  const { window, problems } = resolveTrendWindow(
    {
      from: values.from === undefined ? undefined : parseTimeOption('from', values.from, now),
      to: values.to === undefined ? undefined : parseTimeOption('to', values.to, now),
      bucket:
        values.bucket === undefined ? undefined : parseChoice('bucket', values.bucket, TREND_BUCKETS, 'day'),
    },
    now,
  );
  if (problems.length > 0)
    throw new UsageError(problems.map(([name, message]) => `--${name} ${message}`).join('; '));
  const store = await openServiceStore(values.store, ctx.env);
  try {
    // `mfaPolicies` classify every denial when read: those `serve` recorded and those stored as events.
    const mfaPolicies = values.config === undefined ? undefined : loadConfigFile(values.config).mfaPolicies;
    const trends = await loadKpiTrends(store, window, mfaPolicies === undefined ? {} : { mfaPolicies });
    ctx.stdout.write(
      format === 'json'
        ? JSON.stringify(trends, null, 2) + '\n'
        : format === 'csv'
          ? kpiTrendsCsv(trends)
          : renderKpiTrendsText(trends) + '\n',
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
