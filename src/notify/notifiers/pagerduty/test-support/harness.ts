// The pagerduty notifier's contract harness (a real HTTP receiver on loopback playing the Events API) and its test config.

import assert from 'node:assert/strict';
import { createPagerDutyNotifier } from '../pagerduty.ts';
import type { PagerDutyNotifierConfig } from '../config-schema.ts';
import {
  COMMON_TEST_SETTINGS,
  ROUTING_KEY,
  httpFixture,
  testDeps,
} from '../../../test-support/harness-kit.ts';
import { closedPort, startHttpReceiver } from '../../../test-support/http-receiver.ts';
import type { NotifierHarness } from '../../../test-support/notifier.contract.ts';

export function pagerDutyConfig(
  url: string,
  extra: Partial<PagerDutyNotifierConfig> = {},
): PagerDutyNotifierConfig {
  return {
    ...COMMON_TEST_SETTINGS,
    id: 'pd',
    kind: 'pagerduty',
    url,
    routingKeyEnv: 'PD_KEY',
    source: 'mfaguard',
    ...extra,
  };
}

export const HARNESS: NotifierHarness = {
  kind: 'pagerduty',
  maxWireBytes: 512 * 1024,
  secrets: [ROUTING_KEY],
  async setup() {
    const receiver = await startHttpReceiver(
      { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"case-42"}' },
      '/v2/enqueue',
    );
    const notifier = createPagerDutyNotifier(pagerDutyConfig(receiver.url), testDeps());
    return httpFixture(
      receiver,
      notifier,
      {
        transient: { status: 500 },
        permanent: { status: 400, body: '{"status":"invalid event","message":"Event object is invalid"}' },
      },
      (body) => {
        const event = JSON.parse(body) as {
          payload: { summary: string; custom_details: Record<string, unknown> };
        };
        const details = Object.values(event.payload.custom_details)
          .flat()
          .filter((v): v is string => typeof v === 'string');
        return {
          wire: body,
          shown: [event.payload.summary, ...details].map((text) => ({ markup: 'text' as const, text })),
        };
      },
    );
  },
  async unreachable() {
    const port = await closedPort();
    return {
      notifier: createPagerDutyNotifier(pagerDutyConfig(`http://127.0.0.1:${port}/v2/enqueue`), testDeps()),
      close: async () => {},
    };
  },
  checkHostile(view) {
    const event = JSON.parse(view.wire) as { payload: { summary: string; severity: string } };
    assert.ok(event.payload.summary.length <= 1024);
    assert.equal(event.payload.severity, 'error');
  },
};
