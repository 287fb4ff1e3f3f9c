// @ts-check
// The alerts list (filters, "load more" by cursor) and the single-alert page.

import { getAlert, listAlerts } from './api.js';
import { alertCard } from './alert-card.js';
import { classificationBadge, h, labelled, replace, select, severityBadge, table } from './dom.js';
import { CLASSIFICATIONS, formatTime, parseLocalDateTime, SEVERITIES } from './format.js';

/** @typedef {import('./view-context.js').ViewContext} ViewContext */
/** @typedef {import('./api.js').StoredAlert} StoredAlert */

const PAGE_SIZE = 50;

/** Filters kept in the address (`#/alerts?severity=high`), so a filtered list can be shared. */
const FILTER_NAMES = ['severity', 'classification', 'ruleId', 'targetUser', 'since', 'until'];

/**
 * @param {StoredAlert} stored
 * @returns {HTMLTableRowElement}
 */
export function alertRow(stored) {
  const a = stored.alert;
  return h(
    'tr',
    { data: { alertId: a.id } },
    h('td', { class: 'time' }, formatTime(stored.detectedAt)),
    h('td', null, severityBadge(a.severity)),
    h('td', null, classificationBadge(a.classification)),
    h('td', null, h('a', { href: `#/alerts/${encodeURIComponent(a.id)}` }, a.title)),
    h('td', null, a.target.userName ?? '—'),
    h('td', null, a.actor.userName ?? a.actor.arn ?? '—'),
    h('td', null, a.actor.sourceIp ?? '—'),
    h('td', { class: 'muted' }, a.rule.name),
    h(
      'td',
      null,
      stored.caseId === null ? '—' : h('a', { href: `#/cases/${encodeURIComponent(stored.caseId)}` }, 'case'),
    ),
  );
}

/**
 * `datetime-local` value → ISO for the API; the raw text when it does not parse, so the server names the problem.
 * @param {string} value
 * @returns {string}
 */
function isoOrRaw(value) {
  const ms = parseLocalDateTime(value);
  return ms === null ? value : new Date(ms).toISOString();
}

/**
 * @param {HTMLElement} view
 * @param {ViewContext} ctx
 * @param {URLSearchParams} params
 * @returns {Promise<void>}
 */
export async function renderAlerts(view, ctx, params) {
  /** @type {Record<string, string>} */
  const current = {};
  for (const name of FILTER_NAMES) current[name] = params.get(name) ?? '';

  const form = h(
    'form',
    {
      class: 'filters',
      id: 'alert-filters',
      onSubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams();
        for (const name of FILTER_NAMES) {
          const control = form.elements.namedItem(name);
          const value =
            control instanceof HTMLInputElement || control instanceof HTMLSelectElement
              ? control.value.trim()
              : '';
          if (value !== '') next.set(name, value);
        }
        const query = next.toString();
        ctx.navigate(query === '' ? '#/alerts' : `#/alerts?${query}`);
      },
    },
    labelled('Severity', select('severity', SEVERITIES, current['severity'] ?? '', 'any')),
    labelled(
      'Classification',
      select('classification', CLASSIFICATIONS, current['classification'] ?? '', 'any'),
    ),
    labelled(
      'Rule id',
      h('input', { type: 'text', name: 'ruleId', value: current['ruleId'] ?? '', maxLength: 256 }),
    ),
    labelled(
      'Target user',
      h('input', { type: 'text', name: 'targetUser', value: current['targetUser'] ?? '', maxLength: 256 }),
    ),
    labelled('Since', h('input', { type: 'datetime-local', name: 'since', value: current['since'] ?? '' })),
    labelled('Until', h('input', { type: 'datetime-local', name: 'until', value: current['until'] ?? '' })),
    h('button', { type: 'submit' }, 'Apply'),
  );
  const body = h('div', { class: 'loading' }, 'Loading alerts…');
  const count = h('p', { class: 'muted', id: 'alerts-count' });
  const more = h('button', { type: 'button', id: 'alerts-more', class: 'more' }, 'Load more');
  more.hidden = true;
  replace(view, h('h2', null, 'Alerts'), form, body, count, more);

  const query = {
    severity: current['severity'],
    classification: current['classification'],
    ruleId: current['ruleId'],
    targetUser: current['targetUser'],
    since: current['since'] ? isoOrRaw(current['since']) : undefined,
    until: current['until'] ? isoOrRaw(current['until']) : undefined,
    limit: PAGE_SIZE,
  };
  /** @type {HTMLTableSectionElement | null} */
  let tbody = null;
  let shown = 0;
  /** @param {string | undefined} cursor */
  const load = async (cursor) => {
    const page = await listAlerts({ ...query, cursor });
    if (!ctx.isCurrent()) return;
    const rows = page.items.map(alertRow);
    shown += rows.length;
    if (tbody === null) {
      const t = table(
        ['Detected', 'Severity', 'Classification', 'Title', 'Target', 'Actor', 'Source IP', 'Rule', 'Case'],
        rows,
        'No alerts match.',
      );
      t.id = 'alerts-table';
      tbody = t.tBodies[0] ?? null;
      replace(body, t);
      body.className = '';
    } else {
      tbody.append(...rows);
    }
    replace(count, `${shown} shown${page.nextCursor === null ? '' : ', more available'}`);
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

/**
 * @param {HTMLElement} view
 * @param {ViewContext} ctx
 * @param {string} id
 * @returns {Promise<void>}
 */
export async function renderAlert(view, ctx, id) {
  replace(view, h('p', { class: 'loading' }, 'Loading alert…'));
  const stored = await getAlert(id);
  if (!ctx.isCurrent()) return;
  replace(
    view,
    h('a', { href: '#/alerts', class: 'back' }, '← Alerts'),
    stored.caseId === null
      ? null
      : h('a', { href: `#/cases/${encodeURIComponent(stored.caseId)}`, class: 'back' }, ' · open its case'),
    alertCard(stored),
  );
}
