// The webhook notifier's contract harness (a real HTTP receiver on loopback, signatures checked) and its test config.

import assert from 'node:assert/strict';
import { verifyWebhookSignature } from '../signature.ts';
import { createWebhookNotifier } from '../webhook.ts';
import type { WebhookNotifierConfig } from '../config-schema.ts';
import type { Notification } from '../../../notification.ts';
import {
  COMMON_TEST_SETTINGS,
  NOW_MS,
  WEBHOOK_SECRET,
  httpFixture,
  testDeps,
  withoutVerificationLinks,
} from '../../../test-support/harness-kit.ts';
import { hostileNotification } from '../../../test-support/fixtures.ts';
import { closedPort, startHttpReceiver } from '../../../test-support/http-receiver.ts';
import type { NotifierHarness } from '../../../test-support/notifier.contract.ts';

export function webhookConfig(
  url: string,
  extra: Partial<WebhookNotifierConfig> = {},
): WebhookNotifierConfig {
  return { ...COMMON_TEST_SETTINGS, id: 'hook', kind: 'webhook', url, secretEnv: 'WEBHOOK_SECRET', ...extra };
}

export const HARNESS: NotifierHarness = {
  kind: 'webhook',
  maxWireBytes: 1024 * 1024,
  secrets: [WEBHOOK_SECRET],
  async setup() {
    const receiver = await startHttpReceiver();
    const notifier = createWebhookNotifier(webhookConfig(receiver.url), testDeps());
    const fixture = httpFixture(
      receiver,
      notifier,
      { transient: { status: 500 }, permanent: { status: 400, body: 'bad' } },
      (body) => ({ wire: body, shown: [] }),
    );
    return {
      ...fixture,
      accepted: () =>
        fixture.accepted().map((view, index) => {
          const request =
            receiver.requests.filter((r) => r.body === view.wire)[0] ?? receiver.requests[index]!;
          const verdict = verifyWebhookSignature(view.wire, request.headers, WEBHOOK_SECRET, NOW_MS);
          assert.deepEqual(verdict, { ok: true });
          return view;
        }),
    };
  },
  async unreachable() {
    const port = await closedPort();
    return {
      notifier: createWebhookNotifier(webhookConfig(`http://127.0.0.1:${port}/hook`), testDeps()),
      close: async () => {},
    };
  },
  checkHostile(view) {
    // Machines get the data itself: parsing the body gives back exactly what was sent (minus the owner's links).
    const parsed = JSON.parse(view.wire) as { version: number; notification: Notification };
    assert.equal(parsed.version, 1);
    assert.deepEqual(parsed.notification, withoutVerificationLinks(hostileNotification()));
    assert.ok(!/[<>&]/.test(view.wire), 'HTML-significant characters are \\u-escaped in the JSON text');
  },
};
