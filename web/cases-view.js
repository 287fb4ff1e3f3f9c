// @ts-check
// The cases list: filter by state and severity, newest first, more pages by cursor.

import { listCases } from './api.js';
import {
  classificationBadge,
  h,
  labelCells,
  labelled,
  replace,
  select,
  severityBadge,
  stackedTable,
  stateBadge,
} from './dom.js';
import { CASE_STATES, formatTime, SEVERITIES } from './format.js';

/** @typedef {import('./view-context.js').ViewContext} ViewContext */
/** @typedef {import('./api.js').Case} Case */

const PAGE_SIZE = 50;
const HEADINGS = ['Severity', 'User', 'State', 'Classification', 'Risk', 'Assignee', 'First event', 'Opened'];

/**
 * @param {Case} c
 * @returns {HTMLTableRowElement}
 */
export function caseRow(c) {
  const link = `#/cases/${encodeURIComponent(c.id)}`;
  return h(
    'tr',
    {
      class: `row sev-row-${SEVERITIES.includes(c.severity) ? c.severity : 'unknown'}`,
      data: { caseId: c.id },
    },
    h('td', null, severityBadge(c.severity)),
    h(
      'td',
      { class: 'who' },
      h('a', { href: link }, c.userName),
      c.account ? h('div', { class: 'muted' }, c.account) : null,
    ),
    h('td', null, stateBadge(c.state)),
    h('td', null, classificationBadge(c.classification)),
    h('td', { class: 'num' }, String(c.riskScore)),
    h('td', null, c.assignee ?? h('span', { class: 'muted' }, 'unassigned')),
    h('td', { class: 'time' }, formatTime(c.firstEventAt)),
    h('td', { class: 'time' }, formatTime(c.openedAt)),
  );
}

/**
 * @param {HTMLElement} view
 * @param {ViewContext} ctx
 * @param {URLSearchParams} params
 * @returns {Promise<void>}
 */
export async function renderCases(view, ctx, params) {
  const stateParam = params.get('state') ?? '';
  const severityParam = params.get('severity') ?? '';
  const state = /** @type {readonly string[]} */ (CASE_STATES).includes(stateParam) ? stateParam : '';
  const severity = /** @type {readonly string[]} */ (SEVERITIES).includes(severityParam) ? severityParam : '';

  const onFilter = () => {
    const next = new URLSearchParams();
    const s = /** @type {HTMLSelectElement} */ (filters.elements.namedItem('state')).value;
    const v = /** @type {HTMLSelectElement} */ (filters.elements.namedItem('severity')).value;
    if (s !== '') next.set('state', s);
    if (v !== '') next.set('severity', v);
    const query = next.toString();
    ctx.navigate(query === '' ? '#/cases' : `#/cases?${query}`);
  };
  const filters = h(
    'form',
    { class: 'filters', id: 'case-filters', onChange: onFilter, onSubmit: (e) => e.preventDefault() },
    labelled('State', select('state', CASE_STATES, state, 'any state')),
    labelled('Severity', select('severity', SEVERITIES, severity, 'any severity')),
  );
  const body = h('div', { class: 'loading' }, 'Loading cases…');
  const more = h('button', { type: 'button', id: 'cases-more', class: 'more' }, 'Load more');
  more.hidden = true;
  replace(view, h('h2', null, 'Cases'), filters, body, more);

  /** @type {HTMLTableSectionElement | null} */
  let tbody = null;
  /** @param {string | undefined} cursor */
  const load = async (cursor) => {
    const page = await listCases({ state, severity, limit: PAGE_SIZE, cursor });
    if (!ctx.isCurrent()) return;
    const rows = page.items.map(caseRow);
    if (tbody === null) {
      const t = stackedTable(HEADINGS, rows, 'No cases match.');
      t.id = 'cases-table';
      tbody = t.tBodies[0] ?? null;
      replace(body, t);
      body.className = '';
    } else {
      labelCells(HEADINGS, rows);
      tbody.append(...rows);
    }
    more.hidden = page.nextCursor === null;
    more.onclick = () => {
      more.disabled = true;
      load(page.nextCursor ?? undefined)
        .catch(ctx.fail)
        .finally(() => {
          more.disabled = false;
        });
    };
  };
  await load(undefined);
}
