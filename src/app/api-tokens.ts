// API token secrets: made and hashed here, where tokens are issued (`mfaguard token`, the admin token of `serve`);
// the HTTP API hashes what a request presents the same way to find it.

import { createHash, randomBytes } from 'node:crypto';

/** A new bearer token: 32 random bytes, prefixed so that secret scanners recognise a leaked one. */
export function generateApiToken(): string {
  return `mfg_${randomBytes(32).toString('base64url')}`;
}

/** Tokens are long and random, so one SHA-256 is enough: a stolen database yields no usable token. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
