// What the response tells people: an action applied, undone or failed, queued in the transaction that records it.

import { caseLink } from '../../cases/index.ts';
import type { Notification, NotificationKind } from '../../notify/index.ts';
import { describeTarget, isActionKind, RESPONSE_ACTIONS } from '../../respond/index.ts';
import type { ResponseOutcome } from '../../respond/index.ts';
import type { Case, StoreTx } from '../../store/index.ts';
import type { LiveLogEntry } from './live-service.ts';
import { queueNotification } from './notifications.ts';
import type { NotificationContext } from './notifications.ts';

function kindOf(outcome: ResponseOutcome): NotificationKind {
  switch (outcome.outcome) {
    case 'applied':
      return 'response-applied';
    case 'undone':
      return 'response-undone';
    case 'failed':
      return 'response-failed';
  }
}

/**
 * Stable per outcome, so a resent message is dropped by its receiver: an action is applied, undone and fails (for
 * good) at most once each. A failed undo leaves the action applied and may be tried again, so each try has its own.
 */
export function responseDedupeKey(outcome: ResponseOutcome): string {
  return outcome.operation === 'undo' && outcome.outcome === 'failed'
    ? `response-undo-failed:${outcome.action.id}:${outcome.atMs}`
    : `${kindOf(outcome)}:${outcome.action.id}`;
}

function wording(outcome: ResponseOutcome): { what: string; undoable: boolean; caution: string | null } {
  const kind = outcome.action.kind;
  if (!isActionKind(kind)) return { what: `Action ${kind}`, undoable: false, caution: null };
  const action = RESPONSE_ACTIONS[kind];
  return { what: action.title, undoable: action.undoable, caution: action.caution };
}

/** Title and summary in plain words; the target name and the error are attacker- or AWS-supplied text, escaped by each notifier. */
export function responseMessage(outcome: ResponseOutcome): { title: string; summary: string } {
  const a = outcome.action;
  const target = describeTarget({ kind: a.targetKind, account: a.account, name: a.targetName });
  const { what, undoable, caution } = wording(outcome);
  const onCase = `case ${a.caseId}`;
  const why = `Why: ${a.reason}.`;
  switch (outcome.outcome) {
    case 'applied': {
      const undo = undoable
        ? `Undo from the case page, POST /api/actions/${a.id}/undo, or \`mfaguard respond undo ${a.caseId}\`.`
        : `It cannot be undone${caution === null ? '' : `: ${caution}`}.`;
      return {
        title: `Response applied on ${onCase}: ${what} (${target})`,
        summary: `${what} was applied to ${target} on ${onCase} by ${outcome.actor}. ${why} Result: ${outcome.note}. ${undo}`,
      };
    }
    case 'undone':
      return {
        title: `Response undone on ${onCase}: ${what} (${target})`,
        summary: `${what} on ${target} (${onCase}) was undone by ${outcome.actor}. Result: ${outcome.note}.`,
      };
    case 'failed':
      return outcome.operation === 'undo'
        ? {
            title: `Response undo FAILED on ${onCase}: ${what} (${target})`,
            summary: `Undoing ${what.toLowerCase()} on ${target} (${onCase}), asked by ${outcome.actor}, failed: ${outcome.error ?? 'unknown error'}. The action is still in place; try again or reverse it by hand.`,
          }
        : {
            title: `Response FAILED on ${onCase}: ${what} (${target})`,
            summary: `${what} on ${target} (${onCase}) failed after ${a.attempts} attempt(s): ${outcome.error ?? 'unknown error'}. ${target} is NOT contained: contain it by hand. ${why}`,
          };
  }
}

export function responseNotification(
  kase: Pick<Case, 'id' | 'severity' | 'classification'>,
  outcome: ResponseOutcome,
  context: Pick<NotificationContext, 'publicUrl'>,
): Notification {
  return {
    kind: kindOf(outcome),
    caseId: kase.id,
    severity: kase.severity,
    classification: kase.classification,
    dedupeKey: responseDedupeKey(outcome),
    links: { case: caseLink(context.publicUrl, kase.id) },
    ...responseMessage(outcome),
  };
}

/**
 * The responder's `announce`: one outbox row per routed notifier, in the caller's transaction. A case that is gone
 * (deleted by hand) or a notification no route takes is logged, never an error that would undo the action's record.
 */
export function responseAnnouncer(
  context: NotificationContext,
  log: (entry: LiveLogEntry) => void,
): (tx: StoreTx, outcome: ResponseOutcome) => Promise<void> {
  return async (tx, outcome) => {
    const kase = await tx.getCase(outcome.action.caseId);
    if (kase === null) {
      log({
        level: 'warn',
        msg: 'response notification skipped: case not found',
        caseId: outcome.action.caseId,
      });
      return;
    }
    const n = responseNotification(kase, outcome, context);
    const { notifiers } = await queueNotification(tx, n, context, outcome.atMs);
    if (notifiers.length === 0)
      log({ level: 'warn', msg: 'no notification route matches', kind: n.kind, caseId: kase.id });
  };
}
