// The slack notifier's contract harness (a real HTTP receiver on loopback playing Slack) and its test config.

import assert from 'node:assert/strict';
import { createSlackNotifier } from '../slack.ts';
import type { SlackNotifierConfig } from '../config-schema.ts';
import {
  COMMON_TEST_SETTINGS,
  SLACK_PATH,
  httpFixture,
  testDeps,
} from '../../../test-support/harness-kit.ts';
import { closedPort, startHttpReceiver } from '../../../test-support/http-receiver.ts';
import type { NotifierHarness, ReceivedView } from '../../../test-support/notifier.contract.ts';

export function slackConfig(extra: Partial<SlackNotifierConfig> = {}): SlackNotifierConfig {
  return { ...COMMON_TEST_SETTINGS, id: 'slack', kind: 'slack', url: null, urlEnv: 'SLACK_URL', ...extra };
}

function slackTexts(body: string): ReceivedView['shown'] {
  const message = JSON.parse(body) as {
    text: string;
    blocks: {
      text?: { type: string; text: string };
      fields?: { text: string }[];
      elements?: { url: string }[];
    }[];
  };
  const shown: { markup: 'slack' | 'text'; text: string }[] = [{ markup: 'slack', text: message.text }];
  for (const block of message.blocks) {
    if (block.text !== undefined)
      shown.push({ markup: block.text.type === 'mrkdwn' ? 'slack' : 'text', text: block.text.text });
    for (const f of block.fields ?? []) shown.push({ markup: 'slack', text: f.text });
    for (const e of block.elements ?? []) shown.push({ markup: 'text', text: e.url });
  }
  return shown;
}

export const HARNESS: NotifierHarness = {
  kind: 'slack',
  maxWireBytes: 40_000,
  secrets: [SLACK_PATH, 'SECRETxyz'],
  async setup() {
    const receiver = await startHttpReceiver({ status: 200, body: 'ok' }, SLACK_PATH);
    const notifier = createSlackNotifier(slackConfig(), testDeps({ SLACK_URL: receiver.url }));
    return httpFixture(
      receiver,
      notifier,
      { transient: { status: 500, body: 'rollup_error' }, permanent: { status: 404, body: 'no_service' } },
      (body) => ({ wire: body, shown: slackTexts(body) }),
    );
  },
  async unreachable() {
    const port = await closedPort();
    const notifier = createSlackNotifier(
      slackConfig(),
      testDeps({ SLACK_URL: `http://127.0.0.1:${port}${SLACK_PATH}` }),
    );
    return { notifier, close: async () => {} };
  },
  checkHostile(view) {
    const message = JSON.parse(view.wire) as {
      blocks: { type: string; text?: { text: string }; fields?: unknown[] }[];
    };
    const header = message.blocks.find((b) => b.type === 'header');
    assert.ok(header?.text !== undefined && header.text.text.length <= 150);
    for (const block of message.blocks) {
      if (block.text !== undefined)
        assert.ok(block.text.text.length <= 3000, `section text of ${block.text.text.length}`);
      assert.ok((block.fields?.length ?? 0) <= 10);
    }
    assert.ok(view.wire.includes('\\u0026lt;!channel\\u0026gt;'), 'the <!channel> is shown escaped');
  },
};
