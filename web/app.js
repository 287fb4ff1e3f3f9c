// @ts-check
// The dashboard shell: sign-in (the organisation's provider, or a pasted bearer token), the KPI strip, hash routing
// between the views.

import { renderAlert, renderAlerts } from './alerts-view.js';
import { ApiError, clearToken, getKpis, getToken, setToken } from './api.js';
import { endSession, setCsrfToken, signInOffered, whoami } from './api.js';
import { renderApprovals } from './approvals-view.js';
import { renderCase } from './case-view.js';
import { renderCaseReport } from './case-report.js';
import { renderCases } from './cases-view.js';
import { h, replace } from './dom.js';
import { tokenProblem } from './format.js';
import { renderKpis } from './kpi-strip.js';
import { renderTokens } from './tokens-view.js';
import { parseRange, renderOverview } from './overview-view.js';
import { renderPosture } from './posture-view.js';

/** @typedef {import('./view-context.js').ViewContext} ViewContext */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`index.html lacks #${id}`);
  return element;
}

const loginSection = byId('login', HTMLElement);
const loginForm = byId('login-form', HTMLFormElement);
const loginMessage = byId('login-message', HTMLElement);
const tokenInput = byId('token', HTMLInputElement);
const appSection = byId('app', HTMLElement);
const nav = byId('nav', HTMLElement);
const signOut = byId('signout', HTMLButtonElement);
const person = byId('person', HTMLElement);
const ssoRow = byId('sso-row', HTMLElement);
const ssoLink = byId('sso', HTMLAnchorElement);
const banner = byId('banner', HTMLElement);
const kpiSection = byId('kpis', HTMLElement);
const view = byId('view', HTMLElement);

/** Bumped on every navigation: a view whose generation is stale drops its late answers. */
let generation = 0;
/** The signed-in person's name when the dashboard runs on a session cookie (OIDC sign-in); null otherwise. */
let sessionOf = /** @type {string | null} */ (null);
/** @type {ReturnType<typeof setTimeout> | undefined} */
let bannerTimer;
/** The page (hash) a banner was raised on: it belongs there and goes when the analyst goes elsewhere. */
let bannerPage = '';

/**
 * @param {string} message
 * @param {'error' | 'info'} kind
 */
function showBanner(message, kind) {
  clearTimeout(bannerTimer);
  bannerPage = location.hash;
  banner.className = `banner ${kind}`;
  replace(banner, message);
  banner.hidden = false;
  if (kind === 'info') bannerTimer = setTimeout(() => (banner.hidden = true), 4000);
}

/** @param {string} message shown above the token field; empty for none */
function showLogin(message) {
  generation += 1;
  appSection.hidden = true;
  nav.hidden = true;
  signOut.hidden = true;
  person.hidden = true;
  banner.hidden = true;
  sessionOf = null;
  setCsrfToken(null);
  ssoLink.href = `/auth/login?return=${encodeURIComponent(`/${location.hash || '#/cases'}`)}`;
  replace(view);
  replace(kpiSection);
  replace(loginMessage, message);
  loginMessage.hidden = message === '';
  loginSection.hidden = false;
  tokenInput.value = '';
  tokenInput.focus();
}

/** Shows the organisation sign-in button when the server offers it (asked once: it is the server's configuration). */
function offerSignIn() {
  signInOffered()
    .then((offered) => (ssoRow.hidden = !offered))
    .catch(() => (ssoRow.hidden = true));
}

/**
 * On load without a pasted token: a session cookie from a finished sign-in makes /api/whoami answer with the
 * person and the session's CSRF token; a 401 means nobody is signed in.
 */
function resumeSession() {
  whoami()
    .then((me) => {
      if (me.kind !== 'session') return showLogin('');
      sessionOf = me.displayName ?? me.name;
      setCsrfToken(me.csrfToken);
      replace(person, `${sessionOf} · ${me.role}`);
      route();
    })
    .catch((error) => {
      const expired = error instanceof ApiError && error.status === 401 && /session/.test(error.detail);
      showLogin(expired ? 'Your session has ended. Sign in again.' : '');
    });
}

/** @param {unknown} error */
function fail(error) {
  if (error instanceof ApiError && error.status === 401) {
    clearToken();
    if (sessionOf !== null) {
      showLogin('Your session has ended. Sign in again.');
      return;
    }
    showLogin(
      `Signed out: the server rejected the token (${error.detail || error.title}). Enter a valid token.`,
    );
    return;
  }
  if (error instanceof ApiError) {
    const hint = error.status === 403 ? ' Your token’s role does not allow this.' : '';
    const issues = error.issues.length > 0 ? ` — ${error.issues.join('; ')}` : '';
    showBanner(`${error.status === 0 ? '' : `${error.status} `}${error.message}${issues}${hint}`, 'error');
    return;
  }
  showBanner(error instanceof Error ? error.message : String(error), 'error');
  console.error(error);
}

/**
 * @param {number} gen
 * @returns {ViewContext}
 */
function contextFor(gen) {
  return {
    isCurrent: () => gen === generation,
    fail: (error) => {
      if (gen === generation) fail(error);
    },
    // A change that finishes after the analyst moved on reports nothing there: its banner belongs to its own page.
    flash: (message) => {
      if (gen === generation) showBanner(message, 'info');
    },
    navigate: (hash) => {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
    reload: () => route(),
    now: () => Date.now(),
  };
}

/** @param {string} section */
function markNav(section) {
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${section}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function route() {
  if (getToken() === null && sessionOf === null) {
    showLogin('');
    return;
  }
  generation += 1;
  const ctx = contextFor(generation);
  loginSection.hidden = true;
  appSection.hidden = false;
  nav.hidden = false;
  signOut.hidden = false;
  person.hidden = sessionOf === null;
  if (banner.classList.contains('error') || bannerPage !== location.hash) banner.hidden = true;

  const hash = location.hash === '' ? '#/overview' : location.hash;
  const [path = '', queryText = ''] = hash.slice(1).split('?', 2);
  const params = new URLSearchParams(queryText);
  const parts = path.split('/').filter((p) => p !== '');
  const [section = 'overview', rawId] = parts;
  let id = null;
  try {
    id = rawId === undefined ? null : decodeURIComponent(rawId);
  } catch {
    id = null;
  }
  markNav(section);
  // On the Overview the tiles follow its range picker; elsewhere they show this month and the last 30 days.
  const kpiRange = section === 'overview' ? parseRange(params, ctx.now()) : undefined;
  renderKpis(kpiSection, ctx.now(), kpiRange).catch(ctx.fail);
  /** @type {Promise<void>} */
  let rendering;
  if (section === 'cases' && id !== null && parts[2] === 'report')
    rendering = renderCaseReport(view, ctx, id);
  else if (section === 'cases' && id !== null) rendering = renderCase(view, ctx, id);
  else if (section === 'alerts' && id !== null) rendering = renderAlert(view, ctx, id, params);
  else if (section === 'alerts') rendering = renderAlerts(view, ctx, params);
  else if (section === 'approvals') rendering = renderApprovals(view, ctx);
  else if (section === 'tokens') rendering = renderTokens(view, ctx);
  else if (section === 'overview') rendering = renderOverview(view, ctx, params);
  else if (section === 'posture') rendering = renderPosture(view, ctx);
  else rendering = renderCases(view, ctx, params);
  rendering.catch(ctx.fail);
}

loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  const problem = tokenProblem(token);
  if (problem !== null) {
    replace(loginMessage, problem);
    loginMessage.hidden = false;
    return;
  }
  setToken(token);
  const gen = ++generation;
  replace(loginMessage, 'Checking the token…');
  loginMessage.hidden = false;
  // Check the token once before showing anything, so a typo is reported here and not as a broken page.
  const now = Date.now();
  getKpis(now - 60_000, now)
    .then(() => {
      if (gen === generation) route();
    })
    .catch((error) => {
      if (gen !== generation) return;
      if (error instanceof ApiError && error.status === 401) {
        clearToken();
        showLogin('That token was not accepted (401). Check it and try again.');
      } else {
        // The token may be fine and the server briefly away: keep it and say so.
        replace(loginMessage, error instanceof Error ? error.message : String(error));
      }
    });
});

signOut.addEventListener('click', () => {
  clearToken();
  if (sessionOf === null) {
    showLogin('Signed out.');
    return;
  }
  endSession()
    .then((providerLogout) => {
      showLogin('Signed out.');
      // Signed out here; the provider's page ends the sign-in there too, then sends the browser back.
      if (providerLogout !== null) location.assign(providerLogout);
    })
    .catch((error) => fail(error));
});

window.addEventListener('hashchange', route);
offerSignIn();
if (getToken() === null) resumeSession();
else route();
