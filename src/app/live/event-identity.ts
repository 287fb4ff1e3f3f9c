// The eventID is a CloudTrail record's identity: a second record with a stored eventID but another event name or time
// is not a replay but a forgery or a damaged copy. It is dead-lettered with the reason and raises no alert.

import { stringifyIteratively } from '../../ingest/index.ts';
import type { CloudTrailEvent, InputIssue } from '../../model/index.ts';
import type { AddDeadLetterInput, StoreTx } from '../../store/index.ts';

export interface IdentityConflict {
  readonly event: CloudTrailEvent;
  readonly issue: InputIssue;
  readonly deadLetter: AddDeadLetterInput;
}

/**
 * Of the records the store did not insert (their eventID was there already), those whose stored copy has another
 * name or time. Only records a rule fired on need checking (the others raise nothing), so a replayed batch costs
 * one indexed lookup per alerting record.
 */
export async function identityConflicts(
  tx: StoreTx,
  duplicates: readonly CloudTrailEvent[],
  origin: { readonly source: string; readonly location: string },
  nowMs: number,
): Promise<IdentityConflict[]> {
  const conflicts: IdentityConflict[] = [];
  for (const event of duplicates) {
    const sameNameAndTime = await tx.findEvents({
      fromMs: event.timeMs,
      toMs: event.timeMs + 1,
      names: [event.name],
      limit: 10_000,
    });
    if (sameNameAndTime.some((stored) => stored.id === event.id)) continue;
    const message = `eventID ${event.id} is already stored for another event (this one says ${event.name} at ${event.time}); an eventID names one CloudTrail record, so this copy is ignored and raises no alert`;
    conflicts.push({
      event,
      issue: { level: 'error', code: 'event-id-conflict', location: origin.location, message },
      deadLetter: {
        source: origin.source,
        location: `${origin.location} (eventID ${event.id})`,
        reason: `event-id-conflict: ${message}`,
        raw: stringifyIteratively(event),
        nowMs,
      },
    });
  }
  return conflicts;
}
