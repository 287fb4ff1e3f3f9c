// @ts-check
// API tokens for a person's scripts: create one (its secret is shown once), list and revoke yours; an admin sees and
// revokes everyone's. Scripts with a token act as the person who made it: the audit log names them.

import { createToken, listTokens, revokeToken, whoami } from './api.js';
import { h, labelled, replace, select, stackedTable } from './dom.js';
import { when } from './when.js';

/** @typedef {import('./view-context.js').ViewContext} ViewContext */
/** @typedef {import('./api.js').ApiTokenInfo} ApiTokenInfo */

const ROLES = /** @type {const} */ (['viewer', 'responder', 'admin']);

/**
 * @param {ApiTokenInfo} token
 * @param {ViewContext} ctx
 * @returns {HTMLTableRowElement}
 */
function tokenRow(token, ctx) {
  const revoke =
    token.revokedAt === null
      ? h(
          'button',
          {
            type: 'button',
            class: 'revoke-token',
            data: { tokenId: token.id },
            onClick: (event) => {
              const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
              button.disabled = true;
              revokeToken(token.id)
                .then(() => {
                  ctx.flash(`Token “${token.name}” revoked.`);
                  ctx.reload();
                })
                .catch((error) => {
                  button.disabled = false;
                  ctx.fail(error);
                });
            },
          },
          'Revoke',
        )
      : null;
  return h(
    'tr',
    { data: { tokenId: token.id, kind: token.kind } },
    h('td', null, token.name),
    h('td', null, token.kind),
    h('td', null, token.role),
    h('td', null, token.displayName ?? token.subject ?? 'nobody (service token)'),
    h('td', { class: 'time' }, when(token.createdAt, ctx.now())),
    h('td', { class: 'time' }, token.revokedAt === null ? when(token.expiresAt, ctx.now()) : 'revoked'),
    h('td', null, revoke),
  );
}

/**
 * @param {HTMLElement} view
 * @param {ViewContext} ctx
 * @returns {Promise<void>}
 */
export async function renderTokens(view, ctx) {
  replace(view, h('p', { class: 'loading' }, 'Loading tokens…'));
  const [me, tokens] = await Promise.all([whoami(), listTokens()]);
  if (!ctx.isCurrent()) return;
  const name = h('input', { type: 'text', name: 'name', id: 'token-name', required: true, maxLength: 100 });
  const allowed = ROLES.slice(0, ROLES.indexOf(me.role) + 1);
  const role = select('role', allowed, me.role, '(choose)');
  const secret = h('p', { id: 'token-secret', class: 'secret', role: 'status' });
  secret.hidden = true;
  const form = h(
    'form',
    {
      id: 'token-form',
      class: 'inline-form',
      onSubmit: (event) => {
        event.preventDefault();
        const chosen = ROLES.find((r) => r === role.value) ?? me.role;
        createToken(name.value.trim(), chosen)
          .then((created) => {
            // Shown once, here only: the server keeps a hash.
            replace(secret, 'Copy it now, it is not shown again: ', h('code', null, created.token));
            secret.hidden = false;
            name.value = '';
            return listTokens();
          })
          .then((fresh) => {
            if (!ctx.isCurrent()) return;
            replace(list, tokenTable(fresh, ctx));
          })
          .catch(ctx.fail);
      },
    },
    labelled('What it is for', name),
    labelled('Role', role),
    h('button', { type: 'submit' }, 'Create token'),
  );
  const list = h('div', { id: 'tokens-list' }, tokenTable(tokens, ctx));
  replace(
    view,
    h(
      'section',
      { class: 'panel', id: 'tokens' },
      h('h2', null, 'API tokens'),
      h(
        'p',
        { class: 'muted' },
        me.role === 'admin'
          ? 'Everyone’s tokens and sessions. A script with a token acts as the person who created it.'
          : 'Your tokens and sessions. A script with one of your tokens acts as you, with at most your role.',
      ),
      form,
      secret,
      list,
    ),
  );
}

/**
 * @param {ApiTokenInfo[]} tokens
 * @param {ViewContext} ctx
 * @returns {HTMLTableElement}
 */
function tokenTable(tokens, ctx) {
  return stackedTable(
    ['Name', 'Kind', 'Role', 'Person', 'Created', 'Expires', ''],
    tokens.map((token) => tokenRow(token, ctx)),
    'No tokens yet.',
  );
}
