// @ts-check
// Change approvals: the list (with a revoke that asks first), and a form to record one before a planned MFA device swap.

import { createApproval, listApprovals, revokeApproval } from './api.js';
import { h, labelled, replace, stackedTable } from './dom.js';
import { formatTime, parseLocalDateTime } from './format.js';

/** @typedef {import('./view-context.js').ViewContext} ViewContext */
/** @typedef {import('./api.js').StoredApproval} StoredApproval */
/** @typedef {import('./api.js').ApprovalInput} ApprovalInput */

/**
 * @param {StoredApproval} approval
 * @param {number} nowMs
 * @returns {string}
 */
export function approvalStatus(approval, nowMs) {
  if (approval.revokedAt !== null) return 'revoked';
  const from = Date.parse(approval.from);
  const to = Date.parse(approval.to);
  if (nowMs < from) return 'upcoming';
  if (nowMs >= to) return 'expired';
  return 'active';
}

/**
 * @param {string} value
 * @returns {string}
 */
function pad2(value) {
  return value.padStart(2, '0');
}

/**
 * The analyst's local time as a `datetime-local` value.
 * @param {number} ms
 * @returns {string}
 */
function localInputValue(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(String(d.getMonth() + 1))}-${pad2(String(d.getDate()))}T${pad2(String(d.getHours()))}:${pad2(String(d.getMinutes()))}`;
}

/**
 * @param {HTMLFormElement} form
 * @param {string} name
 * @returns {string}
 */
function field(form, name) {
  const control = form.elements.namedItem(name);
  return control instanceof HTMLInputElement ? control.value.trim() : '';
}

/**
 * @param {HTMLFormElement} form
 * @returns {ApprovalInput | string} the input, or what is wrong with the form
 */
export function approvalFromForm(form) {
  const ticket = field(form, 'ticket');
  const user = field(form, 'user');
  const approver = field(form, 'approver');
  const fromMs = parseLocalDateTime(field(form, 'from'));
  const toText = field(form, 'to');
  const window = field(form, 'window');
  if (ticket === '' || user === '' || approver === '') return 'Ticket, user and approver are required.';
  if (fromMs === null) return 'Give a valid start time.';
  /** @type {ApprovalInput} */
  const input = { ticket, user, approver, from: new Date(fromMs).toISOString() };
  const actor = field(form, 'actor');
  const account = field(form, 'account');
  if (actor !== '') input.actor = actor;
  if (account !== '') {
    if (!/^\d{12}$/.test(account)) return 'An AWS account id has 12 digits.';
    input.account = account;
  }
  if (toText !== '') {
    const toMs = parseLocalDateTime(toText);
    if (toMs === null) return 'Give a valid end time.';
    if (toMs <= fromMs) return 'The end must be after the start.';
    input.to = new Date(toMs).toISOString();
  } else if (window !== '') {
    if (!/^\d+\s*[mhd]$/i.test(window)) return 'Window looks like 30m, 2h or 1d.';
    input.window = window.replace(/\s+/g, '').toLowerCase();
  } else {
    return 'Give either an end time or a window.';
  }
  return input;
}

/**
 * The Revoke button of an approval still in force or to come, and its confirm step in the same cell: revoking is not
 * undoable (a removal the approval covered would then raise a case), so a second, explicit click is asked for. The
 * question names the ticket and user as text (never markup); Escape or Cancel goes back, focus follows each step.
 * @param {StoredApproval} approval
 * @param {ViewContext} ctx
 * @returns {HTMLElement}
 */
function revokeControl(approval, ctx) {
  const cell = h('div', { class: 'revoke-approval', data: { approvalId: approval.id } });
  const name = `${approval.ticket} for ${approval.user}`;
  /** @param {boolean} focus */
  const ask = (focus) => {
    const start = h(
      'button',
      { type: 'button', class: 'revoke', label: `Revoke approval ${name}`, onClick: () => confirmStep() },
      'Revoke…',
    );
    replace(cell, start);
    if (focus) start.focus();
  };
  const confirmStep = () => {
    const yes = h('button', { type: 'button', class: 'danger confirm-revoke' }, 'Yes, revoke');
    const no = h('button', { type: 'button', class: 'cancel-revoke', onClick: () => ask(true) }, 'Cancel');
    const group = h(
      'div',
      { role: 'group', label: `Confirm revoking ${name}`, class: 'confirm' },
      h('span', null, `Revoke ${name}? A matching removal will then be a case.`),
      ' ',
      yes,
      ' ',
      no,
    );
    group.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') ask(true);
    });
    yes.addEventListener('click', () => {
      yes.disabled = true;
      no.disabled = true;
      revokeApproval(approval.id)
        .then(() => {
          ctx.flash(`Approval ${approval.ticket} revoked.`);
          ctx.reload();
        })
        .catch((error) => {
          ask(true);
          ctx.fail(error);
        });
    });
    replace(cell, group);
    // The safe choice has the focus: Enter right after the first click does not revoke.
    no.focus();
  };
  ask(false);
  return cell;
}

/**
 * @param {StoredApproval} approval
 * @param {number} now
 * @param {ViewContext} ctx
 * @returns {HTMLTableRowElement}
 */
function approvalRow(approval, now, ctx) {
  const a = approval;
  const status = approvalStatus(a, now);
  const revocable = status === 'active' || status === 'upcoming';
  return h(
    'tr',
    { data: { approvalId: a.id, status } },
    h('td', null, a.ticket),
    h('td', null, a.user),
    h('td', null, a.actor ?? 'anyone'),
    h('td', null, a.account ?? 'any'),
    h('td', { class: 'time' }, formatTime(a.from)),
    h('td', { class: 'time' }, formatTime(a.to)),
    h('td', null, a.approver),
    h('td', null, a.createdBy),
    h(
      'td',
      null,
      h('span', { class: `badge appr-${status}` }, status),
      a.revokedAt === null
        ? null
        : h('span', { class: 'revoked-by' }, ` by ${a.revokedBy ?? 'unknown'}, ${formatTime(a.revokedAt)}`),
    ),
    h('td', null, revocable ? revokeControl(a, ctx) : null),
  );
}

/**
 * @param {HTMLElement} view
 * @param {ViewContext} ctx
 * @returns {Promise<void>}
 */
export async function renderApprovals(view, ctx) {
  const message = h('p', { class: 'form-message', id: 'approval-message', role: 'status' });
  const form = h(
    'form',
    {
      class: 'panel approval-form',
      id: 'approval-form',
      onSubmit: (event) => {
        event.preventDefault();
        const input = approvalFromForm(form);
        if (typeof input === 'string') {
          replace(message, input);
          return;
        }
        replace(message, 'Saving…');
        createApproval(input)
          .then(() => {
            ctx.flash(`Approval ${input.ticket} recorded.`);
            ctx.reload();
          })
          .catch((error) => {
            replace(message);
            ctx.fail(error);
          });
      },
    },
    h('h3', null, 'New approval'),
    h(
      'div',
      { class: 'grid-form' },
      labelled(
        'Ticket',
        h('input', { type: 'text', name: 'ticket', required: true, placeholder: 'CHG-123', maxLength: 256 }),
      ),
      labelled(
        'Target user',
        h('input', {
          type: 'text',
          name: 'user',
          required: true,
          placeholder: 'IAM user name',
          maxLength: 256,
        }),
      ),
      labelled(
        'Actor (optional)',
        h('input', { type: 'text', name: 'actor', placeholder: 'who removes the device', maxLength: 256 }),
      ),
      labelled(
        'Account (optional)',
        h('input', { type: 'text', name: 'account', placeholder: '123456789012', maxLength: 256 }),
      ),
      labelled(
        'From (local time)',
        h('input', {
          type: 'datetime-local',
          name: 'from',
          required: true,
          value: localInputValue(ctx.now()),
        }),
      ),
      labelled(
        'Window',
        h('input', { type: 'text', name: 'window', value: '2h', placeholder: '2h', maxLength: 16 }),
      ),
      labelled('or until (local time)', h('input', { type: 'datetime-local', name: 'to' })),
      labelled('Approver', h('input', { type: 'text', name: 'approver', required: true, maxLength: 256 })),
    ),
    h('button', { type: 'submit' }, 'Record approval'),
    message,
  );
  const list = h('div', { class: 'loading' }, 'Loading approvals…');
  replace(view, h('h2', null, 'Approvals'), list, form);

  const approvals = await listApprovals();
  if (!ctx.isCurrent()) return;
  const now = ctx.now();
  const t = stackedTable(
    ['Ticket', 'User', 'Actor', 'Account', 'From', 'To', 'Approver', 'Created by', 'Status', ''],
    approvals.map((a) => approvalRow(a, now, ctx)),
    'No approvals yet.',
  );
  t.id = 'approvals-table';
  replace(list, t);
  list.className = '';
}
