// `mfaguard scan`: a retro-hunt over CloudTrail archives (folders, files, stdin, S3), with a findings table or machine output.

import { closeSync, createWriteStream, openSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { loadConfigFile, parseScanFilter, scanArchive } from '../../app/index.ts';
import { computeRemovalKpis } from '../../cases/index.ts';
import type { ScannedArchive, ScanResult, ScanStats } from '../../app/index.ts';
import { INPUT_DECODERS, INPUT_FORMATS } from '../../ingest/index.ts';
import { severityRank, UsageError } from '../../model/index.ts';
import {
  createAlertWriter,
  pendingAlert,
  ProgressBar,
  renderIssue,
  renderSummary,
  shouldUseColor,
  writePending,
} from '../../report/index.ts';
import type { AlertFormat, PendingAlert } from '../../report/index.ts';
import type { Alert } from '../../model/index.ts';
import type { ScanSummary } from '../../report/index.ts';
import { parseChoice, parseCount, parseSeverityOption } from '../args.ts';
import { defineCommand, repeatable } from '../command.ts';
import type { Command, CommandContext } from '../command.ts';
import type { Command as CommanderCommand, OptionValues } from '@commander-js/extra-typings';
import { EXIT } from '../exit-codes.ts';
import { issuePrinter } from '../issue-printer.ts';
import {
  ALERT_FORMATS,
  DEFAULT_ALERT_FORMAT,
  describeAlertFormats,
  renderKpiTable,
} from '../../report/index.ts';

export interface ScanPresentation {
  readonly format: AlertFormat;
  readonly out: string | null;
  readonly quiet: boolean;
  readonly failOn: ReturnType<typeof parseSeverityOption>;
}

/** Where alerts go as the scan hands them over: standard output, or the --out file (waiting for the disk). */
interface AlertOutput {
  emit(alert: PendingAlert): void | Promise<void>;
  end(summary: ScanSummary): Promise<void>;
}

/** Text gathered before it is handed on: one write per alert cost a stream (or a pipe) a call each. */
const BATCH_CHARS = 256 * 1024;

/** Gathers small writes into writes of about `BATCH_CHARS`; `flush` hands on what is left. */
function batched(write: (text: string) => void): { write(text: string): void; flush(): void } {
  let parts: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    const text = parts.join('');
    parts = [];
    size = 0;
    write(text);
  };
  return {
    write(text) {
      parts.push(text);
      size += text.length;
      if (size >= BATCH_CHARS) flush();
    },
    flush,
  };
}

/**
 * Like `batched`, but gathering the text as UTF-8 in a buffer that is handed on whole: a file stream encodes every
 * string it is given, so joining the parts first copied each alert's JSON twice more.
 */
export function batchedBytes(
  write: (bytes: Buffer) => void,
  size: number = BATCH_CHARS,
): { write(text: string): void; flush(): void } {
  let bytes = Buffer.allocUnsafe(size);
  let used = 0;
  const flush = (): void => {
    if (used === 0) return;
    write(bytes.subarray(0, used));
    bytes = Buffer.allocUnsafe(size);
    used = 0;
  };
  return {
    write(text) {
      // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4).
      if (used + text.length * 3 > bytes.length) flush();
      if (text.length * 3 > bytes.length) write(Buffer.from(text));
      else used += bytes.write(text, used);
    },
    flush,
  };
}

/** The --out file as an `AlertOutput`; an unwritable path is the user's error. */
function fileOutput(
  path: string,
  format: AlertFormat,
  options: { color: boolean; columns?: number },
): AlertOutput {
  const stream = createWriteStream(path);
  let failure: Error | null = null;
  stream.on('error', (error) => {
    failure = error;
  });
  const failed = (): UsageError | null =>
    failure === null ? null : new UsageError(`cannot write --out ${path}: ${failure.message}`);
  const sink = batchedBytes((bytes) => void stream.write(bytes));
  const writer = createAlertWriter(sink, format, options);
  return {
    async emit(alert) {
      writePending(writer, alert);
      // events.once removes both of its listeners when either fires: listeners added per wait would pile up past
      // Node's limit of ten and print a MaxListenersExceededWarning on a long output.
      if (stream.writableNeedDrain) await once(stream, 'drain').catch(() => undefined);
      const error = failed();
      if (error !== null) throw error;
    },
    async end(summary) {
      writer.end(summary);
      sink.flush();
      await new Promise<void>((resolve) => {
        stream.end(() => resolve());
        stream.once('error', () => resolve());
      });
      const error = failed();
      if (error !== null) throw error;
    },
  };
}

/** --out is checked before the scan: an hour of scanning must not end in "cannot write". Creates it, truncates nothing. */
function checkWritable(path: string): void {
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory() === true)
      throw new UsageError(`--out ${path} is a folder; name a file`);
    closeSync(openSync(path, 'a'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'its folder does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EROFS'
            ? 'read-only file system'
            : (code ?? 'cannot open it');
    throw new UsageError(`cannot write --out ${path}: ${why}`);
  }
}

export function toSummary(stats: ScanStats): ScanSummary {
  return {
    files: stats.files,
    skippedFiles: stats.skippedFiles,
    events: stats.events,
    bytes: stats.bytes,
    alerts: stats.alerts,
    alertsBySeverity: stats.alertsBySeverity,
    duplicates: stats.duplicates,
    unreadable: stats.unreadable,
    warnings: stats.warnings,
    elapsedMs: stats.elapsedMs,
  };
}

/** Writes a finished scan's alerts where they were asked for, the summary to stderr, and works out the exit code. */
export function presentScan(
  result: ScanResult,
  presentation: ScanPresentation,
  ctx: CommandContext,
): Promise<number> {
  return presentAlerts(presentation, ctx, async (emit) => {
    for (const alert of result.alerts) await emit(pendingAlert(alert));
    return toSummary(result.stats);
  });
}

/**
 * Writes the alerts `produce` hands over as they come (a scan with millions of alerts never becomes one list or one
 * string), then the summary: to stderr, and into the JSON output's tail. Works out the exit code.
 */
export async function presentAlerts(
  presentation: ScanPresentation,
  ctx: CommandContext,
  produce: (emit: (alert: PendingAlert) => void | Promise<void>) => Promise<ScanSummary>,
): Promise<number> {
  const toTerminal = presentation.out === null && ctx.stdout.isTTY;
  const color = presentation.format === 'table' && toTerminal && shouldUseColor(ctx.env, ctx.stdout.isTTY);
  const options = { color, ...(ctx.stdout.columns === undefined ? {} : { columns: ctx.stdout.columns }) };
  const output: AlertOutput =
    presentation.out === null
      ? stdoutOutput(ctx, presentation.format, options)
      : fileOutput(presentation.out, presentation.format, options);
  const failOn = presentation.failOn;
  let failed = false;
  const summary = await produce((alert) => {
    if (failOn !== null && severityRank(alert.severity) >= severityRank(failOn)) failed = true;
    return output.emit(alert);
  });
  await output.end(summary);
  if (!presentation.quiet) {
    ctx.stderr.write(renderSummary(summary, shouldUseColor(ctx.env, ctx.stderr.isTTY)) + '\n');
  }
  if (failed) return EXIT.failOn;
  return summary.unreadable > 0 ? EXIT.partial : EXIT.ok;
}

function stdoutOutput(
  ctx: CommandContext,
  format: AlertFormat,
  options: { color: boolean; columns?: number },
): AlertOutput {
  const sink = batched((text) => ctx.stdout.write(text));
  const writer = createAlertWriter(sink, format, options);
  return {
    emit: (alert) => writePending(writer, alert),
    end: (summary) => {
      writer.end(summary);
      sink.flush();
      return Promise.resolve();
    },
  };
}

/** Rules that could not be loaded, on stderr (unless --quiet). */
function reportBrokenRules(rules: ScannedArchive['rules'], quiet: boolean, ctx: CommandContext): void {
  if (quiet) return;
  for (const rule of rules) {
    if (rule.status !== 'error') continue;
    for (const issue of rule.issues) ctx.stderr.write(renderIssue(issue) + '\n');
  }
}

/** The scope options scan, kpi and hunt share (the same words in each help). */
export function declareScope<Args extends unknown[], Opts extends OptionValues>(
  command: CommanderCommand<Args, Opts>,
) {
  return command
    .option(
      '--since <time>',
      'only events at or after TIME: an ISO date or time (2024-03-01, 2024-03-01T12:00:00Z) or a relative one (30m, 12h, 7d, 2w ago)',
    )
    .option('--until <time>', 'only events before TIME (same forms)')
    .option(
      '--account <id>',
      'only events recorded in this 12-digit account; repeatable, or comma-separated',
      repeatable,
    )
    .option(
      '--region <region>',
      'only events of this AWS region; repeatable, or comma-separated',
      repeatable,
    );
}

const SCAN_DESCRIPTION = `Finds every MFA removal (and the other built-in detections) in CloudTrail logs.
PATH is a folder (searched recursively, e.g. an AWSLogs/ tree), a file (S3 delivery file
{"Records":[...]}, gzipped or not; JSON array; JSON Lines; EventBridge events; lookup-events
output; a single record), s3://bucket/prefix, or - for standard input.
Files whose AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ path is outside --since/--until/--account/--region
are not read at all; other files are filtered record by record.`;

/** `--input-format`'s help, from the decoder registry: `auto` and then each format with what it reads. */
function describeInputFormats(): string {
  const formats = INPUT_FORMATS.map((format) => `${format} (${INPUT_DECODERS[format].description})`);
  return `the shape of every input: auto (default: detected per file), ${formats.join('; ')}`;
}

export const SCAN_COMMAND: Command = defineCommand({
  name: 'scan',
  usage: 'PATH... [options]',
  description: SCAN_DESCRIPTION,
  examples: [
    'mfaguard scan ./AWSLogs',
    'mfaguard scan s3://my-trail/AWSLogs/ --profile audit --since 7d --fail-on high',
    'mfaguard scan trail.json.gz --format ndjson --out alerts.ndjson',
    'aws cloudtrail lookup-events --output json | mfaguard scan -',
  ],
  footer: `Exit codes: 0 done; 1 an alert at or above --fail-on; 2 usage error; 3 some inputs could not be read;
4 AWS or network failure.`,
  declare: (command) =>
    declareScope(
      command
        .argument('[PATH...]', 'folders, files, s3://bucket/prefix, or - for standard input')
        .option('--format <format>', describeAlertFormats())
        .option('--out <file>', 'write the alerts to FILE instead of standard output')
        .option(
          '--rules <path>',
          'also load rules from PATH (a file or folder of built-in YAML, Elastic TOML or Sigma YAML rules); repeatable',
          repeatable,
        )
        .option('--no-builtin', 'do not load the built-in rules')
        .option(
          '--config <file>',
          'configuration for triage: windows, working hours, privileged and break-glass users, administrators, owners, approvals (see the README)',
        )
        .option(
          '--no-triage',
          'report alerts as the rules made them, without classification and risk scoring',
        )
        .option('--input-format <format>', describeInputFormats())
        .option(
          '--strict',
          'parse and validate every record; by default only the records whose event name or source the loaded rules and triage can need are parsed (a byte prefilter), which is faster and gives the same alerts',
        )
        .option(
          '--kpi',
          'after the alerts, print the MFA removal figures (as `mfaguard kpi`; table format only)',
        )
        .option(
          '--fail-on <severity>',
          'exit 1 when an alert is at or above SEVERITY (info, low, medium, high, critical)',
        ),
    )
      .option('--profile <name>', 'AWS profile for s3:// inputs (standard credential chain otherwise)')
      .option(
        '--s3-region <region>',
        'AWS region of the S3 client for s3:// inputs (default: the configured one)',
      )
      .option(
        '--workers <n>',
        "worker threads (0 = main thread only; default: one per core but the main thread's, for large inputs)",
      )
      .option('--no-progress', 'no progress bar (it is shown only when standard error is a terminal)')
      .option('-q, --quiet', 'no summary or issue lines on standard error (exit codes still tell)'),
  async action(values, positionals, ctx) {
    if (positionals.length === 0)
      throw new UsageError('scan needs at least one PATH (a folder, file, s3://bucket/prefix or -)');
    const presentation: ScanPresentation = {
      format: parseChoice('format', values.format, ALERT_FORMATS, DEFAULT_ALERT_FORMAT),
      out: values.out ?? null,
      quiet: values.quiet === true,
      failOn: parseSeverityOption('fail-on', values.failOn),
    };
    const workers = parseCount('workers', values.workers);
    const inputFormat = parseChoice(
      'input-format',
      values.inputFormat,
      ['auto', ...INPUT_FORMATS] as const,
      'auto',
    );
    if (values.kpi === true && presentation.format !== 'table') {
      throw new UsageError(
        '--kpi goes with the table format; for machine output use `mfaguard kpi --format json`',
      );
    }
    const filter = parseScanFilter(
      { since: values.since, until: values.until, accounts: values.account, regions: values.region },
      ctx.now().getTime(),
    );
    if (presentation.out !== null) checkWritable(presentation.out);
    const config = values.config === undefined ? undefined : loadConfigFile(values.config);
    const rulePaths = values.rules ?? [];
    const printer = issuePrinter(ctx, presentation.quiet);
    const progress =
      values.progress !== false && !presentation.quiet && ctx.stderr.isTTY
        ? new ProgressBar(ctx.stderr, () => performance.now())
        : null;
    const scanned = await scanArchive({
      inputs: positionals,
      rulePaths,
      builtinRules: values.builtin !== false,
      strict: values.strict === true,
      ...(inputFormat === 'auto' ? {} : { inputFormat }),
      ...(values.triage === false
        ? { triage: false as const }
        : config === undefined
          ? {}
          : { triage: config.triage }),
      stdin: ctx.stdin,
      ...(workers === undefined ? {} : { workers }),
      ...(values.profile === undefined ? {} : { profile: values.profile }),
      ...(values.s3Region === undefined ? {} : { region: values.s3Region }),
      filter,
      onIssue: (issue) => {
        progress?.clear();
        printer.onIssue(issue);
      },
      ...(progress === null ? {} : { onProgress: (p) => progress.update(p) }),
    });
    try {
      progress?.finish();
      printer.flush();
      reportBrokenRules(scanned.rules, presentation.quiet, ctx);
      if (rulePaths.length > 0 && scanned.rules.every((rule) => rule.status !== 'ok')) {
        throw new UsageError('none of the rules given with --rules could be loaded');
      }
      // The KPI table needs the removals' alerts; the table format holds every row anyway.
      const forKpi: Alert[] = [];
      const code = await presentAlerts(presentation, ctx, async (emit) => {
        const stats = await scanned.emitAlerts((alert) => {
          if (values.kpi === true) forKpi.push(alert.alert());
          return emit(alert);
        });
        return toSummary(stats);
      });
      if (values.kpi === true) ctx.stdout.write('\n' + renderKpiTable(computeRemovalKpis(forKpi)) + '\n');
      return code;
    } finally {
      scanned.discard();
    }
  },
});
