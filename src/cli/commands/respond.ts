// `mfaguard respond`: a case's response from the terminal: show (and record) its plan, approve a held action, undo.

import { buildResponder, DEFAULT_CONFIG, loadConfigFile, openServiceStore } from '../../app/index.ts';
import { UsageError } from '../../model/index.ts';
import { forTerminal } from '../../report/index.ts';
import { StoreError } from '../../store/index.ts';
import type { StoredResponseAction } from '../../store/index.ts';
import { parseChoice, parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

const USAGE = `Usage: mfaguard respond plan CASE [options]
       mfaguard respond undo CASE [--action ID] [options]
       mfaguard respond approve ACTION [options]

plan     records the plan the case's classification calls for (per the config's respond: rules) and
         shows every action of the case: planned (and why it waits), applied, undone, refused.
         In dry-run (the default) nothing is ever applied; otherwise due actions apply on the service's tick.
undo     reverses the case's applied actions (or only --action ID), newest first; a deleted console
         password cannot be undone and is named.
approve  a person approves a held action (approval, last administrator, no posture, rate limit): applied now.

IAM calls use the default AWS credential chain (or --profile). Writes to the store directly.

Options:
  --config FILE    configuration with the respond: section (default: dry-run policy)
  --store URL      sqlite:PATH or postgres://... (default: MFAGUARD_STORE, else the embedded file)
  --profile NAME   AWS profile for the IAM calls
  --action ID      undo only this action
  --format FORMAT  text (default) or json`;

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

export const RESPOND_COMMAND: Command = {
  name: 'respond',
  summary: "show and record a case's response plan, approve a held action, undo applied ones",
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('respond', args, {
      config: { type: 'string' },
      store: { type: 'string' },
      profile: { type: 'string' },
      action: { type: 'string' },
      format: { type: 'string' },
    });
    const [verb, id, ...rest] = positionals;
    const verbs = ['plan', 'undo', 'approve'] as const;
    const chosen = parseChoice('respond', verb, verbs, 'plan');
    if (verb === undefined || id === undefined || rest.length > 0)
      throw new UsageError(
        `respond: give a verb (plan, undo, approve) and one id; see mfaguard respond --help`,
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
      else if (values.action !== undefined) shown = [await responder.undo(values.action, who)];
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
      return notes.some((note) => note.startsWith('not undone')) ? EXIT.partial : EXIT.ok;
    } catch (error) {
      // A missing case or an action that cannot be undone is the user's request, not a bug.
      if (error instanceof StoreError && (error.code === 'not-found' || error.code === 'conflict'))
        throw new UsageError(`respond ${chosen}: ${error.message}`);
      throw error;
    } finally {
      await store.close();
    }
  },
};
