// @ts-check
// A case's story in time order: the events its alerts saw, the owner's verification, the notifications sent, the
// response actions, the team's moves and comments — one list, so nobody has to stitch five tables together.

import { h } from './dom.js';
import { absoluteTime, toMs, when } from './when.js';

/** @typedef {import('./api.js').CaseDetail} CaseDetail */
/** @typedef {import('./api.js').StoredAlert} StoredAlert */
/** @typedef {import('./api.js').ResponseAction} ResponseAction */
/** @typedef {import('./api.js').CaseNotification} CaseNotification */

/**
 * @typedef {object} TimelineEntry
 * @property {number} at epoch ms
 * @property {'event' | 'case' | 'verification' | 'notification' | 'response' | 'comment'} kind
 * @property {string} text
 * @property {string} [who]
 */

/**
 * @param {TimelineEntry[]} into
 * @param {string | null | undefined} time
 * @param {TimelineEntry['kind']} kind
 * @param {string} text
 * @param {string} [who]
 */
function add(into, time, kind, text, who) {
  const at = toMs(time);
  if (at !== null) into.push(who === undefined ? { at, kind, text } : { at, kind, text, who });
}

/**
 * @param {CaseDetail} c
 * @param {readonly (StoredAlert | Error)[]} alerts
 * @param {readonly ResponseAction[] | Error} actions
 * @param {readonly CaseNotification[] | Error} notifications
 * @returns {TimelineEntry[]} oldest first; entries at the same time keep the order they happened in
 */
export function caseTimeline(c, alerts, actions, notifications) {
  /** @type {TimelineEntry[]} */
  const entries = [];
  for (const stored of alerts) {
    if (stored instanceof Error) continue;
    const a = stored.alert;
    add(
      entries,
      a.event.time,
      'event',
      `${a.event.name}: ${a.title}`,
      a.actor.arn ?? a.actor.userName ?? undefined,
    );
  }
  add(entries, c.openedAt, 'case', 'Case opened');
  for (const v of c.verifications) {
    add(entries, v.createdAt, 'verification', `Owner ${v.owner} asked to confirm`);
    if (v.answeredAt !== null)
      add(entries, v.answeredAt, 'verification', `Owner answered: ${v.state}`, v.owner);
    if (v.escalatedAt !== null) add(entries, v.escalatedAt, 'verification', 'No answer in time: escalated');
  }
  if (!(notifications instanceof Error)) {
    for (const n of notifications) {
      const what = `${n.kind} to ${n.channel}${n.title === null ? '' : `: ${n.title}`}`;
      if (n.sentAt !== null) add(entries, n.sentAt, 'notification', `Sent ${what}`);
      else if (n.state === 'dead') add(entries, n.createdAt, 'notification', `Could not send ${what}`);
      else add(entries, n.createdAt, 'notification', `Queued ${what}`);
    }
  }
  if (!(actions instanceof Error)) {
    for (const action of actions) {
      const what = `${action.kind} on ${action.target.kind} ${action.target.name}`;
      add(entries, action.createdAt, 'response', `Planned ${what}`);
      if (action.appliedAt !== null)
        add(entries, action.appliedAt, 'response', `Applied ${what}`, action.approvedBy ?? undefined);
      if (action.undoneAt !== null)
        add(entries, action.undoneAt, 'response', `Undone ${what}`, action.undoneBy ?? undefined);
    }
  }
  for (const entry of c.audit) {
    if (entry.action === 'opened') continue;
    const to =
      entry.after !== null && typeof entry.after['state'] === 'string' ? ` to ${entry.after['state']}` : '';
    add(entries, entry.at, 'case', `${entry.action}${to}`, entry.actor);
  }
  for (const comment of c.comments) add(entries, comment.at, 'comment', comment.text, comment.author);
  add(entries, c.resolvedAt, 'case', `Resolved${c.resolution ? `: ${c.resolution}` : ''}`);
  // A stable sort keeps same-time entries in the order they were added (the event before the case it opened).
  return entries.sort((a, b) => a.at - b.at);
}

/**
 * @param {readonly TimelineEntry[]} entries
 * @param {number} nowMs
 * @param {boolean} [absolute] print the absolute times (the printable report)
 * @returns {HTMLElement}
 */
export function timelineList(entries, nowMs, absolute = false) {
  return h(
    'ol',
    { class: 'case-timeline', id: 'case-timeline' },
    entries.map((entry) =>
      h(
        'li',
        { class: `tl-${entry.kind}`, data: { kind: entry.kind } },
        h('span', { class: 'tl-time' }, absolute ? absoluteTime(entry.at) : when(entry.at, nowMs)),
        h('span', { class: 'tl-kind' }, entry.kind),
        h('span', { class: 'tl-text' }, entry.text),
        entry.who === undefined ? null : h('span', { class: 'tl-who muted' }, ` — ${entry.who}`),
      ),
    ),
  );
}
