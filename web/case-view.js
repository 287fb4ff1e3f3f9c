// @ts-check
// One case: its alerts with reasons and timelines, owner verifications, audit log, comments and the responder's controls.

import { addComment, approveAction, retryAction, transitionCase, undoAction, updateCase } from './api.js';
import { alertCard } from './alert-card.js';
import {
  classificationBadge,
  h,
  labelled,
  replace,
  select,
  severityBadge,
  stateBadge,
  stackedTable,
  table,
} from './dom.js';
import {
  CASE_TRANSITIONS,
  caseKindLabel,
  CLASSIFICATIONS,
  formatSeconds,
  SEVERITIES,
  TRANSITION_LABELS,
} from './format.js';
import { auditTable, downloadCaseJson, loadCaseBundle } from './case-report.js';
import { caseTimeline, timelineList } from './case-timeline.js';
import { when } from './when.js';

/** @typedef {import('./view-context.js').ViewContext} ViewContext */
/** @typedef {import('./api.js').CaseDetail} CaseDetail */
/** @typedef {import('./api.js').StoredAlert} StoredAlert */
/** @typedef {import('./api.js').CaseUpdate} CaseUpdate */
/** @typedef {import('./api.js').ResponseAction} ResponseAction */

/**
 * @param {CaseDetail} c
 * @param {ViewContext} ctx
 * @returns {HTMLElement}
 */
function controls(c, ctx) {
  const note = h('input', {
    type: 'text',
    name: 'note',
    id: 'transition-note',
    placeholder: 'note (optional)',
    maxLength: 2000,
  });
  const targets = CASE_TRANSITIONS[c.state] ?? [];
  const buttons = targets.map((to) =>
    h(
      'button',
      {
        type: 'button',
        class: `transition to-${to}`,
        data: { to },
        onClick: (event) => {
          const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
          button.disabled = true;
          transitionCase(c.id, to, note.value.trim())
            .then(() => {
              ctx.flash(`Case moved to ${to}.`);
              ctx.reload();
            })
            .catch((error) => {
              button.disabled = false;
              ctx.fail(error);
            });
        },
      },
      TRANSITION_LABELS[to],
    ),
  );

  const assignee = h('input', {
    type: 'text',
    name: 'assignee',
    value: c.assignee ?? '',
    placeholder: 'unassigned',
    maxLength: 256,
  });
  const severity = select('severity', SEVERITIES, c.severity, '(keep)');
  const classification = select('classification', CLASSIFICATIONS, c.classification ?? '', '(unclassified)');
  const update = h(
    'form',
    {
      class: 'inline-form',
      id: 'case-update',
      onSubmit: (event) => {
        event.preventDefault();
        /** @type {CaseUpdate} */
        const patch = {};
        const newAssignee = assignee.value.trim() === '' ? null : assignee.value.trim();
        if (newAssignee !== c.assignee) patch.assignee = newAssignee;
        const newSeverity = SEVERITIES.find((s) => s === severity.value);
        if (newSeverity !== undefined && newSeverity !== c.severity) patch.severity = newSeverity;
        const newClassification = CLASSIFICATIONS.find((k) => k === classification.value) ?? null;
        if (newClassification !== c.classification) patch.classification = newClassification;
        if (Object.keys(patch).length === 0) {
          ctx.flash('Nothing changed.');
          return;
        }
        updateCase(c.id, patch)
          .then(() => {
            ctx.flash('Case updated.');
            ctx.reload();
          })
          .catch(ctx.fail);
      },
    },
    labelled('Assignee', assignee),
    labelled('Severity', severity),
    labelled('Classification', classification),
    h('button', { type: 'submit' }, 'Save'),
  );

  return h(
    'section',
    { class: 'panel controls' },
    h('h3', null, 'Respond'),
    targets.length === 0
      ? h('p', { class: 'muted' }, 'This case is resolved: a later removal opens a new case.')
      : h('div', { class: 'transitions' }, note, buttons),
    update,
  );
}

/** Holds a person may lift with Approve (the API refuses the others: dry-run, protected). */
const APPROVABLE_HOLDS = ['approval', 'last-admin', 'no-posture', 'rate-limit'];
const ACTION_STATES = ['planned', 'applying', 'applied', 'failed', 'undone', 'refused'];

/**
 * @param {ResponseAction} action
 * @param {string} label
 * @param {(id: string) => Promise<unknown>} call
 * @param {string} done
 * @param {ViewContext} ctx
 * @returns {HTMLElement}
 */
function actionButton(action, label, call, done, ctx) {
  return h(
    'button',
    {
      type: 'button',
      class: `action-${label.toLowerCase()}`,
      data: { actionId: action.id },
      onClick: (event) => {
        const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
        button.disabled = true;
        call(action.id)
          .then(() => {
            ctx.flash(done);
            ctx.reload();
          })
          .catch((error) => {
            button.disabled = false;
            ctx.fail(error);
          });
      },
    },
    label,
  );
}

/**
 * The response: what mfaguard planned, applied and undid on this case, with why it waits, and Undo / Approve.
 * @param {ResponseAction[] | Error} actions
 * @param {ViewContext} ctx
 * @returns {HTMLElement}
 */
function responseActions(actions, ctx) {
  if (actions instanceof Error)
    return h(
      'section',
      { class: 'panel', id: 'response-actions' },
      h('h3', null, 'Response'),
      h('div', { class: 'error-box' }, actions.message),
    );
  return h(
    'section',
    { class: 'panel', id: 'response-actions' },
    h('h3', null, `Response (${actions.length})`),
    table(
      ['Action', 'State', 'Why', ''],
      actions.map((action) =>
        h(
          'tr',
          { data: { actionId: action.id, state: action.state } },
          h(
            'td',
            null,
            h('strong', null, action.kind),
            ` ${action.target.kind} ${action.target.name}`,
            (action.plan.steps ?? []).map((step) =>
              h('div', { class: 'muted step' }, `${step.api}: ${step.description}`),
            ),
            action.caution === null ? null : h('div', { class: 'muted caution' }, action.caution),
          ),
          h(
            'td',
            null,
            h(
              'span',
              { class: `badge action-${ACTION_STATES.includes(action.state) ? action.state : 'unknown'}` },
              action.state,
            ),
            action.hold === null ? null : h('div', { class: 'muted' }, action.hold),
          ),
          h(
            'td',
            { class: 'why' },
            action.holdReason ?? action.reason,
            action.approvedBy === null
              ? null
              : h('div', { class: 'muted' }, `approved by ${action.approvedBy}`),
            action.undoneBy === null
              ? null
              : h(
                  'div',
                  { class: 'muted' },
                  `undone by ${action.undoneBy}`,
                  ' ',
                  when(action.undoneAt, ctx.now()),
                ),
            action.error === null ? null : h('div', { class: 'error-box' }, action.error),
          ),
          h(
            'td',
            null,
            action.state === 'applied' && action.undoable
              ? actionButton(action, 'Undo', undoAction, 'Action undone.', ctx)
              : null,
            action.state === 'planned' && action.hold !== null && APPROVABLE_HOLDS.includes(action.hold)
              ? actionButton(action, 'Approve', approveAction, 'Action approved.', ctx)
              : null,
            action.state === 'failed'
              ? actionButton(action, 'Retry', retryAction, 'Action retried.', ctx)
              : null,
          ),
        ),
      ),
      'No response planned: the policy (respond: in the configuration) calls for none on this case yet.',
    ),
  );
}

/**
 * @param {CaseDetail} c
 * @param {ViewContext} ctx
 * @returns {HTMLElement}
 */
function comments(c, ctx) {
  const text = h('textarea', {
    name: 'text',
    id: 'comment-text',
    rows: 3,
    maxLength: 10000,
    required: true,
    placeholder: 'Add a comment for the team',
  });
  const submit = h('button', { type: 'submit' }, 'Comment');
  const form = h(
    'form',
    {
      id: 'comment-form',
      onSubmit: (event) => {
        event.preventDefault();
        const value = text.value.trim();
        if (value === '') return;
        submit.disabled = true;
        addComment(c.id, value)
          .then(() => {
            ctx.flash('Comment added.');
            ctx.reload();
          })
          .catch((error) => {
            submit.disabled = false;
            ctx.fail(error);
          });
      },
    },
    text,
    submit,
  );
  return h(
    'section',
    { class: 'panel', id: 'comments' },
    h('h3', null, `Comments (${c.comments.length})`),
    h(
      'ol',
      { class: 'comments' },
      c.comments.map((comment) =>
        h(
          'li',
          { class: 'comment' },
          h(
            'div',
            { class: 'comment-meta' },
            h('strong', null, comment.author),
            ' · ',
            when(comment.at, ctx.now()),
          ),
          h('div', { class: 'comment-text' }, comment.text),
        ),
      ),
    ),
    form,
  );
}

/**
 * @param {CaseDetail} c
 * @param {number} nowMs
 * @returns {HTMLElement}
 */
function audit(c, nowMs) {
  return h(
    'section',
    { class: 'panel', id: 'audit' },
    h('h3', null, 'Audit log'),
    auditTable(c, (at) => when(at, nowMs)),
  );
}

/**
 * @param {CaseDetail} c
 * @param {number} nowMs
 * @returns {HTMLElement}
 */
function verifications(c, nowMs) {
  return h(
    'section',
    { class: 'panel', id: 'verifications' },
    h('h3', null, 'Owner verification'),
    stackedTable(
      ['Owner', 'State', 'Sent', 'Deadline', 'Answered'],
      c.verifications.map((v) =>
        h(
          'tr',
          null,
          h('td', null, v.owner),
          h(
            'td',
            null,
            h(
              'span',
              {
                class: `badge ver-${['pending', 'confirmed', 'denied', 'expired'].includes(v.state) ? v.state : 'unknown'}`,
              },
              v.state,
            ),
          ),
          h('td', { class: 'time' }, when(v.createdAt, nowMs)),
          h('td', { class: 'time' }, when(v.expiresAt, nowMs)),
          h('td', { class: 'time' }, when(v.answeredAt, nowMs)),
        ),
      ),
      'The owner has not been asked.',
    ),
  );
}

/**
 * @param {HTMLElement} view
 * @param {ViewContext} ctx
 * @param {string} id
 * @returns {Promise<void>}
 */
export async function renderCase(view, ctx, id) {
  replace(view, h('p', { class: 'loading' }, 'Loading case…'));
  const bundle = await loadCaseBundle(id);
  if (!ctx.isCurrent()) return;
  const { case: c, alerts, actions, notifications } = bundle;
  const shownIds = c.alertIds.slice(0, alerts.length);
  const nowMs = ctx.now();

  const header = h(
    'section',
    { class: 'case-head' },
    h('a', { href: '#/cases', class: 'back' }, '← Cases'),
    h(
      'h2',
      { id: 'case-title' },
      h('span', { class: 'who' }, c.userName),
      c.account ? h('span', { class: 'muted' }, ` in ${c.account}`) : null,
    ),
    h(
      'div',
      { class: 'case-badges' },
      severityBadge(c.severity),
      stateBadge(c.state),
      classificationBadge(c.classification),
      h('span', { class: 'risk' }, `risk ${c.riskScore}`),
    ),
    h(
      'div',
      { class: 'case-export no-print' },
      h(
        'button',
        { type: 'button', id: 'export-json', onClick: () => downloadCaseJson(bundle, ctx.now()) },
        'Export JSON',
      ),
      h('a', { href: `#/cases/${encodeURIComponent(c.id)}/report`, id: 'report-link' }, 'Printable report'),
    ),
    h(
      'dl',
      { class: 'facts wide' },
      h('dt', null, 'Kind'),
      h('dd', { id: 'case-kind' }, caseKindLabel(c.kind)),
      h('dt', null, 'Assignee'),
      h('dd', null, c.assignee ?? 'unassigned'),
      h('dt', null, 'First event'),
      h('dd', null, when(c.firstEventAt, nowMs)),
      h('dt', null, 'Detected'),
      h('dd', null, when(c.detectedAt, nowMs)),
      h('dt', null, 'Opened'),
      h('dd', null, when(c.openedAt, nowMs)),
      h('dt', null, 'Resolved'),
      h(
        'dd',
        null,
        c.resolvedAt === null ? '—' : when(c.resolvedAt, nowMs),
        c.resolvedAt !== null && c.resolution ? ` (${c.resolution})` : null,
      ),
      h('dt', null, 'Vulnerable for'),
      h('dd', null, formatSeconds(c.vulnerabilityWindowSeconds)),
      h('dt', null, 'Case id'),
      h('dd', null, h('code', null, c.id)),
    ),
  );

  const alertSection = h(
    'section',
    { class: 'alerts', id: 'case-alerts' },
    h('h3', null, `Alerts (${c.alertIds.length})`),
    alerts.map((result, index) =>
      result instanceof Error
        ? h('div', { class: 'error-box' }, `Alert ${shownIds[index] ?? '?'}: ${result.message}`)
        : alertCard(result),
    ),
    c.alertIds.length > shownIds.length
      ? h(
          'p',
          { class: 'muted' },
          `${c.alertIds.length - shownIds.length} more alerts not shown; see Alerts.`,
        )
      : null,
  );

  replace(
    view,
    header,
    h(
      'div',
      { class: 'case-grid' },
      h(
        'div',
        { class: 'main-col' },
        h(
          'section',
          { class: 'panel', id: 'timeline' },
          h('h3', null, 'Timeline'),
          timelineList(caseTimeline(c, alerts, actions, notifications), nowMs),
        ),
        alertSection,
      ),
      h(
        'div',
        { class: 'side-col' },
        controls(c, ctx),
        responseActions(actions, ctx),
        verifications(c, nowMs),
        comments(c, ctx),
      ),
    ),
    audit(c, nowMs),
  );
}
