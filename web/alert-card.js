// @ts-check
// One alert as an analyst reads it: what happened, who did it, why it was classified so, and the timeline.

import { classificationBadge, h, severityBadge, table } from './dom.js';
import { alertTimeline, formatSeconds, SEVERITIES } from './format.js';
import { when } from './when.js';

/** @typedef {import('./api.js').StoredAlert} StoredAlert */
/** @typedef {import('./dom.js').Child} Child */

/**
 * @param {readonly [string, Child][]} pairs rows with an empty/null value are left out
 * @returns {HTMLDListElement}
 */
function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([term, value]) => [h('dt', null, term), h('dd', null, value)]),
  );
}

/**
 * @param {boolean | null} value
 * @returns {string}
 */
function yesNo(value) {
  if (value === null) return 'unknown';
  return value ? 'yes' : 'no';
}

/**
 * @param {StoredAlert} stored
 * @returns {HTMLElement}
 */
export function alertCard(stored) {
  const a = stored.alert;
  const severityClass = SEVERITIES.includes(a.severity) ? a.severity : 'unknown';
  const reasons = a.reasons ?? [];
  const timeline = alertTimeline(a);
  return h(
    'article',
    { class: `alert-card sev-edge-${severityClass}`, data: { alertId: a.id } },
    h(
      'header',
      null,
      severityBadge(a.severity),
      classificationBadge(a.classification),
      h('span', { class: 'risk', title: 'risk score' }, `risk ${a.riskScore}`),
      h('h3', { class: 'alert-title' }, a.title),
    ),
    h('div', { class: 'rule muted' }, `${a.rule.name} (${a.rule.id}, ${a.rule.format})`),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        null,
        h('h4', null, 'Event'),
        facts([
          ['Name', a.event.name],
          ['Time', when(a.event.time, Date.now())],
          ['Detected', when(stored.detectedAt, Date.now())],
          ['Outcome', a.event.errorCode ? `${a.event.outcome} (${a.event.errorCode})` : a.event.outcome],
          ['Account', a.event.account],
          ['Region', a.event.region],
          ['Event id', a.event.id],
          ['Target user', a.target.userName],
          ['Device', a.target.serialNumber],
          [
            'Vulnerable for',
            a.vulnerabilityWindowSeconds === undefined ? null : formatSeconds(a.vulnerabilityWindowSeconds),
          ],
        ]),
      ),
      h(
        'section',
        null,
        h('h4', null, 'Actor'),
        facts([
          ['ARN', a.actor.arn],
          ['User', a.actor.userName],
          ['Type', a.actor.type],
          ['Source IP', a.actor.sourceIp],
          ['User agent', a.actor.userAgent],
          ['MFA session', yesNo(a.actor.mfaAuthenticated)],
          ['Console', a.actor.consoleSession ? 'yes' : 'no'],
          [
            'Access key',
            a.actor.accessKeyId ? `${a.actor.accessKeyId} (${a.actor.accessKeyKind ?? '?'})` : null,
          ],
        ]),
      ),
    ),
    h('h4', null, 'Why'),
    reasons.length === 0
      ? h('p', { class: 'muted' }, 'No reasons recorded.')
      : h(
          'ul',
          { class: 'reasons' },
          reasons.map((r) =>
            h(
              'li',
              null,
              h('code', null, r.code),
              ' ',
              h('span', { class: 'reason-text' }, r.message),
              r.weight === undefined
                ? null
                : h('span', { class: 'weight' }, ` ${r.weight > 0 ? '+' : ''}${r.weight}`),
            ),
          ),
        ),
    a.aggregate ? h('p', { class: 'aggregate' }, a.aggregate.summary) : null,
    h('h4', null, 'Timeline'),
    table(
      ['Time', 'Event', 'Actor', 'Relation'],
      timeline.map((e) =>
        h(
          'tr',
          { class: e.self ? 'self' : '' },
          h('td', { class: 'time' }, when(e.time, Date.now())),
          h('td', null, e.name),
          h('td', null, e.actor ?? '—'),
          h('td', null, e.relation),
        ),
      ),
    ),
  );
}
