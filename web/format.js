// @ts-check
// Pure display helpers for the dashboard (no DOM, no clock): Node tests import this module as it is.

/** @typedef {import('../src/model/index.ts').Severity} Severity */
/** @typedef {import('../src/model/index.ts').Classification} Classification */
/** @typedef {import('../src/model/index.ts').Alert} Alert */
/** @typedef {import('../src/store/store.ts').CaseState} CaseState */
/** @typedef {import('../src/store/store.ts').KpiSnapshot} KpiSnapshot */
/** @typedef {import('../src/store/store.ts').DurationStats} DurationStats */

/** Highest first: the order an analyst reads them in. */
/** @type {readonly Severity[]} */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

/** @type {readonly Classification[]} */
export const CLASSIFICATIONS = [
  'unauthorized',
  'suspicious',
  'unresolved',
  'admin-reset',
  'verified',
  'approved',
  'rotation',
];

/** @type {readonly CaseState[]} */
export const CASE_STATES = ['open', 'verifying', 'escalated', 'resolved'];

/**
 * A copy of the store's CASE_TRANSITIONS (web/ cannot import server code at run time); the API still
 * enforces the real table, so a stale copy only shows a button that the server then refuses.
 * @type {Readonly<Record<CaseState, readonly CaseState[]>>}
 */
export const CASE_TRANSITIONS = {
  open: ['verifying', 'resolved', 'escalated'],
  verifying: ['open', 'resolved', 'escalated'],
  escalated: ['resolved'],
  resolved: [],
};

/** @type {Readonly<Record<CaseState, string>>} */
export const TRANSITION_LABELS = {
  open: 'Back to triage',
  verifying: 'Ask the owner',
  escalated: 'Escalate',
  resolved: 'Resolve',
};

/** Classifications that mean "this removal was fine". */
const LEGITIMATE = new Set(['rotation', 'approved', 'verified']);

/**
 * Invisible and direction-changing characters (C0/C1 controls, zero-width marks, bidi embeddings,
 * overrides and isolates, BOM) are how attacker-chosen names hide what they are; shown as ⟦U+XXXX⟧.
 */
// eslint-disable-next-line no-control-regex
const HIDDEN_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB]/g;

/**
 * @param {unknown} value
 * @returns {string}
 */
export function visible(value) {
  const text = typeof value === 'string' ? value : String(value);
  return text.replace(
    HIDDEN_CHARS,
    (ch) => `⟦U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟧`,
  );
}

/**
 * @param {number | null | undefined} ms
 * @returns {string}
 */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) return `−${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes} m ${totalSeconds % 60} s`;
  const totalHours = Math.floor(totalMinutes / 60);
  if (totalHours < 48) return `${totalHours} h ${totalMinutes % 60} m`;
  return `${Math.floor(totalHours / 24)} d ${totalHours % 24} h`;
}

/**
 * @param {number | null | undefined} seconds
 * @returns {string}
 */
export function formatSeconds(seconds) {
  return seconds === null || seconds === undefined ? '—' : formatDuration(seconds * 1000);
}

/**
 * UTC, like CloudTrail, so times match what the analyst sees in the logs.
 * @param {number | string | null | undefined} value epoch ms or an ISO string
 * @returns {string}
 */
export function formatTime(value) {
  if (value === null || value === undefined || value === '') return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return visible(String(value));
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/**
 * @param {number} nowMs
 * @returns {string} `YYYY-MM` in UTC
 */
export function monthOf(nowMs) {
  return new Date(nowMs).toISOString().slice(0, 7);
}

/**
 * The KPI window: the last 30 days, stretched back to the start of the month so that this month's
 * removal counts are complete.
 * @param {number} nowMs
 * @returns {{ fromMs: number, toMs: number }}
 */
export function kpiWindow(nowMs) {
  const now = new Date(nowMs);
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  return { fromMs: Math.min(monthStart, nowMs - 30 * 24 * 3600 * 1000), toMs: nowMs };
}

/**
 * @typedef {object} RemovalSummary
 * @property {string} month
 * @property {number} total
 * @property {number} legitimate rotation + approved + verified
 * @property {number} unauthorized
 * @property {number} other suspicious, unresolved and not yet classified
 */

/**
 * @param {KpiSnapshot} kpi
 * @param {number} nowMs
 * @returns {RemovalSummary}
 */
export function summariseRemovals(kpi, nowMs) {
  const month = monthOf(nowMs);
  return sumRemovals(
    kpi.removalsByMonth.filter((m) => m.month === month),
    month,
  );
}

/**
 * Every removal the snapshot holds (its window), whatever the month: the tiles when they follow the Overview's range.
 * @param {KpiSnapshot} kpi
 * @returns {RemovalSummary}
 */
export function summariseAllRemovals(kpi) {
  return sumRemovals(kpi.removalsByMonth, 'in range');
}

/**
 * @param {KpiSnapshot['removalsByMonth']} entries
 * @param {string} month
 * @returns {RemovalSummary}
 */
function sumRemovals(entries, month) {
  /** @type {RemovalSummary} */
  const summary = { month, total: 0, legitimate: 0, unauthorized: 0, other: 0 };
  for (const entry of entries) {
    for (const [classification, count] of Object.entries(entry.byClassification)) {
      if (typeof count !== 'number') continue;
      if (LEGITIMATE.has(classification)) summary.legitimate += count;
      else if (classification === 'unauthorized') summary.unauthorized += count;
      else summary.other += count;
    }
  }
  summary.total = summary.legitimate + summary.unauthorized + summary.other;
  return summary;
}

/**
 * @param {Readonly<Record<string, number>>} bySeverity
 * @returns {number}
 */
export function totalOpen(bySeverity) {
  let total = 0;
  for (const severity of SEVERITIES) total += bySeverity[severity] ?? 0;
  return total;
}

/**
 * @typedef {object} TimelineEntry
 * @property {string} time ISO
 * @property {string} name
 * @property {string | null} actor
 * @property {string} relation
 * @property {string} eventId
 * @property {boolean} self the alert's own event
 */

/**
 * The alert's event and its related events, oldest first (ties keep the alert's event first).
 * @param {Alert} alert
 * @returns {TimelineEntry[]}
 */
export function alertTimeline(alert) {
  /** @type {TimelineEntry[]} */
  const entries = [
    {
      time: alert.event.time,
      name: alert.event.name,
      actor: alert.actor.arn ?? alert.actor.userName,
      relation: 'this alert',
      eventId: alert.event.id,
      self: true,
    },
  ];
  for (const related of alert.related ?? []) {
    if (related.eventId === alert.event.id) continue;
    entries.push({
      time: related.time,
      name: related.name,
      actor: related.actor,
      relation: related.relation ?? 'related',
      eventId: related.eventId,
      self: false,
    });
  }
  const timeOf = (/** @type {TimelineEntry} */ e) => {
    const t = Date.parse(e.time);
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => timeOf(a.entry) - timeOf(b.entry) || a.index - b.index)
    .map(({ entry }) => entry);
}

/**
 * @param {unknown} value
 * @param {number} [max]
 * @returns {string}
 */
export function shortJson(value, max = 160) {
  let text;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  if (text === undefined) text = String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * One line per field an audit entry changed: `field: before → after`.
 * @param {Readonly<Record<string, unknown>> | null} before
 * @param {Readonly<Record<string, unknown>> | null} after
 * @returns {string[]}
 */
export function describeChange(before, after) {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  return keys.map((key) => {
    const hasBefore = before !== null && Object.hasOwn(before, key);
    const hasAfter = after !== null && Object.hasOwn(after, key);
    if (hasBefore && hasAfter) return `${key}: ${shortJson(before[key])} → ${shortJson(after[key])}`;
    if (hasAfter && after !== null) return `${key}: ${shortJson(after[key])}`;
    return before !== null ? `${key}: ${shortJson(before[key])} → (removed)` : key;
  });
}

/**
 * `datetime-local` input value (the analyst's local time) → epoch ms, or null when empty/invalid.
 * @param {string} value
 * @returns {number | null}
 */
export function parseLocalDateTime(value) {
  if (value.trim() === '') return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

/**
 * A token is sent in an HTTP header: printable ASCII only, so a pasted line break or a smart quote is
 * caught here with a clear message instead of failing inside fetch.
 * @param {string} token
 * @returns {string | null} the problem, or null when fine
 */
export function tokenProblem(token) {
  if (token.length === 0) return 'Enter an API token.';
  if (!/^[\x21-\x7E]+$/.test(token)) return 'A token contains only printable ASCII characters, no spaces.';
  if (token.length > 4096) return 'That token is too long (over 4096 characters).';
  return null;
}

/**
 * What the case is about, in words: an MFA removal (no kind), or a console user provisioned without MFA. Another
 * kind is shown as stored (text node: inert).
 * @param {string | null | undefined} kind
 * @returns {string}
 */
export function caseKindLabel(kind) {
  if (kind === null || kind === undefined) return 'MFA removal';
  if (kind === 'provisioned-without-mfa') return 'Console user provisioned without MFA';
  return kind;
}
