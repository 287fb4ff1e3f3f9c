// @ts-check
// Times as people read them: relative ("12 min ago") with the absolute UTC time on hover, and audit changes whose
// time fields show as dates, never as epoch milliseconds.

import { h } from './dom.js';
import { shortJson, visible } from './format.js';

const UNITS = /** @type {const} */ ([
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
]);

/**
 * @param {string | number | null | undefined} value ISO 8601 or epoch ms
 * @returns {number | null}
 */
export function toMs(value) {
  if (value === null || value === undefined || value === '') return null;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * @param {string | number | null | undefined} value
 * @returns {string} `2026-11-23 11:00:00 UTC`, or `—`
 */
export function absoluteTime(value) {
  const ms = toMs(value);
  if (ms === null)
    return value === null || value === undefined || value === '' ? '—' : visible(String(value));
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * `just now`, `12 min ago`, `in 3 h`, `2 d 4 h ago`: the two largest units, so a glance is enough.
 * @param {string | number | null | undefined} value
 * @param {number} nowMs
 * @returns {string}
 */
export function relativeTime(value, nowMs) {
  const ms = toMs(value);
  if (ms === null) return absoluteTime(value);
  const delta = ms - nowMs;
  const rest = Math.abs(delta);
  if (rest < 45_000) return 'just now';
  // Past 45 s at least the seconds unit fits, so an index is always found.
  const index = UNITS.findIndex(([, size]) => rest >= size);
  const [unit, size] = UNITS[index] ?? ['s', 1000];
  const major = Math.floor(rest / size);
  let text = `${major} ${unit}`;
  const next = UNITS[index + 1];
  // Days and hours get their next unit (`2 d 4 h`); minutes alone are precise enough.
  if (next !== undefined && (unit === 'd' || unit === 'h')) {
    const minor = Math.floor((rest - major * size) / next[1]);
    if (minor > 0) text += ` ${minor} ${next[0]}`;
  }
  return delta < 0 ? `${text} ago` : `in ${text}`;
}

/**
 * A `<time>` showing the relative time, the absolute one on hover (and to screen readers through `title`).
 * @param {string | number | null | undefined} value
 * @param {number} nowMs
 * @returns {HTMLElement | string}
 */
export function when(value, nowMs) {
  const ms = toMs(value);
  if (ms === null) return absoluteTime(value);
  const absolute = absoluteTime(ms);
  const element = h('time', { class: 'when', title: absolute }, relativeTime(ms, nowMs));
  element.setAttribute('datetime', new Date(ms).toISOString());
  return element;
}

/** Audit fields holding times: epoch milliseconds in the store's before/after snapshots. */
const TIME_KEY = /(At|Ms|Time)$/;

/**
 * @param {string} key
 * @param {unknown} value
 * @returns {string}
 */
function showValue(key, value) {
  if (value === null || value === undefined) return '—';
  if (TIME_KEY.test(key) && (typeof value === 'number' || typeof value === 'string') && toMs(value) !== null)
    return absoluteTime(value);
  return shortJson(value);
}

/**
 * What an audit entry changed, one line per field, with times as dates.
 * @param {Readonly<Record<string, unknown>> | null} before
 * @param {Readonly<Record<string, unknown>> | null} after
 * @returns {string[]}
 */
export function humanChange(before, after) {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  return keys.map((key) => {
    const hasBefore = before !== null && Object.hasOwn(before, key);
    const hasAfter = after !== null && Object.hasOwn(after, key);
    if (hasBefore && hasAfter)
      return `${key}: ${showValue(key, before[key])} → ${showValue(key, after[key])}`;
    if (hasAfter && after !== null) return `${key}: ${showValue(key, after[key])}`;
    return before !== null ? `${key}: ${showValue(key, before[key])} → (removed)` : key;
  });
}
