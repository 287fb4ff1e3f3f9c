// `mfaguard approve`: records an approved MFA change in the service's store, so a matching removal is `approved`.

import { openServiceStore, parseDuration } from '../../app/index.ts';
import { UsageError } from '../../model/index.ts';
import { forTerminal } from '../../report/index.ts';
import { parseChoice, parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

const USAGE = `Usage: mfaguard approve --user USER --ticket TICKET --window DURATION [options]

Records that removing USER's MFA device is approved for a time window (a device swap, a
planned change): the service classifies a matching removal \`approved\` instead of raising it.
Writes to the store directly; the running service sees it at once.

Options:
  --user USER        IAM user whose MFA may be removed (required)
  --ticket TICKET    change ticket, e.g. CHG-123 (required)
  --window DURATION  how long from --from, e.g. 30m, 2h, 1d (required unless --to)
  --from TIME        start, ISO 8601 (default now)
  --to TIME          end, ISO 8601 (instead of --window)
  --actor NAME       only this identity may remove it (IAM user name, or an ARN)
  --account ID       the 12-digit AWS account
  --approver NAME    who approved it (default $USER)
  --store URL        sqlite:PATH or postgres://... (default: MFAGUARD_STORE, else the embedded file)
  --format FORMAT    text (default) or json`;

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

export const APPROVE_COMMAND: Command = {
  name: 'approve',
  summary: 'record an approved MFA change (user, ticket, window) so a matching removal is not raised',
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('approve', args, {
      user: { type: 'string' },
      ticket: { type: 'string' },
      window: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      actor: { type: 'string' },
      account: { type: 'string' },
      approver: { type: 'string' },
      store: { type: 'string' },
      format: { type: 'string' },
    });
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
};
