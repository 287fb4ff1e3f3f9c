// @ts-check
// Posture: each account's latest stored state, how old it is, and which facts came from CloudTrail events since the audit.

import { getPosture } from './api.js';
import { h, replace, severityBadge, table } from './dom.js';
import { formatSeconds, formatTime } from './format.js';

/** @typedef {import('./view-context.js').ViewContext} ViewContext */
/** @typedef {import('./api.js').AccountPosture} AccountPosture */

/**
 * @param {number | null} value
 * @returns {string}
 */
function percent(value) {
  return value === null ? '—' : `${value}%`;
}

/**
 * @param {string} label
 * @param {string} value
 * @param {string} [note]
 * @returns {HTMLElement}
 */
function tile(label, value, note) {
  return h(
    'div',
    { class: 'kpi' },
    h('div', { class: 'kpi-title' }, label),
    h('div', { class: 'kpi-value' }, value),
    h('div', { class: 'kpi-sub' }, note ?? ''),
  );
}

/**
 * @param {readonly import('./dom.js').Child[]} cells
 * @returns {HTMLTableRowElement}
 */
function row(cells) {
  return h(
    'tr',
    null,
    cells.map((cell) => h('td', null, cell)),
  );
}

/**
 * @param {AccountPosture} account
 * @returns {HTMLElement}
 */
function accountSection(account) {
  const fromEvents = account.fromEvents.facts.length > 0;
  const error = account.lastAuditError;
  return h(
    'section',
    { class: 'panel posture-account', data: { account: account.accountId, source: account.source } },
    h('h2', null, `Account ${account.accountId}`),
    h(
      'p',
      { class: 'posture-age' },
      `Audited ${formatTime(account.auditedAt)} (${formatSeconds(account.auditAgeSeconds)} ago)`,
      fromEvents
        ? `; updated from CloudTrail events since ${formatTime(account.fromEvents.since)} (last ${formatSeconds(account.ageSeconds)} ago)`
        : '; no change seen in CloudTrail since',
    ),
    error === null
      ? null
      : h(
          'p',
          { class: 'error posture-audit-error' },
          `The last scheduled audit failed: ${error.reason ?? 'unknown reason'}`,
        ),
    h(
      'div',
      { class: 'kpi-cards' },
      tile(
        'Console users with MFA',
        `${account.consoleUsersWithMfa} / ${account.consoleUsers}`,
        percent(account.consoleMfaPercent),
      ),
      tile('MFA enforced by policy', String(account.mfaEnforcedByPolicy)),
      tile('CIS score', percent(account.cisScore)),
    ),
    fromEvents
      ? h(
          'div',
          null,
          h('h3', null, 'Facts from events (newer than the audit)'),
          table(
            ['User', 'Fact', 'Change', 'Event', 'When'],
            account.fromEvents.facts.map((f) =>
              row([f.userName, f.fact, f.change, f.eventName, formatTime(f.at)]),
            ),
          ),
        )
      : null,
    h(
      'h3',
      null,
      `Failing findings (${account.findings.failing.length}${account.findings.truncated ? '+' : ''})`,
    ),
    table(
      ['Severity', 'Check', 'Resource', 'Finding'],
      account.findings.failing.map((f) =>
        row([severityBadge(f.severity), f.checkId, f.resource.name, f.message]),
      ),
      'No failing finding.',
    ),
  );
}

/**
 * @param {HTMLElement} view
 * @param {ViewContext} ctx
 * @returns {Promise<void>}
 */
export async function renderPosture(view, ctx) {
  replace(view, h('p', { class: 'muted' }, 'Loading posture…'));
  const posture = await getPosture();
  if (!ctx.isCurrent()) return;
  replace(
    view,
    h('h1', null, 'Posture'),
    posture.accounts.length === 0
      ? h(
          'p',
          { class: 'muted', id: 'posture-empty' },
          'No posture stored yet: configure `posture` for serve, or wait for the first audit.',
        )
      : posture.accounts.map(accountSection),
  );
}
