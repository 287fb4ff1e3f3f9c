// @ts-check
// The alerts page's own calls beside api.js: the stored CloudTrail record of an alert, and bulk triage of cases.

import { request } from './api.js';

/**
 * @typedef {object} AlertRecord
 * @property {string} alertId
 * @property {string} eventId
 * @property {unknown} record the CloudTrail record as delivered: attacker-controlled throughout
 */

/**
 * @typedef {object} BulkChange
 * @property {string[]} caseIds
 * @property {'assign' | 'classify' | 'resolve'} action
 * @property {string | null} [assignee]
 * @property {string | null} [classification]
 * @property {string} [note]
 */

/**
 * @param {string} id
 * @returns {Promise<AlertRecord>}
 */
export async function getAlertRecord(id) {
  return /** @type {AlertRecord} */ (await request('GET', `/api/alerts/${encodeURIComponent(id)}/record`));
}

/**
 * All the cases change or none (the server answers 404/409 naming the case that could not).
 * @param {BulkChange} change
 * @returns {Promise<{ updated: { id: string, state: string, classification: string | null, assignee: string | null }[] }>}
 */
export async function bulkTriage(change) {
  return /** @type {{ updated: { id: string, state: string, classification: string | null, assignee: string | null }[] }} */ (
    await request('POST', '/api/cases/bulk', change)
  );
}
