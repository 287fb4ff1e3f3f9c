// @ts-check
// A case for auditors: everything the case page knows, loaded once, as a JSON file to keep or as a printable report
// (absolute UTC times, no controls; the print style sheet in style.css lays it out for paper).

import { getAlert, getCase, listActions, listCaseNotifications } from './api.js';
import { h, replace, table } from './dom.js';
import { caseKindLabel, formatSeconds } from './format.js';
import { caseTimeline, timelineList } from './case-timeline.js';
import { absoluteTime, humanChange } from './when.js';

/** @typedef {import('./view-context.js').ViewContext} ViewContext */
/** @typedef {import('./api.js').CaseDetail} CaseDetail */
/** @typedef {import('./api.js').StoredAlert} StoredAlert */
/** @typedef {import('./api.js').ResponseAction} ResponseAction */
/** @typedef {import('./api.js').CaseNotification} CaseNotification */

/**
 * @typedef {object} CaseBundle
 * @property {CaseDetail} case
 * @property {(StoredAlert | Error)[]} alerts
 * @property {ResponseAction[] | Error} actions
 * @property {CaseNotification[] | Error} notifications
 */

/** As on the case page: past this many alerts the rest are counted, not loaded. */
const MAX_ALERTS = 50;

/**
 * A part that fails is shown in place; a 401 still signs the analyst out.
 * @template T
 * @param {Promise<T>} promise
 * @returns {Promise<T | Error>}
 */
export async function orError(promise) {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof Error && 'status' in error && error.status === 401) throw error;
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * @param {string} id
 * @returns {Promise<CaseBundle>}
 */
export async function loadCaseBundle(id) {
  const c = await getCase(id);
  const [alerts, actions, notifications] = await Promise.all([
    Promise.all(c.alertIds.slice(0, MAX_ALERTS).map((alertId) => orError(getAlert(alertId)))),
    orError(listActions(c.id)),
    orError(listCaseNotifications(c.id)),
  ]);
  return { case: c, alerts, actions, notifications };
}

/**
 * The JSON an auditor keeps: the API's own shapes, and which parts could not be loaded.
 * @param {CaseBundle} bundle
 * @param {number} nowMs
 * @returns {string}
 */
export function caseExportJson(bundle, nowMs) {
  /** @param {unknown} part */
  const plain = (part) => (part instanceof Error ? { error: part.message } : part);
  return JSON.stringify(
    {
      exportedAt: new Date(nowMs).toISOString(),
      case: bundle.case,
      alerts: bundle.alerts.map(plain),
      responseActions: plain(bundle.actions),
      notifications: plain(bundle.notifications),
      timeline: caseTimeline(bundle.case, bundle.alerts, bundle.actions, bundle.notifications).map(
        (entry) => ({
          ...entry,
          at: new Date(entry.at).toISOString(),
        }),
      ),
    },
    null,
    2,
  );
}

/**
 * Offers the JSON as a file download (a Blob URL: no server round trip, no token in a link).
 * @param {CaseBundle} bundle
 * @param {number} nowMs
 */
export function downloadCaseJson(bundle, nowMs) {
  const blob = new Blob([caseExportJson(bundle, nowMs)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `mfaguard-case-${bundle.case.id.replace(/[^\w.-]/g, '_')}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The audit log as a table; `showTime` decides how its times read (relative on screen, absolute on paper).
 * @param {CaseDetail} c
 * @param {(at: string) => string | HTMLElement} showTime
 * @returns {HTMLTableElement}
 */
export function auditTable(c, showTime) {
  return table(
    ['When', 'Who', 'What', 'Change'],
    c.audit.map((entry) =>
      h(
        'tr',
        null,
        h('td', { class: 'time' }, showTime(entry.at)),
        h('td', null, entry.actor),
        h('td', null, entry.action),
        h(
          'td',
          { class: 'change' },
          humanChange(entry.before, entry.after).map((line) => h('div', null, line)),
        ),
      ),
    ),
    'No entries.',
  );
}

/**
 * @param {string} label
 * @param {string | number | null} value
 */
const fact = (label, value) => [h('dt', null, label), h('dd', null, value === null ? '—' : value)];

/**
 * @param {HTMLElement} view
 * @param {ViewContext} ctx
 * @param {string} id
 * @returns {Promise<void>}
 */
export async function renderCaseReport(view, ctx, id) {
  replace(view, h('p', { class: 'loading' }, 'Preparing the report…'));
  const bundle = await loadCaseBundle(id);
  if (!ctx.isCurrent()) return;
  const c = bundle.case;
  const printButton = h(
    'button',
    { type: 'button', id: 'print-report', onClick: () => window.print() },
    'Print',
  );
  replace(
    view,
    h(
      'article',
      { class: 'report', id: 'case-report' },
      h(
        'p',
        { class: 'no-print report-actions' },
        h('a', { href: `#/cases/${encodeURIComponent(c.id)}`, class: 'back' }, '← Back to the case'),
        ' ',
        printButton,
      ),
      h('h2', null, `Case ${c.id}: MFA removed for ${c.userName}${c.account ? ` in ${c.account}` : ''}`),
      h('p', { class: 'muted' }, `Report generated ${absoluteTime(ctx.now())} by mfaguard. All times UTC.`),
      h(
        'dl',
        { class: 'facts wide' },
        fact('State', c.state),
        fact('Classification', c.classification ?? 'unclassified'),
        fact('Severity', c.severity),
        fact('Risk score', c.riskScore),
        fact('Assignee', c.assignee ?? 'unassigned'),
        fact('First event', absoluteTime(c.firstEventAt)),
        fact('Detected', absoluteTime(c.detectedAt)),
        fact('Kind', caseKindLabel(c.kind)),
        fact('Opened', absoluteTime(c.openedAt)),
        fact(
          'Resolved',
          c.resolvedAt === null
            ? null
            : `${absoluteTime(c.resolvedAt)}${c.resolution ? ` (${c.resolution})` : ''}`,
        ),
        fact('Vulnerable for', formatSeconds(c.vulnerabilityWindowSeconds)),
      ),
      h('h3', null, 'Timeline'),
      timelineList(caseTimeline(c, bundle.alerts, bundle.actions, bundle.notifications), ctx.now(), true),
      h('h3', null, `Alerts (${c.alertIds.length})`),
      table(
        ['Event time', 'Event', 'Actor', 'Source IP', 'Why'],
        bundle.alerts.map((stored) =>
          stored instanceof Error
            ? h('tr', null, h('td', null, '—'), h('td', null, stored.message))
            : h(
                'tr',
                null,
                h('td', { class: 'time' }, absoluteTime(stored.alert.event.time)),
                h('td', null, `${stored.alert.event.name}: ${stored.alert.title}`),
                h('td', null, stored.alert.actor.arn ?? stored.alert.actor.userName ?? '—'),
                h('td', { class: 'ip' }, stored.alert.actor.sourceIp ?? '—'),
                h(
                  'td',
                  null,
                  (stored.alert.reasons ?? []).map((reason) => h('div', null, reason.message)),
                ),
              ),
        ),
        'No alerts.',
      ),
      h('h3', null, 'Audit log'),
      auditTable(c, absoluteTime),
    ),
  );
}
