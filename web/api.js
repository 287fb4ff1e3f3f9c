// @ts-check
// The dashboard's only door to the server: JSON requests to /api with a bearer token or the session cookie (plus its
// CSRF token), problem+json errors.

/** @typedef {import('../src/model/index.ts').Severity} Severity */
/** @typedef {import('../src/model/index.ts').Classification} Classification */
/** @typedef {import('../src/store/store.ts').CaseState} CaseState */
/** @typedef {import('../src/model/index.ts').Alert} Alert */
/** @typedef {import('../src/store/store.ts').CaseAuditAction} CaseAuditAction */
/** @typedef {import('../src/store/store.ts').VerificationState} VerificationState */
/** @typedef {import('../src/store/store.ts').KpiSnapshot} KpiSnapshot durations stay numbers (ms, seconds) */
/**
 * @template T
 * @typedef {{ items: T[], nextCursor: string | null }} Page
 */

// The wire shapes: the store's types with times as ISO 8601 strings (src/api/resources.ts).

/**
 * @typedef {object} StoredAlert
 * @property {Alert} alert the `scan` schema
 * @property {string} [eventTime] when CloudTrail says it happened (the alert's event.time)
 * @property {string} detectedAt
 * @property {string} [incidentId] the removal's eventID correlation tied it to (its own eventID when none)
 * @property {string} updatedAt
 * @property {string | null} caseId
 * @property {import('../src/model/index.ts').CaseState | null} [caseState] the case's state now (the list and one alert)
 * @property {import('../src/model/index.ts').Classification | null} [caseClassification] the case's classification now
 */

/**
 * @typedef {Omit<import('../src/store/store.ts').Case, 'openedAt' | 'firstEventAt' | 'detectedAt' | 'resolvedAt' | 'updatedAt'> & {
 *   openedAt: string, firstEventAt: string, detectedAt: string, resolvedAt: string | null, updatedAt: string
 * }} Case
 */

/** @typedef {{ id: string, author: string, text: string, at: string }} CaseComment */

/**
 * @typedef {object} CaseAuditEntry
 * @property {string} id
 * @property {string} at
 * @property {string} actor
 * @property {CaseAuditAction} action
 * @property {Readonly<Record<string, unknown>> | null} before
 * @property {Readonly<Record<string, unknown>> | null} after
 */

/**
 * @typedef {object} Verification
 * @property {string} id
 * @property {string} owner
 * @property {VerificationState} state
 * @property {string} createdAt
 * @property {string} expiresAt
 * @property {string | null} answeredAt
 * @property {string | null} escalatedAt
 */

/**
 * @typedef {Case & {
 *   alertIds: string[], comments: CaseComment[], audit: CaseAuditEntry[], verifications: Verification[]
 * }} CaseDetail
 */

/**
 * @typedef {object} StoredApproval
 * @property {string} id
 * @property {string} ticket
 * @property {string} user
 * @property {string | null} actor
 * @property {string | null} account
 * @property {string} from
 * @property {string} to
 * @property {string} approver
 * @property {string} createdBy
 * @property {string} createdAt
 * @property {string | null} revokedAt
 * @property {string | null} revokedBy
 */

/** sessionStorage, not localStorage: the token dies with the tab and is not shared with other tabs. */
const TOKEN_KEY = 'mfaguard.token';

/** An answer other than 2xx, from its problem+json body when there is one. */
export class ApiError extends Error {
  /**
   * @param {number} status 0 when the server could not be reached
   * @param {string} title
   * @param {string} detail
   * @param {readonly string[]} [issues] one line per invalid field (400s)
   */
  constructor(status, title, detail, issues = []) {
    super(detail === '' ? title : `${title}: ${detail}`);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.issues = issues;
  }
}

/** @returns {string | null} */
export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** @param {string} token */
export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: nothing was stored either.
  }
}

/**
 * A signed-in person's session lives in an HttpOnly cookie the page never sees; what the page keeps is the session's
 * CSRF token (from /api/whoami), sent on every state-changing request. Null: no session known.
 * @type {string | null}
 */
let csrfToken = null;

/** @param {string | null} token */
export function setCsrfToken(token) {
  csrfToken = token;
}

/** @typedef {Readonly<Record<string, string | number | null | undefined>>} Query */

/**
 * @param {string} path absolute, starting with /api/
 * @param {Query} [query] empty, null and undefined values are left out
 * @returns {string}
 */
export function apiUrl(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

/** @param {string} id */
const seg = (id) => encodeURIComponent(id);

/**
 * @param {unknown} body
 * @param {number} status
 * @param {string} statusText
 * @returns {ApiError}
 */
function errorFrom(body, status, statusText) {
  if (typeof body === 'object' && body !== null) {
    const problem = /** @type {Record<string, unknown>} */ (body);
    const title = typeof problem['title'] === 'string' ? problem['title'] : statusText || `HTTP ${status}`;
    const detail = typeof problem['detail'] === 'string' ? problem['detail'] : '';
    const issues = Array.isArray(problem['issues'])
      ? problem['issues'].map((issue) =>
          typeof issue === 'object' && issue !== null && typeof issue.message === 'string'
            ? issue.message
            : JSON.stringify(issue),
        )
      : [];
    return new ApiError(status, title, detail, issues);
  }
  return new ApiError(
    status,
    statusText || `HTTP ${status}`,
    typeof body === 'string' ? body.slice(0, 200) : '',
  );
}

/**
 * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method
 * @param {string} url
 * @param {unknown} [body]
 * @returns {Promise<unknown>}
 */
export async function request(method, url, body) {
  const token = getToken();
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  // A pasted token is sent as a bearer token and cookies are left out; without one, the session cookie is the key.
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  else if (csrfToken !== null && method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  /** @type {RequestInit} */
  const init = {
    method,
    headers,
    cache: 'no-store',
    credentials: token === null ? 'same-origin' : 'omit',
    redirect: 'error',
  };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ApiError(0, 'Cannot reach the server', error instanceof Error ? error.message : String(error));
  }
  const text = await response.text();
  /** @type {unknown} */
  let data = null;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      if (response.ok)
        throw new ApiError(response.status, 'Unexpected answer', 'the server did not send JSON');
      data = text;
    }
  }
  if (!response.ok) throw errorFrom(data, response.status, response.statusText);
  return data;
}

/**
 * @typedef {object} WhoAmI
 * @property {string} id
 * @property {string} name
 * @property {'viewer' | 'responder' | 'admin'} role
 * @property {'token' | 'session'} kind
 * @property {string | null} subject
 * @property {string | null} displayName
 * @property {string | null} csrfToken
 */

/** @returns {Promise<WhoAmI>} */
export async function whoami() {
  return /** @type {WhoAmI} */ (await request('GET', '/api/whoami'));
}

/**
 * @typedef {{
 *   id: string, name: string, role: 'viewer' | 'responder' | 'admin', kind: 'token' | 'session',
 *   subject: string | null, displayName: string | null, createdBy: string, createdAt: string,
 *   expiresAt: string | null, revokedAt: string | null
 * }} ApiTokenInfo
 */

/** @returns {Promise<ApiTokenInfo[]>} yours, or everyone's for an admin */
export async function listTokens() {
  const page = /** @type {{ items: ApiTokenInfo[] }} */ (await request('GET', '/api/tokens'));
  return page.items;
}

/**
 * @param {string} name
 * @param {'viewer' | 'responder' | 'admin'} role
 * @returns {Promise<ApiTokenInfo & { token: string }>} the secret is in this answer only
 */
export async function createToken(name, role) {
  return /** @type {ApiTokenInfo & { token: string }} */ (
    await request('POST', '/api/tokens', { name, role })
  );
}

/** @param {string} id */
export async function revokeToken(id) {
  await request('DELETE', `/api/tokens/${seg(id)}`);
}

/** @returns {Promise<boolean>} whether the server offers sign-in with the organisation's provider */
export async function signInOffered() {
  const status = /** @type {{ signIn?: unknown }} */ (await request('GET', '/auth/status'));
  return status.signIn === true;
}

/**
 * Ends the session on the server (the cookie is cleared by its answer).
 * @returns {Promise<string | null>} the provider's logout page to go to next (its sign-in ends too), or null
 */
export async function endSession() {
  const answer = /** @type {{ providerLogout?: unknown }} */ (await request('POST', '/auth/logout'));
  csrfToken = null;
  const url = typeof answer.providerLogout === 'string' ? answer.providerLogout : null;
  // Only a web address: the server built it from the provider's metadata, and nothing else is a place to go.
  return url !== null && /^https?:\/\//.test(url) ? url : null;
}

/**
 * @param {Query} query
 * @returns {Promise<Page<StoredAlert>>}
 */
export async function listAlerts(query) {
  return /** @type {Page<StoredAlert>} */ (await request('GET', apiUrl('/api/alerts', query)));
}

/**
 * @param {string} id
 * @returns {Promise<StoredAlert>}
 */
export async function getAlert(id) {
  return /** @type {StoredAlert} */ (await request('GET', `/api/alerts/${seg(id)}`));
}

/**
 * @param {Query} query
 * @returns {Promise<Page<Case>>}
 */
export async function listCases(query) {
  return /** @type {Page<Case>} */ (await request('GET', apiUrl('/api/cases', query)));
}

/**
 * @param {string} id
 * @returns {Promise<CaseDetail>}
 */
export async function getCase(id) {
  return /** @type {CaseDetail} */ (await request('GET', `/api/cases/${seg(id)}`));
}

/**
 * @param {string} id
 * @param {CaseState} to
 * @param {string} note empty: no note
 * @returns {Promise<unknown>}
 */
export function transitionCase(id, to, note) {
  return request('POST', `/api/cases/${seg(id)}/transition`, note === '' ? { to } : { to, note });
}

/**
 * @typedef {{
 *   id: string, caseId: string, kind: string, title: string,
 *   target: { kind: string, account: string | null, name: string },
 *   state: string, hold: string | null, holdReason: string | null, undoable: boolean, caution: string | null,
 *   plan: { steps?: { api: string, description: string }[] }, notes: string[], reason: string,
 *   approvedBy: string | null, createdAt: string, appliedAt: string | null, undoneAt: string | null, undoneBy: string | null,
 *   error: string | null
 * }} ResponseAction
 */

/**
 * @typedef {{
 *   id: string, kind: string, channel: string, state: 'pending' | 'sent' | 'dead', attempts: number,
 *   title: string | null, createdAt: string, sentAt: string | null, lastError: string | null
 * }} CaseNotification
 */

/**
 * @param {string} caseId
 * @returns {Promise<CaseNotification[]>}
 */
export async function listCaseNotifications(caseId) {
  const page = /** @type {{ items: CaseNotification[] }} */ (
    await request('GET', `/api/cases/${seg(caseId)}/notifications`)
  );
  return page.items;
}

/**
 * @param {string} caseId
 * @returns {Promise<ResponseAction[]>}
 */
export async function listActions(caseId) {
  const page = /** @type {{ items: ResponseAction[] }} */ (
    await request('GET', `/api/cases/${seg(caseId)}/actions`)
  );
  return page.items;
}

/**
 * @param {string} id
 * @returns {Promise<unknown>}
 */
export function approveAction(id) {
  return request('POST', `/api/actions/${seg(id)}/approve`);
}

/**
 * A failed action, retried now (recorded calls resent; IAM is read first, so nothing is applied twice).
 * @param {string} id
 * @returns {Promise<unknown>}
 */
export function retryAction(id) {
  return request('POST', `/api/actions/${seg(id)}/retry`);
}

/**
 * @param {string} id
 * @returns {Promise<unknown>}
 */
export function undoAction(id) {
  return request('POST', `/api/actions/${seg(id)}/undo`, { note: 'undone from the dashboard' });
}

/**
 * @param {string} id
 * @param {string} text
 * @returns {Promise<unknown>}
 */
export function addComment(id, text) {
  return request('POST', `/api/cases/${seg(id)}/comments`, { text });
}

/**
 * @typedef {object} CaseUpdate
 * @property {string | null} [assignee]
 * @property {Severity} [severity]
 * @property {Classification | null} [classification]
 */

/**
 * @param {string} id
 * @param {CaseUpdate} patch
 * @returns {Promise<unknown>}
 */
export function updateCase(id, patch) {
  return request('PATCH', `/api/cases/${seg(id)}`, patch);
}

/** @returns {Promise<StoredApproval[]>} */
export async function listApprovals() {
  const data = await request('GET', '/api/approvals');
  // Accept both a bare array and a `{ items }` page, whichever the server settles on.
  if (Array.isArray(data)) return /** @type {StoredApproval[]} */ (data);
  const items =
    typeof data === 'object' && data !== null ? /** @type {{ items?: unknown }} */ (data).items : null;
  return Array.isArray(items) ? /** @type {StoredApproval[]} */ (items) : [];
}

/**
 * @typedef {object} ApprovalInput
 * @property {string} ticket
 * @property {string} user
 * @property {string} [actor]
 * @property {string} [account]
 * @property {string} from ISO 8601
 * @property {string} [to] ISO 8601; either this or `window`
 * @property {string} [window] e.g. `2h`, `30m`
 * @property {string} approver
 */

/**
 * @param {ApprovalInput} input
 * @returns {Promise<unknown>}
 */
export function createApproval(input) {
  return request('POST', '/api/approvals', input);
}

/**
 * Revokes an approval: a later removal no longer matches it. The server records who revoked it.
 * @param {string} id
 * @returns {Promise<StoredApproval>}
 */
export async function revokeApproval(id) {
  return /** @type {StoredApproval} */ (await request('DELETE', `/api/approvals/${seg(id)}`));
}

/**
 * @param {number} fromMs
 * @param {number} toMs
 * @returns {Promise<KpiSnapshot>}
 */
export async function getKpis(fromMs, toMs) {
  const query = { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
  return /** @type {KpiSnapshot} */ (await request('GET', apiUrl('/api/kpis', query)));
}

/** @typedef {import('../src/cases/index.ts').KpiTrends} KpiTrends the wire shape already (times as ISO strings) */

/**
 * @param {{ fromMs: number, toMs: number, bucket: string | null }} range bucket null: the server picks
 * @returns {Promise<KpiTrends>}
 */
export async function getKpiTrends(range) {
  const query = {
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    bucket: range.bucket,
  };
  return /** @type {KpiTrends} */ (await request('GET', apiUrl('/api/kpis/trends', query)));
}

/**
 * @typedef {object} PostureFact
 * @property {string} userName
 * @property {string} fact
 * @property {string} change
 * @property {string} eventName
 * @property {string} eventId
 * @property {string} at
 */

/**
 * @typedef {object} AccountPosture
 * @property {string} accountId
 * @property {'audit' | 'events'} source
 * @property {string} takenAt
 * @property {number} ageSeconds
 * @property {string} auditedAt
 * @property {number} auditAgeSeconds
 * @property {{ at?: number, reason?: string } | null} lastAuditError
 * @property {number} consoleUsers
 * @property {number} consoleUsersWithMfa
 * @property {number | null} consoleMfaPercent
 * @property {number} mfaEnforcedByPolicy
 * @property {number | null} cisScore
 * @property {{ since: string | null, facts: PostureFact[] }} fromEvents
 * @property {{ counts: Record<string, number>, failing: { checkId: string, status: string, severity: string, resource: { type: string, name: string }, message: string }[], truncated: boolean }} findings
 */

/** @returns {Promise<{ now: string, accounts: AccountPosture[] }>} */
export async function getPosture() {
  return /** @type {{ now: string, accounts: AccountPosture[] }} */ (
    await request('GET', apiUrl('/api/posture'))
  );
}
