// `mfaguard generate`: writes a deterministic, realistic CloudTrail archive (S3 layout) with a ground-truth file.

import { resolve } from 'node:path';
import { UsageError } from '../../model/index.ts';
import { generateArchive } from '../../generate/index.ts';
import { formatBytes, formatCount, formatDuration, forTerminal, ProgressBar } from '../../report/index.ts';
import { defineCommand } from '../command.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

/** `200000`, `200_000`, `200k`, `3m`. */
function parseEventCount(value: string): number {
  const m = /^(\d[\d_]*)(k|m)?$/i.exec(value.trim());
  if (m === null)
    throw new UsageError(
      `--events must be a whole number such as 200000, 200k or 3m; got '${value.slice(0, 40)}'`,
    );
  const base = Number((m[1] ?? '').replace(/_/g, ''));
  const unit = (m[2] ?? '').toLowerCase();
  return base * (unit === 'k' ? 1_000 : unit === 'm' ? 1_000_000 : 1);
}

function parseInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,10}$/.test(value))
    throw new UsageError(`--${name} must be a whole number; got '${value.slice(0, 40)}'`);
  return Number(value);
}

function parseShare(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^(0|0?\.\d+)$/.test(value))
    throw new UsageError(
      `--mfa-share must be a number from 0 to 0.5 such as 0.001; got '${value.slice(0, 40)}'`,
    );
  return Number(value);
}

export const GENERATE_COMMAND: Command = defineCommand({
  name: 'generate',
  usage: '--out DIR [options]',
  description: `Writes a realistic CloudTrail archive in the S3 delivery layout
(DIR/AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail_<region>_<time>_<id>.json.gz):
everyday noise from S3, EC2, STS, KMS, Lambda, CloudWatch, SSM and IAM, a share of MFA-relevant events,
and planted stories (phone swap, stolen-key takeover, root removing its MFA, a burst of removals, a
refused attempt, console sign-ins without MFA and as root, a file delivered twice, hostile user agents).
Digest files are written too (a scanner must skip them). DIR/ground-truth.json lists every story's
eventIDs and the alerts a correct scanner reports. The same options always give the same bytes.`,
  examples: [
    'mfaguard generate --out ./archive',
    'mfaguard generate --out ./big --events 3m --seed 7 --days 14 --regions us-east-1,eu-west-1,ap-south-1',
  ],
  declare: (command) =>
    command
      .option('--out <dir>', 'where to write (created if missing)')
      .option('--events <n>', 'total records (default 100000; accepts 200k, 3m)')
      .option('--seed <s>', 'random seed, 0..4294967295 (default 1)')
      .option('--days <d>', 'days covered (default 3)')
      .option('--start <date>', 'first day, ISO date in UTC (default 2024-03-04)')
      .option('--accounts <n>', 'number of accounts (default 2)')
      .option('--regions <list>', 'comma-separated regions (default us-east-1,eu-west-1)')
      .option('--mfa-share <x>', 'share of MFA-relevant background events, 0..0.5 (default 0.001)')
      .option('--delivery-minutes <m>', 'minutes between delivery files per account and region (default 5)')
      .option('--no-scenarios', 'noise and MFA share only, no planted stories')
      .option('--no-gzip', 'write plain .json files')
      .option('--gzip-level <l>', 'zlib level 1..9 (default 6)'),
  async action(values, positionals, ctx) {
    if (positionals.length > 0) {
      throw new UsageError(
        `generate: unexpected argument '${positionals[0]?.slice(0, 40) ?? ''}' (the output folder goes after --out)`,
      );
    }
    if (values.out === undefined || values.out === '')
      throw new UsageError('generate: --out DIR is required');
    const outDir = resolve(ctx.cwd, values.out);
    const mfaShare = parseShare(values.mfaShare);
    const started = ctx.now().getTime();
    const progress = new ProgressBar(ctx.stderr, { now: () => ctx.now().getTime() });
    const truth = await generateArchive({
      outDir,
      events: values.events === undefined ? 100_000 : parseEventCount(values.events),
      seed: parseInteger('seed', values.seed, 1),
      days: parseInteger('days', values.days, 3),
      start: values.start ?? '2024-03-04',
      accounts: parseInteger('accounts', values.accounts, 2),
      ...(values.regions === undefined ? {} : { regions: values.regions.split(',').map((r) => r.trim()) }),
      ...(mfaShare === undefined ? {} : { mfaShare }),
      deliveryMinutes: parseInteger('delivery-minutes', values.deliveryMinutes, 5),
      scenarios: values.scenarios ?? true,
      gzip: values.gzip ?? true,
      gzipLevel: parseInteger('gzip-level', values.gzipLevel, 6),
      onProgress: ({ files, records }) => progress.update({ filesDone: files, events: records, bytes: 0 }),
    });
    progress.finish();
    const elapsed = ctx.now().getTime() - started;
    const rate = elapsed > 0 ? ` (${formatCount((truth.records.unique / elapsed) * 1000)} events/s)` : '';
    const intents = Object.entries(truth.expectedAlerts.byIntent)
      .filter(([, n]) => n > 0)
      .map(([intent, n]) => `${intent} ${n}`)
      .join(', ');
    const dir = forTerminal(outDir);
    ctx.stdout.write(
      [
        `Wrote ${formatCount(truth.records.unique)} events (${formatCount(truth.records.written)} records with ${formatCount(truth.records.duplicates)} duplicates) in ${formatCount(truth.files.logs)} log files, ${truth.files.digests} digest files, to ${dir}`,
        `  ${formatBytes(truth.bytes.uncompressed)} of JSON, ${formatBytes(truth.bytes.written)} on disk, in ${formatDuration(elapsed)}${rate}`,
        `  accounts: ${truth.accounts.map((a) => `${a.id} (${a.alias})`).join(', ')}; regions: ${truth.options.regions.join(', ')}`,
        `  ${truth.scenarios.length} planted stories; expected alerts: ${truth.expectedAlerts.total} (${intents || 'none'})`,
        `  ground truth: ${forTerminal(resolve(outDir, 'ground-truth.json'))}`,
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  },
});
