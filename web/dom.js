// @ts-check
// DOM building that never parses markup: strings become text nodes, attributes come from an allowlist.

import { visible } from './format.js';

/** @typedef {string | number | Node | null | undefined | false} Leaf */
/** Two levels of arrays are enough for `map` inside a child list (JSDoc cannot say "recursive"). */
/** @typedef {Leaf | readonly (Leaf | readonly Leaf[])[]} Child */

/**
 * @typedef {object} Attrs
 * @property {string} [class]
 * @property {string} [id]
 * @property {string} [title]
 * @property {string} [href] in-page links only (`#...`); anything else is a bug and throws
 * @property {string} [type]
 * @property {string} [name]
 * @property {string} [value]
 * @property {string} [placeholder]
 * @property {string} [for]
 * @property {string} [role]
 * @property {string} [label] aria-label
 * @property {string} [autocomplete]
 * @property {string} [min]
 * @property {number} [rows]
 * @property {number} [maxLength]
 * @property {boolean} [disabled]
 * @property {boolean} [required]
 * @property {boolean} [selected]
 * @property {boolean} [open]
 * @property {Readonly<Record<string, string>>} [data]
 * @property {(event: MouseEvent) => void} [onClick]
 * @property {(event: SubmitEvent) => void} [onSubmit]
 * @property {(event: Event) => void} [onChange]
 */

/** Attributes copied with setAttribute; everything else in Attrs is handled by name below. */
const PLAIN_ATTRIBUTES = /** @type {const} */ ([
  'class',
  'id',
  'title',
  'type',
  'name',
  'placeholder',
  'for',
  'role',
  'autocomplete',
  'min',
]);

/** `#/cases/<encoded id>` and the like: no scheme can sneak in after a leading '#'. */
const SAFE_HREF = /^#[A-Za-z0-9\-._~%/?=&!'()*]*$/;

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  append(element, children);
  if (attrs) applyAttrs(element, attrs);
  return element;
}

/**
 * @param {HTMLElement} element
 * @param {Attrs} attrs
 */
function applyAttrs(element, attrs) {
  for (const name of PLAIN_ATTRIBUTES) {
    const value = attrs[name];
    if (value !== undefined) element.setAttribute(name, visible(value));
  }
  if (attrs.label !== undefined) element.setAttribute('aria-label', visible(attrs.label));
  if (attrs.href !== undefined) {
    if (!SAFE_HREF.test(attrs.href)) throw new Error(`refusing a link that is not in-page: ${attrs.href}`);
    element.setAttribute('href', attrs.href);
  }
  if (attrs.data) for (const [key, value] of Object.entries(attrs.data)) element.dataset[key] = value;
  if (attrs.rows !== undefined) element.setAttribute('rows', String(attrs.rows));
  if (attrs.maxLength !== undefined) element.setAttribute('maxlength', String(attrs.maxLength));
  if (attrs.disabled) element.setAttribute('disabled', '');
  if (attrs.required) element.setAttribute('required', '');
  if (attrs.selected) element.setAttribute('selected', '');
  if (attrs.open) element.setAttribute('open', '');
  // `.value` after the children so a <select> already has the option being chosen.
  if (attrs.value !== undefined && 'value' in element) {
    /** @type {HTMLInputElement} */ (element).value = attrs.value;
  }
  if (attrs.onClick) element.addEventListener('click', attrs.onClick);
  if (attrs.onSubmit) element.addEventListener('submit', attrs.onSubmit);
  if (attrs.onChange) element.addEventListener('change', attrs.onChange);
}

/**
 * @param {Node} parent
 * @param {readonly unknown[]} children Child values (arrays nest)
 */
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (typeof child === 'string' || typeof child === 'number') {
      parent.appendChild(document.createTextNode(visible(String(child))));
    } else if (Array.isArray(child)) {
      append(parent, child);
    } else if (child instanceof Node) {
      parent.appendChild(child);
    } else {
      parent.appendChild(document.createTextNode(visible(String(child))));
    }
  }
}

/**
 * @param {Element} parent
 * @param {...Child} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * A coloured severity label; the class name comes from our own list, never from the data.
 * @param {string} severity
 * @returns {HTMLSpanElement}
 */
export function severityBadge(severity) {
  const known = ['critical', 'high', 'medium', 'low', 'info'].includes(severity);
  return h('span', { class: `badge sev-${known ? severity : 'unknown'}` }, severity);
}

/**
 * @param {string | null | undefined} classification
 * @returns {HTMLSpanElement}
 */
export function classificationBadge(classification) {
  const known = [
    'rotation',
    'approved',
    'admin-reset',
    'verified',
    'suspicious',
    'unauthorized',
    'unresolved',
  ];
  const value = classification ?? 'unclassified';
  return h('span', { class: `badge cls-${known.includes(value) ? value : 'unknown'}` }, value);
}

/**
 * @param {string} state
 * @returns {HTMLSpanElement}
 */
export function stateBadge(state) {
  const known = ['open', 'verifying', 'escalated', 'resolved'];
  return h('span', { class: `badge state-${known.includes(state) ? state : 'unknown'}` }, state);
}

/**
 * Gives each cell its column's heading as `data-label`, so a table styled `.stacked` can show its rows as labelled
 * cards on a phone (style.css) instead of pushing the page sideways. Rows appended later need the same call.
 * @param {readonly string[]} headings
 * @param {readonly Node[]} rows
 */
export function labelCells(headings, rows) {
  for (const row of rows) {
    if (!(row instanceof HTMLTableRowElement)) continue;
    [...row.cells].forEach((cell, i) => {
      const heading = headings[i];
      if (heading !== undefined && !cell.hasAttribute('data-label')) cell.dataset['label'] = heading;
    });
  }
}

/**
 * @param {readonly string[]} headings
 * @param {readonly Node[]} rows
 * @param {string} [empty] shown as one full-width row when there are no rows
 * @returns {HTMLTableElement}
 */
export function table(headings, rows, empty = 'Nothing here.') {
  labelCells(headings, rows);
  const body = h('tbody', null, rows);
  if (rows.length === 0) {
    const cell = h('td', { class: 'empty' }, empty);
    cell.colSpan = headings.length;
    body.appendChild(h('tr', null, cell));
  }
  return h(
    'table',
    null,
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        headings.map((text) => h('th', { role: 'columnheader' }, text)),
      ),
    ),
    body,
  );
}

/**
 * A list table that turns into labelled cards on a phone (style.css `table.stacked`), instead of a page that scrolls
 * sideways.
 * @param {readonly string[]} headings
 * @param {readonly Node[]} rows
 * @param {string} [empty]
 * @returns {HTMLTableElement}
 */
export function stackedTable(headings, rows, empty) {
  const t = table(headings, rows, empty);
  t.classList.add('stacked');
  return t;
}

/**
 * A <select> whose first option means "any".
 * @param {string} name
 * @param {readonly string[]} values
 * @param {string} current
 * @param {string} anyLabel
 * @returns {HTMLSelectElement}
 */
export function select(name, values, current, anyLabel) {
  return h(
    'select',
    { name, id: `f-${name}`, value: current },
    h('option', { value: '' }, anyLabel),
    values.map((v) => h('option', { value: v }, v)),
  );
}

/**
 * @param {string} text
 * @param {HTMLElement} control
 * @returns {HTMLLabelElement}
 */
export function labelled(text, control) {
  return h('label', null, h('span', { class: 'label' }, text), control);
}
