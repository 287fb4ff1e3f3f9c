// @ts-check
// The alerts list (server-side filters and sorts kept in the address, incident grouping, bulk triage of the selected
// cases, "load more" by cursor) and the single-alert page with its raw CloudTrail record.

import { getAlert, listAlerts } from './api.js';
import { bulkTriage, getAlertRecord } from './alerts-api.js';
import { alertCard } from './alert-card.js';
import { classificationBadge, h, labelled, replace, select, severityBadge, stateBadge } from './dom.js';
import { CASE_STATES, CLASSIFICATIONS, formatTime, parseLocalDateTime, SEVERITIES } from './format.js';
import { jsonViewer } from './json-viewer.js';

/** @typedef {import('./view-context.js').ViewContext} ViewContext */
/** @typedef {import('./api.js').StoredAlert} StoredAlert */

const PAGE_SIZE = 50;

/**
 * The filters, in the order the form shows them; each is a query parameter of the page's address
 * (`#/alerts?severity=high&account=…`) and of the API, so a filtered, sorted view can be shared as a link.
 * @type {readonly { name: string, label: string, kind: 'select' | 'text' | 'time', values?: readonly string[] }[]}
 */
const FILTERS = [
  { name: 'from', label: 'Event from', kind: 'time' },
  { name: 'to', label: 'Event to', kind: 'time' },
  { name: 'severity', label: 'Severity', kind: 'select', values: SEVERITIES },
  { name: 'classification', label: 'Classification', kind: 'select', values: CLASSIFICATIONS },
  { name: 'caseState', label: 'Case state', kind: 'select', values: [...CASE_STATES, 'none'] },
  { name: 'account', label: 'Account', kind: 'text' },
  { name: 'region', label: 'Region', kind: 'text' },
  { name: 'actor', label: 'Actor (user or ARN)', kind: 'text' },
  { name: 'targetUser', label: 'Target user', kind: 'text' },
  { name: 'sourceIp', label: 'Source IP', kind: 'text' },
  { name: 'ruleId', label: 'Rule id', kind: 'text' },
  { name: 'since', label: 'Detected from', kind: 'time' },
  { name: 'until', label: 'Detected to', kind: 'time' },
];
/** Kept in the address beside the filters; `incident` comes from an incident's "all its alerts" link. */
const VIEW_PARAMS = ['sort', 'order', 'group', 'incident'];
const ALL_PARAMS = [...FILTERS.map((f) => f.name), ...VIEW_PARAMS];

/** The columns; the sortable ones name the API's sort key. */
const COLUMNS = /** @type {const} */ ([
  ['Select', null],
  ['Event time', 'eventTime'],
  ['Detected', 'detectedAt'],
  ['Severity', 'severity'],
  ['Classification', null],
  ['Title', null],
  ['Target', null],
  ['Actor', null],
  ['Source IP', null],
  ['Account · region', null],
  ['Case', null],
]);

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
 * An identifier (IP address, ARN, account) that must never break across lines; the full value is the tooltip.
 * @param {string | null | undefined} value
 * @returns {HTMLElement | string}
 */
function token(value) {
  return value ? h('span', { class: 'token', title: value }, value) : '—';
}

/**
 * A time as date and clock, each unbreakable (a narrow column puts the clock under the date, never splits a date).
 * @param {string | null | undefined} value
 * @returns {(HTMLElement | string)[] | string}
 */
function when(value) {
  const [date, clock] = formatTime(value).split(' ');
  return clock === undefined
    ? (date ?? '—')
    : [h('span', { class: 'nowrap' }, date), ' ', h('span', { class: 'nowrap' }, clock)];
}

/**
 * @param {Record<string, string>} current
 * @param {ViewContext} ctx
 * @returns {HTMLFormElement}
 */
function filterForm(current, ctx) {
  const form = h(
    'form',
    {
      class: 'filters',
      id: 'alert-filters',
      label: 'Filter alerts',
      onSubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams();
        for (const name of ALL_PARAMS) {
          const control = form.elements.namedItem(name);
          const value =
            control instanceof HTMLInputElement && control.type === 'checkbox'
              ? control.checked
                ? 'incident'
                : ''
              : control instanceof HTMLInputElement || control instanceof HTMLSelectElement
                ? control.value.trim()
                : (current[name] ?? '');
          if (value !== '') next.set(name, value);
        }
        const query = next.toString();
        ctx.navigate(query === '' ? '#/alerts' : `#/alerts?${query}`);
      },
    },
    FILTERS.map((f) => {
      const value = current[f.name] ?? '';
      if (f.kind === 'select') return labelled(f.label, select(f.name, f.values ?? [], value, 'any'));
      const type = f.kind === 'time' ? 'datetime-local' : 'text';
      return labelled(f.label, h('input', { type, name: f.name, id: `f-${f.name}`, value, maxLength: 2048 }));
    }),
    labelled(
      'Sort by',
      select('sort', ['eventTime', 'detectedAt', 'severity'], current['sort'] ?? '', 'detected'),
    ),
    labelled('Order', select('order', ['desc', 'asc'], current['order'] ?? '', 'newest first')),
    groupToggle(current['group'] === 'incident'),
    h('button', { type: 'submit' }, 'Apply'),
    h('a', { href: '#/alerts', class: 'clear' }, 'Clear'),
  );
  return form;
}

/**
 * @param {boolean} on
 * @returns {HTMLLabelElement}
 */
function groupToggle(on) {
  const box = h('input', { type: 'checkbox', name: 'group', id: 'f-group' });
  box.checked = on;
  return h('label', { class: 'check' }, box, ' Group by incident');
}

/**
 * The address with one parameter changed (sorting from a column header keeps every filter).
 * @param {Record<string, string>} current
 * @param {Record<string, string>} changes
 * @returns {string}
 */
function hrefWith(current, changes) {
  const next = new URLSearchParams();
  for (const name of ALL_PARAMS) {
    const value = name in changes ? changes[name] : current[name];
    if (value) next.set(name, value);
  }
  const query = next.toString();
  return query === '' ? '#/alerts' : `#/alerts?${query}`;
}

/**
 * Column headers; the sortable ones are buttons that flip the direction, with aria-sort on the active one.
 * @param {Record<string, string>} current
 * @param {ViewContext} ctx
 * @param {HTMLInputElement} selectAll
 * @returns {HTMLTableSectionElement}
 */
function tableHead(current, ctx, selectAll) {
  const sort = current['sort'] || 'detectedAt';
  const order = current['order'] || 'desc';
  return h(
    'thead',
    null,
    h(
      'tr',
      null,
      COLUMNS.map(([label, key]) => {
        if (key === null) return h('th', { role: 'columnheader' }, label === 'Select' ? selectAll : label);
        const active = key === sort;
        const th = h(
          'th',
          { role: 'columnheader' },
          h(
            'button',
            {
              type: 'button',
              class: 'sort',
              data: { sort: key },
              label: `Sort by ${label.toLowerCase()}, ${active && order === 'desc' ? 'oldest or lowest' : 'newest or highest'} first`,
              onClick: () =>
                ctx.navigate(
                  hrefWith(current, { sort: key, order: active && order === 'desc' ? 'asc' : 'desc' }),
                ),
            },
            label,
            active ? (order === 'desc' ? ' ▼' : ' ▲') : '',
          ),
        );
        th.setAttribute('aria-sort', active ? (order === 'desc' ? 'descending' : 'ascending') : 'none');
        return th;
      }),
    ),
  );
}

/**
 * @param {StoredAlert} stored
 * @param {Set<string>} selected case ids
 * @param {() => void} changed
 * @returns {HTMLTableRowElement}
 */
function alertRow(stored, selected, changed) {
  const a = stored.alert;
  const box = h('input', {
    type: 'checkbox',
    class: 'pick',
    label: stored.caseId === null ? 'This alert is in no case' : `Select the case of: ${a.title}`,
    disabled: stored.caseId === null,
    data: stored.caseId === null ? {} : { caseId: stored.caseId },
  });
  box.checked = stored.caseId !== null && selected.has(stored.caseId);
  box.addEventListener('change', () => {
    if (stored.caseId === null) return;
    if (box.checked) selected.add(stored.caseId);
    else selected.delete(stored.caseId);
    changed();
  });
  const actor = a.actor.userName ?? a.actor.arn;
  return h(
    'tr',
    { class: 'row', data: { alertId: a.id, incident: stored.incidentId ?? a.event.id } },
    h('td', { data: { label: 'Select' } }, box),
    h('td', { class: 'time', data: { label: 'Event time' } }, when(stored.eventTime ?? a.event.time)),
    h('td', { class: 'time', data: { label: 'Detected' } }, when(stored.detectedAt)),
    h('td', { data: { label: 'Severity' } }, severityBadge(a.severity)),
    // The case's classification once a person (or the owner) has classified it; before, triage's on the alert.
    h(
      'td',
      { data: { label: 'Classification' } },
      classificationBadge(stored.caseClassification ?? a.classification),
    ),
    h(
      'td',
      { class: 'title', data: { label: 'Title' } },
      h('a', { href: `#/alerts/${encodeURIComponent(a.id)}`, class: 'alert-link' }, a.title),
      ' ',
      h(
        'a',
        { href: `#/alerts/${encodeURIComponent(a.id)}?view=record`, class: 'record-link muted' },
        'record',
      ),
      // The rule under the title, not in a column of its own: the row then fits 1400 px even with an IPv6 address.
      h('div', { class: 'muted rule-name' }, a.rule.name),
    ),
    h('td', { data: { label: 'Target' } }, a.target.userName ?? '—'),
    // A user name is a name and may wrap; the ARN behind it is the tooltip.
    h('td', { data: { label: 'Actor' }, title: a.actor.arn ?? '' }, actor ?? '—'),
    h('td', { data: { label: 'Source IP' } }, token(a.actor.sourceIp)),
    h(
      'td',
      { class: 'stack', data: { label: 'Account · region' } },
      token(a.event.account),
      ' ',
      token(a.event.region),
    ),
    h(
      'td',
      { data: { label: 'Case' } },
      stored.caseId === null
        ? '—'
        : h(
            'a',
            {
              href: `#/cases/${encodeURIComponent(stored.caseId)}`,
              class: 'case-link',
              label: stored.caseState ? `Case, ${stored.caseState}` : 'Case',
            },
            stored.caseState ? stateBadge(stored.caseState) : 'case',
          ),
    ),
  );
}

/**
 * Rows in the order the server sent them or, grouped, one block per incident (as correlation tied them: the
 * removal, the device deletion, the re-enrolment, follow-ups), each under a heading row.
 * @param {readonly StoredAlert[]} items
 * @param {boolean} grouped
 * @param {(stored: StoredAlert) => HTMLTableRowElement} row
 * @param {Record<string, string>} current
 * @returns {HTMLTableRowElement[]}
 */
function bodyRows(items, grouped, row, current) {
  if (!grouped) return items.map(row);
  /** @type {Map<string, StoredAlert[]>} */
  const groups = new Map();
  for (const item of items) {
    const key = item.incidentId ?? item.alert.event.id;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups].flatMap(([incident, members]) => {
    const removal = members.find((m) => m.alert.incident?.role === 'removal') ?? members[0];
    const cell = h(
      'td',
      { class: 'incident-head' },
      h('strong', null, `Incident: ${removal?.alert.target.userName ?? '—'}`),
      ` · ${members.length} alert${members.length === 1 ? '' : 's'} on this page · `,
      h('a', { href: hrefWith(current, { incident, group: 'incident' }) }, 'all its alerts'),
    );
    cell.colSpan = COLUMNS.length;
    return [h('tr', { class: 'incident', data: { incident } }, cell), ...members.map(row)];
  });
}

/**
 * The bulk bar: what to do to the selected cases, in one call; the list reloads after.
 * @param {Set<string>} selected
 * @param {ViewContext} ctx
 * @returns {{ form: HTMLFormElement, update: () => void }}
 */
function bulkBar(selected, ctx) {
  const count = h('span', { id: 'bulk-count', role: 'status' });
  const action = select('action', ['assign', 'classify', 'resolve'], 'assign', 'choose…');
  action.value = 'assign';
  const assignee = labelled(
    'Assignee',
    h('input', { type: 'text', name: 'assignee', id: 'bulk-assignee', maxLength: 200 }),
  );
  const classification = labelled(
    'Classification',
    h(
      'select',
      { name: 'classification', id: 'bulk-classification' },
      CLASSIFICATIONS.map((c) => h('option', { value: c }, c)),
    ),
  );
  const note = labelled('Note', h('input', { type: 'text', name: 'note', id: 'bulk-note', maxLength: 2000 }));
  const apply = h('button', { type: 'submit' }, 'Apply to selected');
  const message = h('p', { class: 'form-message', id: 'bulk-message', role: 'alert' });
  const showFields = () => {
    assignee.hidden = action.value !== 'assign';
    classification.hidden = action.value !== 'classify';
    note.hidden = action.value !== 'resolve';
  };
  action.addEventListener('change', showFields);
  const form = h(
    'form',
    {
      class: 'bulk',
      id: 'bulk-form',
      label: 'Change the selected cases',
      onSubmit: (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const kind = /** @type {'assign' | 'classify' | 'resolve'} */ (action.value);
        const text = (/** @type {string} */ name) => String(data.get(name) ?? '').trim();
        if (kind === 'resolve' && text('note') === '') {
          replace(message, 'Say why the cases are resolved: the note goes into each case’s audit log.');
          return;
        }
        apply.disabled = true;
        bulkTriage({
          caseIds: [...selected],
          action: kind,
          ...(kind === 'assign' ? { assignee: text('assignee') || null } : {}),
          ...(kind === 'classify' ? { classification: text('classification') } : {}),
          ...(kind === 'resolve' ? { note: text('note') } : {}),
        })
          .then((result) => {
            ctx.flash(
              `${result.updated.length} case${result.updated.length === 1 ? '' : 's'} changed (${kind}).`,
            );
            ctx.reload();
          })
          .catch(ctx.fail)
          .finally(() => (apply.disabled = selected.size === 0));
      },
    },
    count,
    labelled('Action', action),
    assignee,
    classification,
    note,
    apply,
    message,
  );
  showFields();
  const update = () => {
    replace(count, `${selected.size} case${selected.size === 1 ? '' : 's'} selected`);
    apply.disabled = selected.size === 0;
  };
  update();
  return { form, update };
}

/**
 * Arrow keys move between the rows' title links, so a keyboard walks the list without tabbing through every cell.
 * @param {HTMLTableSectionElement} tbody
 */
function arrowKeys(tbody) {
  tbody.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const links = [...tbody.querySelectorAll('a.alert-link')];
    const index = links.findIndex((link) => link === document.activeElement);
    if (index < 0) return;
    const next = links[index + (event.key === 'ArrowDown' ? 1 : -1)];
    if (next instanceof HTMLElement) {
      event.preventDefault();
      next.focus();
    }
  });
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
  for (const name of ALL_PARAMS) current[name] = params.get(name) ?? '';
  const grouped = current['group'] === 'incident';

  /** @type {Set<string>} */
  const selected = new Set();
  /** @type {StoredAlert[]} */
  const items = [];
  const selectAll = h('input', { type: 'checkbox', id: 'select-all', label: 'Select every case shown' });
  const bulk = bulkBar(selected, ctx);
  const tbody = h('tbody');
  arrowKeys(tbody);
  const tableEl = h(
    'table',
    { id: 'alerts-table', class: 'alerts-table' },
    tableHead(current, ctx, selectAll),
    tbody,
  );
  const render = () => {
    const rows = bodyRows(items, grouped, (stored) => alertRow(stored, selected, render), current);
    if (rows.length === 0) {
      const cell = h('td', { class: 'empty' }, 'No alerts match.');
      cell.colSpan = COLUMNS.length;
      rows.push(h('tr', null, cell));
    }
    tbody.replaceChildren(...rows);
    const selectable = items.filter((i) => i.caseId !== null);
    selectAll.checked =
      selectable.length > 0 && selectable.every((i) => i.caseId !== null && selected.has(i.caseId));
    bulk.update();
  };
  selectAll.addEventListener('change', () => {
    for (const item of items) {
      if (item.caseId === null) continue;
      if (selectAll.checked) selected.add(item.caseId);
      else selected.delete(item.caseId);
    }
    render();
  });

  const body = h('div', { class: 'loading' }, 'Loading alerts…');
  const count = h('p', { class: 'muted', id: 'alerts-count', role: 'status' });
  const more = h('button', { type: 'button', id: 'alerts-more', class: 'more' }, 'Load more');
  more.hidden = true;
  const incidentNote = current['incident']
    ? h(
        'p',
        { class: 'muted', id: 'incident-filter' },
        'Showing one incident. ',
        h('a', { href: hrefWith(current, { incident: '' }) }, 'Show all alerts'),
      )
    : null;
  replace(
    view,
    h('h2', null, 'Alerts'),
    filterForm(current, ctx),
    incidentNote,
    bulk.form,
    body,
    count,
    more,
  );

  /** @type {Record<string, string | number | undefined>} */
  const query = { limit: PAGE_SIZE };
  for (const f of FILTERS) {
    const value = current[f.name];
    if (value) query[f.name] = f.kind === 'time' ? isoOrRaw(value) : value;
  }
  for (const name of ['sort', 'order', 'incident']) if (current[name]) query[name] = current[name];

  /** @param {string | undefined} cursor */
  const load = async (cursor) => {
    const page = await listAlerts({ ...query, cursor });
    if (!ctx.isCurrent()) return;
    items.push(...page.items);
    if (body.firstChild !== tableEl) {
      replace(body, h('div', { class: 'table-wrap' }, tableEl));
      body.className = '';
    }
    render();
    replace(count, `${items.length} shown${page.nextCursor === null ? '' : ', more available'}`);
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
 * The stored CloudTrail record, as a tree (opened from the alert page, or straight from the list's "record" link).
 * @param {HTMLElement} panel
 * @param {ViewContext} ctx
 * @param {string} id
 */
async function showRecord(panel, ctx, id) {
  replace(panel, h('p', { class: 'loading' }, 'Loading the CloudTrail record…'));
  try {
    const answer = await getAlertRecord(id);
    if (!ctx.isCurrent()) return;
    replace(
      panel,
      h('h3', null, 'CloudTrail record'),
      h(
        'p',
        { class: 'muted' },
        'As delivered by AWS. Every value comes from the event and may be written by an attacker.',
      ),
      jsonViewer(answer.record, 'CloudTrail record'),
    );
  } catch (error) {
    if (!ctx.isCurrent()) return;
    const detail = error instanceof Error ? error.message : String(error);
    replace(panel, h('p', { class: 'form-message' }, `The record cannot be shown: ${detail}`));
  }
}

/**
 * The alert's case as it stands now: its state and, once a person or the owner classified it, that classification
 * (the card's badge is triage's, on the alert; the list shows the case's, so this page says both).
 * @param {StoredAlert} stored
 * @returns {HTMLElement | null}
 */
function caseLine(stored) {
  if (stored.caseId === null) return null;
  return h(
    'p',
    { id: 'alert-case', class: 'muted' },
    'Its case: ',
    stored.caseState ? stateBadge(stored.caseState) : 'state unknown',
    ', ',
    stored.caseClassification
      ? ['classified ', classificationBadge(stored.caseClassification)]
      : 'not classified by a person yet',
  );
}

/**
 * @param {HTMLElement} view
 * @param {ViewContext} ctx
 * @param {string} id
 * @param {URLSearchParams} [params] `view=record` opens the raw record at once
 * @returns {Promise<void>}
 */
export async function renderAlert(view, ctx, id, params) {
  replace(view, h('p', { class: 'loading' }, 'Loading alert…'));
  const stored = await getAlert(id);
  if (!ctx.isCurrent()) return;
  const panel = h('section', { id: 'alert-record', class: 'panel record', label: 'CloudTrail record' });
  const open = h(
    'button',
    {
      type: 'button',
      id: 'show-record',
      onClick: () => {
        open.hidden = true;
        showRecord(panel, ctx, id).catch(ctx.fail);
      },
    },
    'Show the raw CloudTrail record',
  );
  replace(
    view,
    h('a', { href: '#/alerts', class: 'back' }, '← Alerts'),
    stored.caseId === null
      ? null
      : h('a', { href: `#/cases/${encodeURIComponent(stored.caseId)}`, class: 'back' }, ' · open its case'),
    caseLine(stored),
    alertCard(stored),
    open,
    panel,
  );
  if (params?.get('view') === 'record') open.click();
}
