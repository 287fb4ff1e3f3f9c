// The service's periodic work: quiet sightings written, unanswered verifications escalated, due response actions run,
// and removals still without a new device past their grace window re-triaged (hence unresolved and raised).

import { ANSWERED_CLASSIFICATIONS, isRemovalAlert, SYSTEM_ACTOR } from '../../cases/index.ts';
import type { CloudTrailEvent } from '../../model/index.ts';
import { caseAlerts, leadAlert } from './case-alerts.ts';
import { syncCase } from './case-steps.ts';
import { escalate } from './escalation.ts';
import type { LiveContext } from './live-context.ts';
import { retriage } from './triage-writes.ts';
import type { TriageWriteContext } from './triage-writes.ts';

/** What the periodic work needs of the service. */
export type TickContext = TriageWriteContext & Pick<LiveContext, 'metrics' | 'log' | 'sightings' | 'serve'>;

/** One round of the periodic work; each step's failures are counted and logged, and the next step still runs. */
export async function runTick(ctx: TickContext): Promise<void> {
  const now = ctx.clock();
  await writeQuietSightings(ctx);
  await escalateExpired(ctx, now);
  await tickResponder(ctx);
  await retriageDue(ctx, now);
}

async function writeQuietSightings(ctx: TickContext): Promise<void> {
  const { sightings, inTransaction, metrics, log } = ctx;
  // 0. Sightings of a quiet firehose (no write since they came) are written here, so none waits long.
  if (sightings.size > 0) {
    const pending = sightings.take();
    try {
      await inTransaction((tx) => tx.recordSightings(pending));
    } catch (error) {
      sightings.add(pending);
      metrics.inc('errors');
      log({ level: 'error', msg: 'writing baseline sightings failed', error: String(error) });
    }
  }
}

async function escalateExpired(ctx: TickContext, now: number): Promise<void> {
  const { store, inTransaction, metrics, log } = ctx;
  // 1. Unanswered verifications past their deadline escalate, once (markVerificationEscalated is the guard).
  for (const verification of await store.listExpiredVerifications(now)) {
    try {
      await inTransaction(async (tx, effects) => {
        if (!(await tx.markVerificationEscalated(verification.id, now))) return;
        const detail = await tx.getCase(verification.caseId);
        if (detail === null || detail.state === 'resolved') return;
        const lead = leadAlert(await caseAlerts(tx, detail));
        await escalate(
          ctx,
          tx,
          effects,
          detail,
          {
            key: `expired:${verification.id}`,
            reason: `no answer from the owner ${verification.owner} by the deadline`,
          },
          SYSTEM_ACTOR,
          now,
          lead,
        );
      });
    } catch (error) {
      metrics.inc('errors');
      log({
        level: 'error',
        msg: 'escalating an expired verification failed',
        id: verification.id,
        error: String(error),
      });
    }
  }
}

async function tickResponder(ctx: TickContext): Promise<void> {
  const { metrics, log } = ctx;
  // 1b. Response actions that came due (a delay passed, an approval, a worker killed mid-apply).
  try {
    await ctx.responder?.tick();
  } catch (error) {
    metrics.inc('errors');
    log({ level: 'error', msg: 'response tick failed', error: String(error) });
  }
}

async function retriageDue(ctx: TickContext, now: number): Promise<void> {
  const { store, triageConfig, serve, metrics, log } = ctx;
  // 2. Removals still without a new device past grace + delivery allowance: re-triaged, hence unresolved and raised.
  const due = now - triageConfig.graceWindowMs - serve.deliveryLagMs;
  for (const state of ['open', 'verifying', 'escalated'] as const) {
    let cursor: string | undefined;
    do {
      const page = await store.listCases({
        state,
        limit: 200,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const kase of page.items) {
        if (kase.firstEventAt > due) continue;
        try {
          await tickCase(ctx, kase.id, now, due);
          await ctx.responder?.caseChanged([kase.id]);
        } catch (error) {
          metrics.inc('errors');
          log({ level: 'error', msg: 're-triage failed', caseId: kase.id, error: String(error) });
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }
}

async function tickCase(ctx: TickContext, caseId: string, now: number, due: number): Promise<void> {
  const { store, resolveOwners, inTransaction } = ctx;
  const target = await store.getCase(caseId);
  if (target === null) return;
  const owners = await resolveOwners([
    { key: target.targetKey, account: target.account, userName: target.userName },
  ]);
  await inTransaction(async (tx, effects) => {
    const detail = await tx.getCase(caseId);
    if (detail === null || detail.state === 'resolved') return;
    const alerts = await caseAlerts(tx, detail);
    const pending = alerts.filter(
      (alert) =>
        isRemovalAlert(alert) &&
        alert.vulnerabilityWindowSeconds === undefined &&
        !(alert.classification !== undefined && ANSWERED_CLASSIFICATIONS.has(alert.classification)) &&
        !(alert.reasons ?? []).some((reason) => reason.code === 'unresolved') &&
        Date.parse(alert.event.time) <= due,
    );
    if (pending.length === 0) return;
    const removals = new Map<string, CloudTrailEvent>();
    for (const alert of pending) {
      const time = Date.parse(alert.event.time);
      const found = await tx.findEvents({
        fromMs: time,
        toMs: time + 1,
        names: ['DeactivateMFADevice'],
        limit: 1_000,
      });
      for (const event of found) if (event.id === alert.event.id) removals.set(event.id, event);
    }
    const touched = (await retriage(ctx, tx, effects, [...removals.values()], now)).touched;
    touched.add(caseId);
    for (const id of touched) await syncCase(ctx, tx, effects, id, owners, now);
  });
}
