// Test helpers for the responder: a temporary store with cases classified as the tests need.

import type { Classification } from '../../model/index.ts';
import { targetKeyOf } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import { makeAlert } from '../../store/test-support/store.contract.ts';
import { DEFAULT_RESPOND_CONFIG } from '../policy.ts';
import type { RespondConfig } from '../policy.ts';

export const ACCOUNT = '111122223333';
export const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);

let serial = 0;

/**
 * A case for `user` from one stored removal alert, classified as given (as an owner's "not me" leaves it). `actorArn`
 * makes the remover an assumed role; `anonymous` leaves the alert without a principal ARN or region (no partition).
 */
export async function classifiedCase(
  store: Store,
  user: string,
  classification: Classification = 'unauthorized',
  actorArn: string | null = null,
  anonymous = false,
): Promise<string> {
  const base = makeAlert(`alert-${++serial}-${user}`, { targetUser: user, eventTimeMs: T0 });
  const named =
    actorArn === null ? base : { ...base, actor: { ...base.actor, arn: actorArn, type: 'AssumedRole' } };
  const alert = anonymous
    ? { ...named, actor: { ...named.actor, arn: null }, event: { ...named.event, region: null } }
    : named;
  await store.insertAlerts([alert], T0 + 30_000);
  const opened = await store.openOrAttachCase({
    alert,
    targetKey: targetKeyOf(ACCOUNT, user),
    nowMs: T0 + 60_000,
    actor: 'system',
  });
  await store.updateCase(opened.case.id, { classification }, { actor: 'owner:test', nowMs: T0 + 60_000 });
  return opened.case.id;
}

export function enforcing(overrides: Partial<RespondConfig> = {}): RespondConfig {
  return {
    ...DEFAULT_RESPOND_CONFIG,
    mode: 'enforce',
    rules: [{ classifications: ['unauthorized'], actions: ['quarantine'], delayMs: 0, approval: 'none' }],
    ...overrides,
  };
}
