// The notifier contract: what the service asks to send, what a notifier answers, and the one interface every notifier implements.

import type { Alert, Classification, Severity } from '../model/index.ts';
import { isSeverity } from '../model/index.ts';
import type { NotifierKind } from './registry.ts';

export const NOTIFICATION_KINDS = [
  'case-opened',
  'case-escalated',
  'case-resolved',
  'verification-request',
  'verification-answered',
  'response-applied',
  'response-undone',
  'response-failed',
  'test',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Keyed so that adding a classification to the model fails to compile here until it is listed. */
const CLASSIFICATION_SET: Readonly<Record<Classification, true>> = {
  'admin-reset': true,
  approved: true,
  rotation: true,
  suspicious: true,
  unauthorized: true,
  unresolved: true,
  verified: true,
};
export const NOTIFY_CLASSIFICATIONS = Object.keys(CLASSIFICATION_SET) as readonly Classification[];

export function isNotificationKind(value: unknown): value is NotificationKind {
  return typeof value === 'string' && (NOTIFICATION_KINDS as readonly string[]).includes(value);
}

export function isClassification(value: unknown): value is Classification {
  return typeof value === 'string' && Object.hasOwn(CLASSIFICATION_SET, value);
}

/**
 * What the service asks to send. It is written to the outbox as JSON in the same transaction as the case
 * change, so it holds values, not references: a worker that sends it hours later (or after a restart) needs
 * nothing else. Everything a person typed or an attacker controls (title, summary, the alert's user names,
 * user agent, error messages) arrives unescaped; each notifier escapes for its own sink.
 */
export interface Notification {
  readonly kind: NotificationKind;
  /** Null only for `test` notifications, which belong to no case. */
  readonly caseId: string | null;
  readonly severity: Severity;
  readonly classification: Classification | null;
  /** One line; may contain attacker-controlled text. */
  readonly title: string;
  /** A few sentences; may contain attacker-controlled text. */
  readonly summary: string;
  /** The alert that opened or changed the case. */
  readonly alert?: Alert;
  /**
   * Links minted and signed by the service. `confirm`/`deny` are the owner's single-use verification links:
   * only the email notifier (addressed to `recipient`) shows them by default, because anyone who can click
   * them answers for the owner; other notifiers show them only when configured with `verificationLinks: true`.
   */
  readonly links?: { readonly case?: string; readonly confirm?: string; readonly deny?: string };
  /** The owner's address for `verification-request`; the email notifier sends there instead of its `to` list. */
  readonly recipient?: string;
  /**
   * Stable per logical message (e.g. `case-opened:<case id>`): sending is at-least-once, so receivers get it
   * (webhook `X-Mfaguard-Delivery`, email Message-ID, SNS FIFO deduplication id) to drop repeats.
   */
  readonly dedupeKey: string;
  /**
   * The case as read when the message was sent (`caseAtSend`), not when it was written: a case classified or
   * resolved while the message waited in the outbox is shown as it is now. Absent for test notifications.
   */
  readonly caseNow?: CaseAtSend;
  /** When the message (its title and summary) was written, ISO 8601: the outbox row's creation. */
  readonly writtenAt?: string;
}

export interface CaseAtSend {
  readonly state: string;
  readonly classification: Classification | null;
  readonly severity: Severity;
  /** ISO 8601: when the case was read, just before sending. */
  readonly asOf: string;
}

/**
 * The notification as it goes out: severity and classification from the case read now (`current`; null when the
 * case is gone or the notification has none), and the times the case was read and the message written, so every
 * message says what is true when it is sent, or says when it was written.
 */
export function caseAtSend(
  n: Notification,
  current: {
    readonly state: string;
    readonly classification: Classification | null;
    readonly severity: Severity;
  } | null,
  writtenAtMs: number,
  nowMs: number,
): Notification {
  const writtenAt = new Date(writtenAtMs).toISOString();
  if (current === null) return { ...n, writtenAt };
  return {
    ...n,
    severity: current.severity,
    classification: current.classification,
    caseNow: {
      state: current.state,
      classification: current.classification,
      severity: current.severity,
      asOf: new Date(nowMs).toISOString(),
    },
    writtenAt,
  };
}

/**
 * A failure says whether the outbox should try again. `retryable: false` goes straight to the dead letters
 * (a 400 will be a 400 next time); `retryAfterMs` is the receiver's own Retry-After, which the backoff honours.
 * `error` is one line for people and logs: no stack, no secrets (webhook paths and keys are redacted).
 */
export type SendResult =
  | { readonly ok: true; readonly detail?: string }
  | {
      readonly ok: false;
      readonly retryable: boolean;
      readonly error: string;
      readonly retryAfterMs?: number;
    };

export type SendFailure = Extract<SendResult, { ok: false }>;

/**
 * One delivery channel. `send` never throws for the outside world's failures: it answers with a SendResult,
 * so the outbox worker has one path for every channel. It throws only for bugs.
 */
export interface Notifier {
  /** The id from the configuration, which routes name. */
  readonly id: string;
  readonly kind: NotifierKind;
  send(n: Notification, signal?: AbortSignal): Promise<SendResult>;
}

/**
 * A notification read back from the outbox (JSON written by an older or newer mfaguard, or edited by hand):
 * checked once here so the worker hands notifiers a typed value, or null with the reason (a dead letter).
 * The alert is mfaguard's own record and is taken as stored.
 */
export function parseStoredNotification(raw: unknown): { notification: Notification } | { error: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { error: 'expected a JSON object' };
  const r = raw as Record<string, unknown>;
  if (!isNotificationKind(r['kind'])) return { error: `unknown kind ${JSON.stringify(r['kind'])}` };
  if (!isSeverity(r['severity'])) return { error: `unknown severity ${JSON.stringify(r['severity'])}` };
  if (r['classification'] !== null && !isClassification(r['classification'])) {
    return { error: `unknown classification ${JSON.stringify(r['classification'])}` };
  }
  for (const key of ['title', 'summary', 'dedupeKey'] as const) {
    if (typeof r[key] !== 'string') return { error: `${key} must be a string` };
  }
  if (r['caseId'] !== null && typeof r['caseId'] !== 'string')
    return { error: 'caseId must be a string or null' };
  if (r['recipient'] !== undefined && typeof r['recipient'] !== 'string')
    return { error: 'recipient must be a string' };
  const links = r['links'];
  if (links !== undefined) {
    if (typeof links !== 'object' || links === null) return { error: 'links must be an object' };
    for (const [key, value] of Object.entries(links)) {
      if (!['case', 'confirm', 'deny'].includes(key) || typeof value !== 'string')
        return { error: `links.${key} is not a link` };
    }
  }
  if (r['alert'] !== undefined && (typeof r['alert'] !== 'object' || r['alert'] === null))
    return { error: 'alert must be an object' };
  return { notification: raw as Notification };
}
