// `mfaguard approve`: records an approved MFA change in the service's store, so a matching removal is `approved`.

import { openServiceStore, parseDuration } from '../../app/index.ts';
import { UsageError } from '../../model/index.ts';
import { forTerminal } from '../../report/index.ts';
import { parseChoice } from '../args.ts';
import { defineCommand } from '../command.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

const MAX_WINDOW_MS = 30 * 86_400_000;

function parseTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new UsageError(
      `--${name} must be a date-time such as 2026-11-20T09:00:00Z; got '${value.slice(0, 40)}'`,
    );
  return ms;
}

export const APPROVE_COMMAND: Command = defineCommand({
  name: 'approve',
  usage: '--user USER --ticket TICKET --window DURATION [options]',
  description: `Records that removing USER's MFA device is approved for a time window (a device swap, a
planned change): the service classifies a matching removal \`approved\` instead of raising it.
Writes to the store directly; the running service sees it at once.`,
  examples: [
    'mfaguard approve --user alice --ticket CHG-123 --window 2h',
    'mfaguard approve --user bob --ticket CHG-9 --from 2026-11-20T09:00:00Z --to 2026-11-20T12:00:00Z --actor helpdesk',
  ],
  declare: (command) =>
    command
      .option('--user <user>', 'IAM user whose MFA may be removed (required)')
      .option('--ticket <ticket>', 'change ticket, e.g. CHG-123 (required)')
      .option('--window <duration>', 'how long from --from, e.g. 30m, 2h, 1d (required unless --to)')
      .option('--from <time>', 'start, ISO 8601 (default now)')
      .option('--to <time>', 'end, ISO 8601 (instead of --window)')
      .option('--actor <name>', 'only this identity may remove it (IAM user name, or an ARN)')
      .option('--account <id>', 'the 12-digit AWS account')
      .option('--approver <name>', 'who approved it (default $USER)')
      .option(
        '--store <url>',
        'sqlite:PATH or postgres://... (default: MFAGUARD_STORE, else the embedded file)',
      )
      .option('--format <format>', 'text (default) or json'),
  async action(values, positionals, ctx) {
    if (positionals.length > 0)
      throw new UsageError(`approve takes no positional arguments; got '${positionals[0]!.slice(0, 40)}'`);
    const format = parseChoice('format', values.format, ['text', 'json'] as const, 'text');
    const problems: string[] = [];
    const user = values.user?.trim();
    const ticket = values.ticket?.trim();
    if (user === undefined || user === '') problems.push('--user is required (the IAM user name)');
    else if (user.length > 128) problems.push('--user is longer than an IAM user name can be (128)');
    if (ticket === undefined || ticket === '') problems.push('--ticket is required (e.g. CHG-123)');
    if (values.account !== undefined && !/^\d{12}$/.test(values.account))
      problems.push('--account must be a 12-digit AWS account id');
    const now = ctx.now().getTime();
    const fromMs = parseTime('from', values.from) ?? now;
    const toGiven = parseTime('to', values.to);
    let windowMs: number | undefined;
    if (values.window !== undefined) {
      const ms = parseDuration(values.window);
      if (ms === null || ms <= 0)
        problems.push(
          `--window must be a duration such as 30m, 2h or 1d; got '${values.window.slice(0, 40)}'`,
        );
      else windowMs = ms;
    }
    if (toGiven === undefined && values.window === undefined)
      problems.push('give --window (e.g. 2h) or --to');
    const toMs = toGiven ?? (windowMs === undefined ? undefined : fromMs + windowMs);
    if (toMs !== undefined && toMs <= fromMs) problems.push('the window ends before it starts');
    if (toMs !== undefined && toMs - fromMs > MAX_WINDOW_MS)
      problems.push('the window is longer than 30 days');
    if (problems.length > 0) {
      throw new UsageError(
        `approve: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
        problems.map((message) => ({ level: 'error', code: 'approve-args', location: 'approve', message })),
      );
    }
    const who = ctx.env['USER'] ?? ctx.env['USERNAME'] ?? 'cli';
    const store = await openServiceStore(values.store, ctx.env);
    try {
      const approval = await store.createApproval({
        user: user!,
        ticket: ticket!,
        actor: values.actor ?? null,
        account: values.account ?? null,
        fromMs,
        toMs: toMs!,
        approver: values.approver ?? who,
        createdBy: `cli:${who}`,
        nowMs: now,
      });
      if (format === 'json') {
        ctx.stdout.write(
          JSON.stringify(
            {
              ...approval,
              from: new Date(approval.fromMs).toISOString(),
              to: new Date(approval.toMs).toISOString(),
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        ctx.stdout.write(
          `approval ${approval.id}: ${forTerminal(approval.user)} may remove MFA from ${new Date(approval.fromMs).toISOString()} ` +
            `to ${new Date(approval.toMs).toISOString()} (ticket ${forTerminal(approval.ticket)}, approved by ${forTerminal(approval.approver)})\n`,
        );
      }
    } finally {
      await store.close();
    }
    return EXIT.ok;
  },
});
