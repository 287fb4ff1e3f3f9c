// `mfaguard respond`: a case's response from the terminal: show (and record) its plan, approve a held action, retry
// a failed one, undo.

import { buildResponder, DEFAULT_CONFIG, loadConfigFile, openServiceStore } from '../../app/index.ts';
import { UsageError } from '../../model/index.ts';
import { forTerminal } from '../../report/index.ts';
import { StoreError } from '../../store/index.ts';
import type { StoredResponseAction } from '../../store/index.ts';
import { parseChoice } from '../args.ts';
import { defineCommand } from '../command.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

function line(action: StoredResponseAction): string {
  const why = action.holdReason === null ? '' : ` — ${forTerminal(action.holdReason)}`;
  const target = `${action.targetKind} ${forTerminal(action.targetName)}`;
  const extra = [
    action.approvedBy === null ? null : `approved by ${forTerminal(action.approvedBy)}`,
    action.undoneBy === null ? null : `undone by ${forTerminal(action.undoneBy)}`,
    action.error === null ? null : `error: ${forTerminal(action.error)}`,
  ].filter((part) => part !== null);
  const steps = ((action.plan as { steps?: { description: string }[] }).steps ?? []).map(
    (step) => `      - ${forTerminal(step.description)}`,
  );
  return [
    `  #${action.id} ${action.kind} ${target}: ${action.state}${action.hold === null ? '' : ` (${action.hold})`}${why}${extra.length === 0 ? '' : `; ${extra.join('; ')}`}`,
    ...steps,
  ].join('\n');
}

/** The case's failed actions, or one of them (which must belong to the case), retried as an admin at the terminal. */
async function retryFromCli(
  responder: Awaited<ReturnType<typeof buildResponder>>,
  caseId: string,
  actionId: string | undefined,
  who: string,
  notes: string[],
): Promise<StoredResponseAction[]> {
  if (actionId !== undefined) {
    const action = await responder.retry(actionId, who, 'admin', caseId);
    return [action];
  }
  const result = await responder.retryCase(caseId, who, 'admin');
  notes.push(...result.refused.map((reason) => `not retried: ${reason}`));
  if (result.retried.length === 0 && result.refused.length === 0)
    notes.push(`case ${caseId}: no failed action to retry`);
  return result.retried;
}

export const RESPOND_COMMAND: Command = defineCommand({
  name: 'respond',
  usage: 'plan|undo|approve|retry ID [ACTION] [options]',
  description: `plan     records the plan the case's classification calls for (per the config's respond: rules) and
         shows every action of the case: planned (and why it waits), applied, undone, refused.
         In dry-run (the default) nothing is ever applied; otherwise due actions apply on the service's tick.
undo     reverses the case's applied actions (or only --action ID), newest first; a deleted console
         password cannot be undone and is named.
approve  a person approves a held action (approval, last administrator, no posture, rate limit): applied now.
retry    retries the case's failed actions (or only ACTION), now: recorded calls are resent (IAM is read
         first, so nothing is applied twice); a transient error plans it again with backoff.

IAM calls use the default AWS credential chain (or --profile). Writes to the store directly.`,
  examples: [
    'mfaguard respond plan 42 --config mfaguard.yml',
    'mfaguard respond approve 7 --config mfaguard.yml --profile security',
    'mfaguard respond undo 42 --format json',
    'mfaguard respond retry 42 7 --config mfaguard.yml',
  ],
  declare: (command) =>
    command
      .argument('[verb]', 'plan, undo, approve or retry')
      .argument('[ID]', 'the case (plan, undo, retry) or the action (approve)')
      .argument('[rest...]')
      .option('--config <file>', 'configuration with the respond: section (default: dry-run policy)')
      .option(
        '--store <url>',
        'sqlite:PATH or postgres://... (default: MFAGUARD_STORE, else the embedded file)',
      )
      .option('--profile <name>', 'AWS profile for the IAM calls')
      .option('--action <id>', 'undo (or retry) only this action')
      .option('--format <format>', 'text (default) or json'),
  async action(values, positionals, ctx) {
    const [verb, id, ...rest] = positionals;
    const verbs = ['plan', 'undo', 'approve', 'retry'] as const;
    const chosen = parseChoice('respond', verb, verbs, 'plan');
    // Only retry takes a second id (the action), as `retry CASE [ACTION]`.
    const actionId = chosen === 'retry' ? (rest[0] ?? values.action) : values.action;
    if (verb === undefined || id === undefined || rest.length > (chosen === 'retry' ? 1 : 0))
      throw new UsageError(
        `respond: give a verb (plan, undo, approve, retry) and one id (retry: a case, then optionally an action); see mfaguard respond --help`,
      );
    const format = parseChoice('format', values.format, ['text', 'json'] as const, 'text');
    const config = values.config === undefined ? undefined : loadConfigFile(values.config, { env: ctx.env });
    const who = `cli:${ctx.env['USER'] ?? ctx.env['USERNAME'] ?? 'unknown'}`;
    const store = await openServiceStore(values.store, ctx.env);
    try {
      const responder = await buildResponder({
        store,
        config: config ?? DEFAULT_CONFIG,
        clock: () => ctx.now().getTime(),
        workerId: `${who}:${process.pid}`,
        log: () => undefined,
        ...(values.profile === undefined ? {} : { profile: values.profile }),
      });
      let shown: StoredResponseAction[];
      const notes: string[] = [];
      if (chosen === 'plan') shown = await responder.plan(id);
      else if (chosen === 'approve') shown = [await responder.approve(id, who, 'admin')];
      else if (chosen === 'retry') shown = await retryFromCli(responder, id, actionId, who, notes);
      else if (actionId !== undefined) shown = [await responder.undo(actionId, who)];
      else {
        const result = await responder.undoCase(id, who);
        shown = result.undone;
        notes.push(...result.refused.map((reason) => `not undone: ${reason}`));
        if (result.undone.length === 0 && result.refused.length === 0)
          notes.push(`case ${id}: nothing applied to undo`);
      }
      if (format === 'json') ctx.stdout.write(`${JSON.stringify({ actions: shown, notes }, null, 2)}\n`);
      else {
        const heading =
          chosen === 'plan' ? `case ${forTerminal(id)}: ${shown.length} action(s)` : `${chosen}:`;
        ctx.stdout.write(
          [heading, ...shown.map(line), ...notes.map((note) => `  ${forTerminal(note)}`)].join('\n') + '\n',
        );
      }
      return notes.some((note) => note.startsWith('not ')) ? EXIT.partial : EXIT.ok;
    } catch (error) {
      // A missing case or an action that cannot be undone is the user's request, not a bug.
      if (error instanceof StoreError && (error.code === 'not-found' || error.code === 'conflict'))
        throw new UsageError(`respond ${chosen}: ${error.message}`);
      throw error;
    } finally {
      await store.close();
    }
  },
});
