// @ts-check
// The row of figures at the top: MTTD, MTTR, open cases by severity, this month's removals, vulnerability window.

import { getKpis } from './api.js';
import { h, replace } from './dom.js';
import {
  formatDuration,
  formatSeconds,
  formatTime,
  kpiWindow,
  SEVERITIES,
  summariseAllRemovals,
  summariseRemovals,
  totalOpen,
} from './format.js';

/** @typedef {import('./api.js').KpiSnapshot} KpiSnapshot */
/** @typedef {import('../src/store/store.ts').DurationStats} DurationStats */

/**
 * @param {string} id
 * @param {string} title
 * @param {import('./dom.js').Child} value
 * @param {import('./dom.js').Child} sub
 * @returns {HTMLElement}
 */
function card(id, title, value, sub) {
  return h(
    'div',
    { class: 'kpi', id },
    h('div', { class: 'kpi-title' }, title),
    h('div', { class: 'kpi-value' }, value),
    h('div', { class: 'kpi-sub' }, sub),
  );
}

/**
 * @param {DurationStats} stats
 * @returns {string}
 */
function durationSub(stats) {
  return `p50 ${formatDuration(stats.p50Ms)} · p90 ${formatDuration(stats.p90Ms)} · n=${stats.count}`;
}

/**
 * @param {KpiSnapshot} kpi
 * @param {number} nowMs
 * @param {boolean} [wholeWindow] count the removals of the whole window (the Overview's range), not this month's
 * @returns {HTMLElement[]}
 */
export function kpiCards(kpi, nowMs, wholeWindow = false) {
  const removals = wholeWindow ? summariseAllRemovals(kpi) : summariseRemovals(kpi, nowMs);
  const open = kpi.openCasesBySeverity;
  return [
    card('kpi-mttd', 'MTTD (avg)', formatDuration(kpi.mttd.avgMs), durationSub(kpi.mttd)),
    // Cases that closed themselves (a rotation, an approved change) took no remediation: counted apart from MTTR.
    card(
      'kpi-mttr',
      'MTTR (avg)',
      formatDuration(kpi.mttr.avgMs),
      `${durationSub(kpi.mttr)} · auto-closed ${kpi.autoResolved ?? 0}`,
    ),
    card(
      'kpi-open',
      'Open cases',
      String(totalOpen(open)),
      h(
        'span',
        { class: 'sev-counts' },
        SEVERITIES.map((severity) =>
          h(
            'span',
            { class: `count sev-${severity}`, title: severity, data: { severity } },
            `${severity} ${open[severity] ?? 0}`,
          ),
        ),
      ),
    ),
    card(
      'kpi-removals',
      `MFA removals ${removals.month}`,
      h(
        'span',
        null,
        h('span', { class: 'legit' }, `${removals.legitimate} legitimate`),
        ' / ',
        h('span', { class: 'unauth' }, `${removals.unauthorized} unauthorized`),
      ),
      `${removals.other} other (suspicious, unresolved, unclassified) · total ${removals.total}`,
    ),
    card(
      'kpi-window',
      'Vulnerability window',
      `median ${formatSeconds(kpi.vulnerabilityWindow.medianSeconds)}`,
      `p90 ${formatSeconds(kpi.vulnerabilityWindow.p90Seconds)} · n=${kpi.vulnerabilityWindow.count}`,
    ),
  ];
}

/**
 * The strip over its default window (this month and the last 30 days), or over the Overview's range when one is
 * given, so that on the Overview every figure on the page answers for the same range.
 * @param {HTMLElement} container
 * @param {number} nowMs
 * @param {{ fromMs: number, toMs: number }} [range]
 * @returns {Promise<void>}
 */
export async function renderKpis(container, nowMs, range) {
  const { fromMs, toMs } = range ?? kpiWindow(nowMs);
  container.setAttribute('aria-busy', 'true');
  try {
    const kpi = await getKpis(fromMs, toMs);
    const label =
      range === undefined
        ? `Since ${formatTime(fromMs)} · open cases are current`
        : `From ${formatTime(fromMs)} to ${formatTime(toMs)} (the Overview's range) · open cases are current`;
    replace(
      container,
      h('div', { class: 'kpi-cards' }, kpiCards(kpi, nowMs, range !== undefined)),
      h('div', { class: 'kpi-range' }, label),
    );
  } finally {
    container.removeAttribute('aria-busy');
  }
}
