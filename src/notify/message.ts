// What every message says, gathered once from a notification as raw facts; each notifier escapes them for its own sink.

import { jsonForTerminal } from '../report/index.ts';
import type { Notification, NotificationKind } from './notification.ts';

const KIND_LABELS: Readonly<Record<NotificationKind, string>> = {
  'case-escalated': 'Case escalated',
  'case-opened': 'MFA removed: case opened',
  'case-resolved': 'Case resolved',
  'response-applied': 'Response action applied',
  'response-failed': 'Response action FAILED',
  'response-undone': 'Response action undone',
  test: 'Test notification',
  'verification-answered': 'Owner answered verification',
  'verification-request': 'Was this you? MFA was removed from your account',
};

export function kindLabel(kind: NotificationKind): string {
  return KIND_LABELS[kind];
}

export interface MessageLink {
  readonly role: 'case' | 'confirm' | 'deny';
  readonly label: string;
  readonly url: string;
}

/**
 * The facts a message shows, unescaped. Strings marked (untrusted) come from the CloudTrail event or from
 * people and must go through the sink's escaping; the rest is mfaguard's own vocabulary.
 */
export interface MessageFacts {
  readonly kind: NotificationKind;
  readonly heading: string;
  readonly severity: string;
  readonly classification: string;
  readonly caseId: string | null; // (untrusted: ids are ours, but treated as text anyway)
  readonly title: string; // (untrusted)
  readonly summary: string; // (untrusted)
  readonly target: string | null; // (untrusted)
  readonly actor: string | null; // (untrusted)
  readonly sourceIp: string | null; // (untrusted)
  readonly userAgent: string | null; // (untrusted)
  readonly account: string | null;
  readonly region: string | null;
  readonly eventName: string | null;
  readonly eventTime: string | null;
  readonly rule: string | null;
  /**
   * The case's state as read when sending, with the time it was read ("suspicious as of 2026-03-02T10:16:00.000Z"), or
   * null when the message was not refreshed (a test notification).
   */
  readonly caseState: string | null;
  /** When the title and summary were written (they describe the case then); null when not known. */
  readonly writtenAt: string | null;
  /** The strongest reasons first, at most three. (untrusted: messages quote event fields) */
  readonly reasons: readonly string[];
  /** Only links that parse as http(s) URLs without credentials; confirm/deny only when asked for. */
  readonly links: readonly MessageLink[];
}

const MAX_LINK_LENGTH = 2000;

/** The URL re-serialised when it is a plain http(s) link; null otherwise (javascript:, data:, credentials, junk). */
export function safeLink(value: string | undefined): string | null {
  if (value === undefined || value.length > MAX_LINK_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url.href;
}

export function messageFacts(
  n: Notification,
  options: { readonly verificationLinks: boolean },
): MessageFacts {
  const alert = n.alert;
  const reasons = [...(alert?.reasons ?? [])]
    .sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0))
    .slice(0, 3)
    .map((reason) => reason.message);
  const links: MessageLink[] = [];
  const caseLink = safeLink(n.links?.case);
  if (caseLink !== null) links.push({ role: 'case', label: 'Open the case', url: caseLink });
  if (options.verificationLinks) {
    const confirm = safeLink(n.links?.confirm);
    const deny = safeLink(n.links?.deny);
    if (confirm !== null) links.push({ role: 'confirm', label: 'Yes, this was me / planned', url: confirm });
    if (deny !== null) links.push({ role: 'deny', label: 'No, this was not me', url: deny });
  }
  return {
    kind: n.kind,
    heading: kindLabel(n.kind),
    severity: n.severity,
    classification: n.classification ?? alert?.classification ?? 'unclassified',
    caseId: n.caseId,
    title: n.title,
    summary: n.summary,
    target: alert?.target.userName ?? null,
    actor: alert === undefined ? null : (alert.actor.userName ?? alert.actor.arn),
    sourceIp: alert?.actor.sourceIp ?? null,
    userAgent: alert?.actor.userAgent ?? null,
    account: alert?.event.account ?? null,
    region: alert?.event.region ?? null,
    eventName: alert?.event.name ?? null,
    eventTime: alert?.event.time ?? null,
    rule: alert?.rule.id ?? null,
    caseState: n.caseNow === undefined ? null : `${n.caseNow.state} as of ${n.caseNow.asOf}`,
    writtenAt: n.writtenAt ?? null,
    reasons,
    links,
  };
}

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair, marking the cut with an ellipsis. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max - 1);
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…`;
}

/**
 * The longest prefix of `raw` whose escaped form (plus an ellipsis when cut) fits in `max`. Cutting after
 * escaping could split an escape (`&am`), so the raw text is cut and escaped again.
 */
export function fitEscaped(raw: string, escape: (s: string) => string, max: number): string {
  const whole = escape(raw);
  if (whole.length <= max) return whole;
  let low = 0;
  let high = Math.min(raw.length, max);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (escape(clip(raw, mid)).length <= max) low = mid;
    else high = mid - 1;
  }
  return escape(clip(raw, low));
}

/**
 * JSON whose text is safe wherever it lands, with the same value when parsed: `<`, `>` and `&` as \u escapes
 * (a body shown as HTML or pasted in a page cannot open a tag), and JSON.stringify's C0 escapes completed with
 * DEL, C1, bidi controls and U+2028/2029 (which also break JavaScript string literals).
 */
export function toSafeJson(value: unknown): string {
  const json = JSON.stringify(value);
  return jsonForTerminal(json).replace(
    /[<>&]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Length in UTF-8 bytes: services limit bytes, not characters. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Bumped when the JSON payload's shape (webhook body, SNS message) changes incompatibly, so receivers can tell. */
export const PAYLOAD_VERSION = 1;

export interface NotificationPayload {
  readonly version: number;
  readonly notification: Notification;
}

/** The notification whole for machine receivers, minus the owner's verification links unless configured. */
export function notificationPayload(n: Notification, verificationLinks: boolean): NotificationPayload {
  if (verificationLinks || n.links === undefined) return { version: PAYLOAD_VERSION, notification: n };
  const { confirm: _confirm, deny: _deny, ...links } = n.links;
  return { version: PAYLOAD_VERSION, notification: { ...n, links } };
}
