// `mfaguard hunt`: the retro-hunt pushed down to where the data is (Athena, CloudTrail Lake, or DuckDB over local files), triaged as `scan` triages.

import { loadConfigFile, parseScanFilter } from '../../app/index.ts';
import { openHuntEngine, runHunt } from '../../app/index.ts';
import type { EngineSpec, HuntResult } from '../../app/index.ts';
import { computeRemovalKpis } from '../../cases/index.ts';
import type { HuntScope } from '../../hunt/index.ts';
import { UsageError } from '../../model/index.ts';
import { forTerminal, renderIssue } from '../../report/index.ts';
import { parseChoice, parseSeverityOption } from '../args.ts';
import { defineCommand, repeatable } from '../command.ts';
import type { Command, CommandContext } from '../command.ts';
import {
  ALERT_FORMATS,
  DEFAULT_ALERT_FORMAT,
  describeAlertFormats,
  renderKpiTable,
} from '../../report/index.ts';
import { issuePrinter } from '../issue-printer.ts';
import { declareScope, presentScan } from './scan.ts';
import type { ScanPresentation } from './scan.ts';

const ENGINES = ['duckdb', 'athena', 'cloudtrail-lake'] as const;
/** Athena's on-demand price per terabyte scanned in most regions (10 MB minimum per query); a guide, not a bill. */
const ATHENA_USD_PER_TB = 5;

export const HUNT_COMMAND: Command = defineCommand({
  name: 'hunt',
  usage: '[PATH...] [options]',
  description: `Runs the loaded rules where the CloudTrail data is: the rules' event names and sources become one SQL query,
only the matching events (and, with --since, the callers' earlier history) come back, and they are triaged
exactly as \`mfaguard scan\` triages them. The scope options are pushed down into the query; partition
projection columns are used when the table has them.`,
  examples: [
    'mfaguard hunt ./AWSLogs --since 30d',
    'mfaguard hunt --engine athena --database default --table cloudtrail --output s3://athena-results/mfaguard/ --since 7d',
    'mfaguard hunt --engine cloudtrail-lake --event-data-store arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE --show-sql',
  ],
  footer: `Exit codes: 0 done; 1 an alert at or above --fail-on; 2 usage error; 3 some inputs or rows could not be read;
4 the engine failed or cancelled a query, or AWS could not be reached.`,
  declare: (command) =>
    declareScope(
      command
        .argument('[PATH...]', 'with --engine duckdb: local folders or files of CloudTrail logs')
        .optionsGroup('Engines:')
        .option(
          '--engine <engine>',
          'duckdb (default: the Athena SQL in embedded DuckDB over PATHs), athena or cloudtrail-lake',
        )
        .option('--database <d>', 'athena: the Glue database')
        .option(
          '--table <t>',
          'athena: the CloudTrail table (`mfaguard guardrails athena-table` creates one)',
        )
        .option('--workgroup <w>', 'athena: the workgroup')
        .option('--output <s3url>', 'athena: s3://bucket/prefix/ for query results')
        .option('--event-data-store <arn>', 'cloudtrail-lake: the event data store')
        .optionsGroup('Scope, as for scan:'),
    )
      .optionsGroup('Options as for scan:')
      .option('--format <format>', describeAlertFormats())
      .option('--out <file>', 'write the alerts to FILE instead of standard output')
      .option(
        '--rules <path>',
        'also load rules from PATH; repeatable (a rule that pins no event name or source is refused)',
        repeatable,
      )
      .option('--no-builtin', 'do not load the built-in rules')
      .option('--config <file>', 'triage configuration (see the README)')
      .option('--no-triage', 'alerts as the rules made them')
      .option('--kpi', 'after the alerts, print the MFA removal figures (table format only)')
      .option('--fail-on <severity>', 'exit 1 when an alert is at or above SEVERITY')
      .option('--profile <name>', 'AWS profile (standard credential chain otherwise)')
      .option(
        '--aws-region <region>',
        "AWS region of Athena or of the event data store (default: the configured one, or the event data store's)",
      )
      .option('--show-sql', 'print each query to standard error before its results')
      .option('-q, --quiet', 'no summary, cost or issue lines on standard error'),
  async action(values, positionals, ctx) {
    const presentation: ScanPresentation = {
      format: parseChoice('format', values.format, ALERT_FORMATS, DEFAULT_ALERT_FORMAT),
      out: values.out ?? null,
      quiet: values.quiet === true,
      failOn: parseSeverityOption('fail-on', values.failOn),
    };
    if (values.kpi === true && presentation.format !== 'table')
      throw new UsageError(
        '--kpi goes with the table format; for machine output use `mfaguard kpi --format json`',
      );
    const spec = engineSpec(values, positionals);
    const scope = parseScope(values, ctx.now());
    const config = values.config === undefined ? undefined : loadConfigFile(values.config);
    const printer = issuePrinter(ctx, presentation.quiet);
    const engine = await openHuntEngine(spec);
    const result = await runHunt({
      engine,
      scope,
      rulePaths: values.rules ?? [],
      builtinRules: values.builtin !== false,
      ...(values.triage === false
        ? { triage: false as const }
        : config === undefined
          ? {}
          : { triage: config.triage }),
      onIssue: printer.onIssue,
    });
    printer.flush();
    if (!presentation.quiet) reportRules(result, ctx);
    if (!presentation.quiet || values.showSql === true)
      reportQueries(result, ctx, values.showSql === true, presentation.quiet);
    const code = await presentScan(result, presentation, ctx);
    if (values.kpi === true)
      ctx.stdout.write('\n' + renderKpiTable(computeRemovalKpis(result.alerts)) + '\n');
    return code;
  },
});

/** The parsed options, looked up by their flag name (`--aws-region` is `awsRegion` to commander). */
type Values = Readonly<Record<string, unknown>>;

const key = (flag: string): string => flag.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());

function text(values: Values, name: string): string | undefined {
  const value = values[key(name)];
  return typeof value === 'string' ? value : undefined;
}

function engineSpec(values: Values, paths: readonly string[]): EngineSpec {
  const engine = parseChoice('engine', text(values, 'engine'), ENGINES, 'duckdb');
  const aws = {
    ...(text(values, 'aws-region') === undefined ? {} : { region: text(values, 'aws-region')! }),
    ...(text(values, 'profile') === undefined ? {} : { profile: text(values, 'profile')! }),
  };
  const misplaced = (names: string[]): void => {
    const given = names.filter((name) => values[key(name)] !== undefined);
    if (given.length > 0)
      throw new UsageError(
        `--${given.join(', --')} ${given.length === 1 ? 'does' : 'do'} not go with --engine ${engine}`,
      );
  };
  switch (engine) {
    case 'duckdb':
      misplaced(['database', 'table', 'workgroup', 'output', 'event-data-store']);
      if (paths.length === 0)
        throw new UsageError(
          'hunt --engine duckdb needs at least one PATH (a folder or file of CloudTrail logs)',
        );
      return { engine, paths };
    case 'athena': {
      misplaced(['event-data-store']);
      const database = text(values, 'database');
      const table = text(values, 'table');
      if (database === undefined || table === undefined)
        throw new UsageError(
          'hunt --engine athena needs --database and --table (the CloudTrail table; `mfaguard guardrails athena-table` creates one)',
        );
      if (paths.length > 0)
        throw new UsageError('hunt --engine athena reads the table, not PATHs; leave them out');
      const workgroup = text(values, 'workgroup');
      const output = text(values, 'output');
      return {
        engine,
        database,
        table,
        ...(workgroup === undefined ? {} : { workgroup }),
        ...(output === undefined ? {} : { output }),
        ...aws,
      };
    }
    case 'cloudtrail-lake': {
      misplaced(['database', 'table', 'workgroup', 'output']);
      const store = text(values, 'event-data-store');
      if (store === undefined)
        throw new UsageError('hunt --engine cloudtrail-lake needs --event-data-store ARN');
      if (paths.length > 0)
        throw new UsageError(
          'hunt --engine cloudtrail-lake reads the event data store, not PATHs; leave them out',
        );
      return { engine, eventDataStore: store, ...aws };
    }
  }
}

/** The scope takes scan's options and checks (`parseScanFilter`), then goes into the query as text times. */
function parseScope(values: Values, now: Date): HuntScope {
  const list = (name: string): string[] | undefined => values[key(name)] as string[] | undefined;
  const filter = parseScanFilter(
    {
      since: text(values, 'since'),
      until: text(values, 'until'),
      accounts: list('account'),
      regions: list('region'),
    },
    now.getTime(),
  );
  const iso = (ms: number | undefined): string | null =>
    ms === undefined ? null : new Date(ms).toISOString().slice(0, 19) + 'Z';
  return {
    since: iso(filter.sinceMs),
    until: iso(filter.untilMs),
    accounts: filter.accounts ?? [],
    regions: filter.regions ?? [],
  };
}

function reportRules(result: HuntResult, ctx: CommandContext): void {
  for (const rule of result.rules) {
    if (rule.status !== 'error') continue;
    for (const issue of rule.issues) ctx.stderr.write(renderIssue(issue) + '\n');
  }
}

/** Each query's id, rows and the data it scanned, which is what Athena and CloudTrail Lake bill. */
function reportQueries(result: HuntResult, ctx: CommandContext, showSql: boolean, quiet: boolean): void {
  for (const query of result.queries) {
    if (showSql) ctx.stderr.write(`-- ${query.purpose} query (${result.engine})\n${query.sql}\n`);
    if (quiet) continue;
    const id = query.statistics.queryId === null ? '' : ` ${forTerminal(query.statistics.queryId)}`;
    const scanned = query.statistics.bytesScanned;
    const cost =
      scanned === null
        ? ''
        : `, ${formatBytes(scanned)} scanned` +
          (result.engine === 'athena'
            ? ` (about $${((Math.max(scanned, 10 * 1024 ** 2) / 1024 ** 4) * ATHENA_USD_PER_TB).toFixed(4)} at $${ATHENA_USD_PER_TB}/TB)`
            : '');
    ctx.stderr.write(`${result.engine} ${query.purpose} query${id}: ${query.rows} rows${cost}\n`);
  }
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
