// What the notifiers' contract harnesses (notifiers/<kind>/test-support/harness.ts) share: a fixed clock, test secrets,
// the notifier deps, and the fixture over a loopback HTTP receiver.

import type { NotifierDeps } from '../deps.ts';
import type { Notification } from '../notification.ts';
import type { HttpReceiver, ScriptedResponse } from './http-receiver.ts';
import type { ContractFixture, ReceivedView } from './notifier.contract.ts';

export const NOW_MS = Date.parse('2026-03-02T10:16:00Z');
export const WEBHOOK_SECRET = 'whsec-0123456789abcdef0123456789abcdef';
export const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
export const SLACK_PATH = '/services/T000/B000/SECRETxyz';

export function testDeps(env: Record<string, string> = {}): NotifierDeps {
  return {
    env: { WEBHOOK_SECRET, PD_KEY: ROUTING_KEY, ...env },
    now: () => NOW_MS,
  };
}

// The timeout only bounds how soon a broken receiver fails a test (tests of timeouts set their own, shorter one):
// 2 s once failed a delivery to the loopback SMTP receiver on a machine at load 35.
export const COMMON_TEST_SETTINGS = { timeoutMs: 20_000, verificationLinks: false };

/** Answers the receiver's script into transient/permanent failures and keeps the accepted requests. */
export function httpFixture(
  receiver: HttpReceiver,
  notifier: ContractFixture['notifier'],
  failures: { transient: ScriptedResponse; permanent: ScriptedResponse },
  view: (body: string) => ReceivedView,
): ContractFixture {
  const refused = new Set<number>();
  return {
    notifier,
    failNext(how) {
      refused.add(receiver.requests.length);
      receiver.script.push(failures[how]);
    },
    accepted: () => receiver.requests.filter((_r, index) => !refused.has(index)).map((r) => view(r.body)),
    close: () => receiver.close(),
  };
}

export function withoutVerificationLinks(n: Notification): Notification {
  return { ...n, links: { case: n.links?.case ?? '' } };
}
