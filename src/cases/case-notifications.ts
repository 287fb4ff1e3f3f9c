// What a case's changes tell people (opened, owner asked, escalated, resolved, owner answered): pure intents; the
// app layer routes them and writes them to the outbox in the transaction of the change.

import type { Alert, Classification } from '../model/index.ts';
import type { Notification, NotificationKind } from '../notify/index.ts';
import type { Case } from '../store/index.ts';
import { caseLink } from './verification-token.ts';

/** Where links in messages point. */
export interface NoticeContext {
  readonly publicUrl: string;
}

function who(kase: Case): string {
  return kase.account === null ? kase.userName : `${kase.userName} (account ${kase.account})`;
}

function base(
  kind: NotificationKind,
  kase: Case,
  dedupeKey: string,
  context: NoticeContext,
  alert: Alert | undefined,
): Pick<Notification, 'kind' | 'caseId' | 'severity' | 'classification' | 'dedupeKey' | 'alert' | 'links'> {
  return {
    kind,
    caseId: kase.id,
    severity: kase.severity,
    classification: kase.classification,
    dedupeKey,
    ...(alert === undefined ? {} : { alert }),
    links: { case: caseLink(context.publicUrl, kase.id) },
  };
}

function topReasons(alert: Alert | undefined): string {
  const reasons = (alert?.reasons ?? []).filter((reason) => (reason.weight ?? 0) > 0).slice(0, 3);
  return reasons.length === 0 ? '' : ` Why: ${reasons.map((reason) => reason.message).join('; ')}.`;
}

export function caseOpenedNotification(kase: Case, alert: Alert, context: NoticeContext): Notification {
  return {
    ...base('case-opened', kase, `case-opened:${kase.id}`, context, alert),
    title: `Case ${kase.id} opened for ${who(kase)}: ${alert.title}`,
    summary: `${alert.rule.name} at ${alert.event.time}, classified ${kase.classification ?? 'unclassified'} (${kase.severity}).${topReasons(alert)}`,
  };
}

export function verificationRequestNotification(
  kase: Case,
  alert: Alert,
  verification: { readonly id: string; readonly owner: string; readonly expiresAt: number },
  links: { readonly confirm: string; readonly deny: string },
  context: NoticeContext,
): Notification {
  const common = base(
    'verification-request',
    kase,
    `verification-request:${verification.id}`,
    context,
    alert,
  );
  return {
    ...common,
    links: { ...common.links, confirm: links.confirm, deny: links.deny },
    recipient: verification.owner,
    title: `Was this you? MFA was removed from ${who(kase)}`,
    summary:
      `The MFA device of ${who(kase)} was deactivated at ${alert.event.time} by ${alert.actor.arn ?? alert.actor.userName ?? 'an unknown caller'}` +
      ` from ${alert.actor.sourceIp ?? 'an unknown address'}. If you did this or planned it, follow "yes, this was me";` +
      ` if not, follow "no, this was not me" and the security team is alerted at once. The links work once and expire at` +
      ` ${new Date(verification.expiresAt).toISOString()}.`,
  };
}

export function caseEscalatedNotification(
  kase: Case,
  cause: { readonly key: string; readonly reason: string },
  alert: Alert | undefined,
  context: NoticeContext,
): Notification {
  return {
    ...base('case-escalated', kase, `case-escalated:${kase.id}:${cause.key}`, context, alert),
    title: `Case ${kase.id} escalated for ${who(kase)}: ${cause.reason}`,
    summary: `Case ${kase.id} (${kase.severity}, ${kase.classification ?? 'unclassified'}) needs a responder: ${cause.reason}.${topReasons(alert)}`,
  };
}

export function caseResolvedNotification(
  kase: Case,
  resolution: string,
  alert: Alert | undefined,
  context: NoticeContext,
): Notification {
  const window =
    kase.vulnerabilityWindowSeconds === null ? '' : ` MFA was off for ${kase.vulnerabilityWindowSeconds} s.`;
  return {
    ...base('case-resolved', kase, `case-resolved:${kase.id}`, context, alert),
    title: `Case ${kase.id} resolved for ${who(kase)}: ${resolution}`,
    summary: `Case ${kase.id} closed as ${resolution}.${window}`,
  };
}

export function verificationAnsweredNotification(
  kase: Case,
  verification: { readonly id: string; readonly owner: string },
  classification: Classification,
  context: NoticeContext,
): Notification {
  return {
    ...base('verification-answered', kase, `verification-answered:${verification.id}`, context, undefined),
    classification,
    title: `${verification.owner} answered for ${who(kase)}: ${classification === 'verified' ? 'yes, this was me' : 'no, this was not me'}`,
    summary: `Case ${kase.id} is now ${classification}; state ${kase.state}.`,
  };
}
