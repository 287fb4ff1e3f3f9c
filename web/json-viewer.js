// @ts-check
// A JSON document as a collapsible tree of text nodes: nothing in it is ever parsed as markup, and hidden characters
// (bidi overrides, escapes) are shown by name (dom.js does that for every text node).

import { h } from './dom.js';

/** Deeper than any CloudTrail record; a hostile document cannot make the page build an unbounded tree. */
const MAX_DEPTH = 32;

/**
 * @param {unknown} value
 * @param {number} depth
 * @returns {HTMLElement}
 */
function node(value, depth) {
  if (value === null || typeof value !== 'object') {
    const kind = value === null ? 'null' : typeof value;
    // JSON.stringify quotes strings and writes control characters as escapes (\u001b), as the record has them.
    return h('span', { class: `json-${kind}` }, JSON.stringify(value) ?? String(value));
  }
  const entries = Array.isArray(value)
    ? value.map((item, index) => /** @type {[string, unknown]} */ ([String(index), item]))
    : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return h('span', { class: 'json-empty' }, `${open}${close}`);
  if (depth >= MAX_DEPTH) return h('span', { class: 'json-deep' }, `${open}…${close}`);
  const summary = `${open} ${entries.length} ${Array.isArray(value) ? 'items' : 'keys'} ${close}`;
  return h(
    'details',
    { open: depth < 3 },
    h('summary', null, summary),
    h(
      'ul',
      { class: 'json-members' },
      entries.map(([key, item]) =>
        h(
          'li',
          null,
          Array.isArray(value) ? null : h('span', { class: 'json-key' }, JSON.stringify(key)),
          Array.isArray(value) ? null : ': ',
          node(item, depth + 1),
        ),
      ),
    ),
  );
}

/**
 * @param {unknown} document
 * @param {string} label what the tree is, for assistive technology
 * @returns {HTMLElement}
 */
export function jsonViewer(document, label) {
  return h('div', { class: 'json-viewer', role: 'group', label }, node(document, 0));
}
