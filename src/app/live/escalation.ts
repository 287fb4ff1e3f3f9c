// Asking the owner and escalating, inside the caller's transaction; each writes the notification it calls for.

import {
  awaitsGraceWindow,
  askOwner,
  escalateWithNotice,
  newVerificationNonce,
  signVerificationToken,
  SYSTEM_ACTOR,
  verificationLink,
  verificationTokenHash,
} from '../../cases/index.ts';
import type { Alert } from '../../model/index.ts';
import type { Notification } from '../../notify/index.ts';
import type { Case, StoreTx } from '../../store/index.ts';
import { count } from './live-context.ts';
import type { BatchEffects, LiveContext } from './live-context.ts';
import { queueNotification } from './notifications.ts';

/** What asking and escalating need of the service. */
export type EscalationContext = Pick<
  LiveContext,
  'notifyContext' | 'serve' | 'secret' | 'publicUrl' | 'randomBytes'
>;

/**
 * Writes the notifications a case change yields (cases/ decides what to tell whom) to the outbox, one row per routed
 * notifier, in the change's transaction; an unrouted one is counted and logged.
 */
export async function enqueue(
  ctx: EscalationContext,
  tx: StoreTx,
  effects: BatchEffects,
  notifications: readonly Notification[],
  now: number,
): Promise<void> {
  for (const n of notifications) await enqueueOne(ctx, tx, effects, n, now);
}

async function enqueueOne(
  ctx: EscalationContext,
  tx: StoreTx,
  effects: BatchEffects,
  n: Notification,
  now: number,
): Promise<void> {
  const result = await queueNotification(tx, n, ctx.notifyContext, now);
  count(effects, 'notificationsQueued', result.queued);
  if (result.notifiers.length === 0) {
    count(effects, 'notificationsUnrouted');
    effects.logs.push({
      level: 'warn',
      msg: 'no route sends this notification',
      kind: n.kind,
      caseId: n.caseId,
    });
  }
}

export async function escalate(
  ctx: EscalationContext,
  tx: StoreTx,
  effects: BatchEffects,
  kase: Case,
  cause: { key: string; reason: string },
  actor: string,
  now: number,
  alert: Alert | undefined,
): Promise<Case> {
  const escalated = await escalateWithNotice(
    tx,
    kase,
    { actor, nowMs: now },
    cause,
    alert,
    ctx.notifyContext,
  );
  if (escalated.moved) count(effects, 'casesEscalated');
  await enqueue(ctx, tx, effects, escalated.notifications, now);
  return escalated.case;
}

export async function requestVerification(
  ctx: EscalationContext,
  tx: StoreTx,
  effects: BatchEffects,
  kase: Case,
  alert: Alert,
  owner: string | null,
  now: number,
  alerts: readonly Alert[],
): Promise<void> {
  if (owner === null) {
    // Nobody to ask: a takeover escalates at once; anything else waits for its grace window, since a trustworthy
    // re-enrolment (a phone swap) may still arrive and explain it.
    if (awaitsGraceWindow(alerts)) {
      effects.logs.push({
        level: 'info',
        msg: 'no owner on record: waiting for the grace window before escalating',
        caseId: kase.id,
        user: kase.userName,
      });
      return;
    }
    await escalate(
      ctx,
      tx,
      effects,
      kase,
      { key: 'no-owner', reason: 'no owner on record' },
      SYSTEM_ACTOR,
      now,
      alert,
    );
    effects.logs.push({ level: 'warn', msg: 'no owner on record', caseId: kase.id, user: kase.userName });
    return;
  }
  const nonce = newVerificationNonce(ctx.randomBytes);
  const expiresAt = now + ctx.serve.verificationTtlMs;
  const verification = await tx.createVerification({
    caseId: kase.id,
    owner,
    tokenHash: verificationTokenHash(nonce),
    expiresAtMs: expiresAt,
    nowMs: now,
  });
  const confirm = signVerificationToken(ctx.secret, { v: nonce, answer: 'confirmed', exp: expiresAt });
  const deny = signVerificationToken(ctx.secret, { v: nonce, answer: 'denied', exp: expiresAt });
  const links = {
    confirm: verificationLink(ctx.publicUrl, confirm),
    deny: verificationLink(ctx.publicUrl, deny),
  };
  const asked = await askOwner(tx, kase, { verification, links, alert, nowMs: now }, ctx.notifyContext);
  await enqueue(ctx, tx, effects, asked.notifications, now);
  count(effects, 'verificationsRequested');
}
