import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageFacts } from '../../message.ts';
import { HOSTILE, hostileNotification, sampleNotification } from '../../test-support/fixtures.ts';
import { SLACK_PATH, testDeps } from '../../test-support/harness-kit.ts';
import { slackConfig } from './test-support/harness.ts';
import { startHttpReceiver } from '../../test-support/http-receiver.ts';
import { buildSlackMessage } from './blocks.ts';
import { createSlackNotifier } from './slack.ts';

interface Block {
  type: string;
  text?: { type: string; text: string; verbatim?: boolean };
  fields?: { type: string; text: string; verbatim?: boolean }[];
  elements?: { type: string; text: { text: string }; url: string; action_id: string; style?: string }[];
}

function blocksOf(n = sampleNotification(), verificationLinks = false): Block[] {
  return buildSlackMessage(messageFacts(n, { verificationLinks })).blocks as unknown as Block[];
}

describe('slack message', () => {
  it('has a header, the title and summary, the facts as fields, the top reasons and a case button', () => {
    const blocks = blocksOf();
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['header', 'section', 'section', 'section', 'actions'],
    );
    assert.deepEqual(blocks[0]!.text, {
      type: 'plain_text',
      text: 'MFA removed: case opened (high)',
      emoji: true,
    });
    assert.equal(
      blocks[1]!.text!.text,
      ':large_orange_circle: *MFA removed from alice*\nmallory deactivated the MFA device of alice from 203.0.113.9.',
    );
    assert.deepEqual(
      blocks[2]!.fields!.slice(0, 6).map((f) => f.text),
      [
        '*Severity*\nhigh',
        '*Classification*\nsuspicious',
        '*Target*\nalice',
        '*Actor*\nmallory',
        '*Source IP*\n203.0.113.9',
        '*Case*\ncase-42',
      ],
    );
    assert.ok(blocks[2]!.fields!.every((f) => f.type === 'mrkdwn' && f.verbatim === true));
    assert.equal(
      blocks[3]!.text!.text,
      '*Top reasons*\n• source IP never seen for this actor\n• removed by a session without MFA\n• outside working hours',
    );
    assert.deepEqual(
      blocks[4]!.elements!.map((e) => [e.text.text, e.url]),
      [['Open the case', 'https://mfaguard.example.com/cases/case-42']],
    );
    const message = buildSlackMessage(messageFacts(sampleNotification(), { verificationLinks: false }));
    assert.equal(message.text, 'MFA removed: case opened [high]: MFA removed from alice');
    assert.equal(message.unfurl_links, false);
  });

  it('shows verification buttons only when configured, and never a javascript: link', () => {
    const n = sampleNotification({
      kind: 'verification-request',
      links: { case: 'https://x.example/c', confirm: 'https://x.example/y', deny: 'https://x.example/n' },
    });
    assert.deepEqual(
      blocksOf(n)
        .at(-1)!
        .elements!.map((e) => e.action_id),
      ['mfaguard-case'],
    );
    const buttons = blocksOf(n, true).at(-1)!.elements!;
    assert.deepEqual(
      buttons.map((e) => [e.text.text, e.url, e.style]),
      [
        ['Open the case', 'https://x.example/c', undefined],
        ['Yes, this was me / planned', 'https://x.example/y', 'primary'],
        ['No, this was not me', 'https://x.example/n', 'danger'],
      ],
    );
    const hostile = blocksOf(hostileNotification(), true).at(-1)!.elements!;
    assert.deepEqual(
      hostile.map((e) => e.action_id),
      ['mfaguard-case', 'mfaguard-deny'],
    );
  });

  it('escapes mentions, links and formatting in attacker text, and keeps it on one line', () => {
    const blocks = blocksOf(hostileNotification());
    const actor = blocks[2]!.fields!.find((f) => f.text.startsWith('*Actor*'))!.text;
    assert.ok(
      actor.startsWith(
        '*Actor*\n&lt;!channel&gt; &lt;!here&gt; @\u2060here @\u2060channel &lt;@U12345&gt;x\\r\\nX-Injected: yes',
      ),
      actor,
    );
    const ip = blocks[2]!.fields!.find((f) => f.text.startsWith('*Source IP*'))!.text;
    assert.equal(ip, `*Source IP*\n&lt;http://evil.example|click here&gt;`);
    assert.ok(!blocks[1]!.text!.text.includes(HOSTILE.big), 'the 10 KB title is cut');
    assert.ok(blocks[1]!.text!.text.length <= 3000);
  });
});

describe('slack notifier', () => {
  it('posts the message as JSON to the webhook URL from the environment', async () => {
    const receiver = await startHttpReceiver({ status: 200, body: 'ok' }, SLACK_PATH);
    try {
      const result = await createSlackNotifier(slackConfig(), testDeps({ SLACK_URL: receiver.url })).send(
        sampleNotification(),
      );
      assert.deepEqual(result, { ok: true, detail: 'HTTP 200' });
      const [request] = receiver.requests;
      assert.equal(request?.path, SLACK_PATH);
      assert.equal(request.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(
        JSON.parse(request.body),
        JSON.parse(
          JSON.stringify({
            ...buildSlackMessage(messageFacts(sampleNotification(), { verificationLinks: false })),
            // Slack does not drop repeats; the stable key rides along so a repeat is recognisable.
            metadata: {
              event_type: 'mfaguard_notification',
              event_payload: {
                notification_key: sampleNotification().dedupeKey,
                kind: 'case-opened',
                case_id: 'case-42',
              },
            },
          }),
        ),
      );
    } finally {
      await receiver.close();
    }
  });

  it("answers Slack's 429 as retryable with its Retry-After, naming the host but not the secret path", async () => {
    const receiver = await startHttpReceiver(
      { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' },
      SLACK_PATH,
    );
    try {
      const result = await createSlackNotifier(slackConfig(), testDeps({ SLACK_URL: receiver.url })).send(
        sampleNotification(),
      );
      assert.deepEqual(result, {
        ok: false,
        retryable: true,
        retryAfterMs: 30_000,
        error: `slack 'slack' at http://127.0.0.1:${receiver.port}: HTTP 429: rate_limited`,
      });
    } finally {
      await receiver.close();
    }
  });

  it('answers 404 no_service and 410 channel_is_archived as not retryable', async () => {
    const receiver = await startHttpReceiver({ status: 410, body: 'channel_is_archived' }, SLACK_PATH);
    try {
      receiver.script.push({ status: 404, body: 'no_service' });
      const notifier = createSlackNotifier(slackConfig(), testDeps({ SLACK_URL: receiver.url }));
      for (const expected of ['HTTP 404: no_service', 'HTTP 410: channel_is_archived']) {
        const result = await notifier.send(sampleNotification());
        assert.equal(result.ok, false);
        assert.equal(!result.ok && result.retryable, false);
        assert.ok(!result.ok && result.error.endsWith(expected));
      }
    } finally {
      await receiver.close();
    }
  });
});
