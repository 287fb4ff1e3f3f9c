// One contract harness per notifier kind: a real receiver on loopback (HTTP, SMTP) or the SDK mocked (SNS).

import assert from 'node:assert/strict';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type {
  EmailNotifierConfig,
  PagerDutyNotifierConfig,
  SlackNotifierConfig,
  SnsNotifierConfig,
  WebhookNotifierConfig,
} from '../config.ts';
import type { NotifierDeps } from '../deps.ts';
import type { ContractFixture, NotifierHarness, ReceivedView } from './notifier.contract.ts';
import type { Notification, NotifierKind } from '../notification.ts';
import { createEmailNotifier } from '../notifiers/email/email.ts';
import { createPagerDutyNotifier } from '../notifiers/pagerduty/pagerduty.ts';
import { createSlackNotifier } from '../notifiers/slack/slack.ts';
import { createSnsNotifier } from '../notifiers/sns/sns.ts';
import { verifyWebhookSignature } from '../notifiers/webhook/signature.ts';
import { createWebhookNotifier } from '../notifiers/webhook/webhook.ts';
import { hostileNotification } from './fixtures.ts';
import { closedPort, startHttpReceiver } from './http-receiver.ts';
import type { HttpReceiver, ScriptedResponse } from './http-receiver.ts';
import { parseMail, startSmtpReceiver } from './smtp-receiver.ts';

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

const common = { timeoutMs: 2000, verificationLinks: false };

export function webhookConfig(
  url: string,
  extra: Partial<WebhookNotifierConfig> = {},
): WebhookNotifierConfig {
  return { ...common, id: 'hook', kind: 'webhook', url, secretEnv: 'WEBHOOK_SECRET', ...extra };
}
export function slackConfig(extra: Partial<SlackNotifierConfig> = {}): SlackNotifierConfig {
  return { ...common, id: 'slack', kind: 'slack', url: null, urlEnv: 'SLACK_URL', ...extra };
}
export function pagerDutyConfig(
  url: string,
  extra: Partial<PagerDutyNotifierConfig> = {},
): PagerDutyNotifierConfig {
  return {
    ...common,
    id: 'pd',
    kind: 'pagerduty',
    url,
    routingKeyEnv: 'PD_KEY',
    source: 'mfaguard',
    ...extra,
  };
}
export function snsConfig(extra: Partial<SnsNotifierConfig> = {}): SnsNotifierConfig {
  return {
    ...common,
    id: 'topic',
    kind: 'sns',
    topicArn: 'arn:aws:sns:us-east-1:123456789012:mfaguard',
    region: 'us-east-1',
    endpoint: null,
    ...extra,
  };
}
export function emailConfig(port: number, extra: Partial<EmailNotifierConfig> = {}): EmailNotifierConfig {
  return {
    ...common,
    id: 'mail',
    kind: 'email',
    host: '127.0.0.1',
    port,
    secure: false,
    starttls: 'opportunistic',
    user: null,
    passwordEnv: null,
    from: 'mfaguard <mfaguard@example.com>',
    to: ['secops@example.com'],
    subjectPrefix: '[mfaguard]',
    ...extra,
  };
}

/** Answers the receiver's script into transient/permanent failures and keeps the accepted requests. */
function httpFixture(
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

function withoutVerificationLinks(n: Notification): Notification {
  return { ...n, links: { case: n.links?.case ?? '' } };
}

const webhook: NotifierHarness = {
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

const slack: NotifierHarness = {
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

const pagerduty: NotifierHarness = {
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

const sns: NotifierHarness = {
  kind: 'sns',
  maxWireBytes: 256 * 1024,
  secrets: [],
  setup() {
    const mock = mockClient(SNSClient);
    const accepted: PublishCommandInput[] = [];
    const failures: ('transient' | 'permanent')[] = [];
    mock.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      const failure = failures.shift();
      if (failure !== undefined) {
        const name = failure === 'transient' ? 'ThrottledException' : 'AuthorizationErrorException';
        throw Object.assign(
          new Error(failure === 'transient' ? 'Rate exceeded' : 'not authorized to publish'),
          {
            name,
            $fault: 'client',
            $metadata: { httpStatusCode: failure === 'transient' ? 429 : 403 },
          },
        );
      }
      accepted.push(input);
      return { MessageId: `m-${accepted.length}` };
    });
    return Promise.resolve({
      notifier: createSnsNotifier(snsConfig(), testDeps()),
      failNext: (how) => failures.push(how),
      accepted: () =>
        accepted.map((input) => ({
          wire: JSON.stringify(input),
          shown: [
            { markup: 'text', text: input.Subject ?? '' },
            { markup: 'json', text: input.Message ?? '' },
          ],
        })),
      close: () => {
        mock.restore();
        return Promise.resolve();
      },
    });
  },
  async unreachable() {
    const port = await closedPort();
    const config = snsConfig({ endpoint: `http://127.0.0.1:${port}` });
    const client = new SNSClient({
      region: 'us-east-1',
      endpoint: config.endpoint ?? '',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
      maxAttempts: 1,
    });
    const notifier = createSnsNotifier(config, { ...testDeps(), snsClient: () => client });
    return {
      notifier,
      close: () => {
        client.destroy();
        return Promise.resolve();
      },
    };
  },
  checkHostile(view) {
    const input = JSON.parse(view.wire) as PublishCommandInput;
    assert.ok((input.Subject ?? '').length < 100);
    assert.match(input.Subject ?? '', /^[\x20-\x7e]+$/);
    assert.equal(input.MessageAttributes?.['severity']?.StringValue, 'high');
    const message = JSON.parse(input.Message ?? '') as { notification: Notification };
    assert.equal(message.notification.title, hostileNotification().title);
  },
};

const email: NotifierHarness = {
  kind: 'email',
  maxWireBytes: 512 * 1024,
  secrets: [],
  async setup() {
    const receiver = await startSmtpReceiver();
    const notifier = createEmailNotifier(emailConfig(receiver.port), testDeps());
    return {
      notifier,
      failNext: (how) =>
        receiver.script.push(
          how === 'transient'
            ? { code: 451, message: 'try again later' }
            : { code: 550, message: 'mailbox unavailable' },
        ),
      accepted: () =>
        receiver.mails.map((mail) => {
          const parsed = parseMail(mail.raw);
          // The wire as a person's mail client sees it: headers as sent, bodies decoded.
          const wire = `${parsed.headerLines.join('\r\n')}\r\n\r\n${parsed.text}\r\n${parsed.html}`;
          return {
            wire,
            shown: [
              { markup: 'text', text: parsed.subject },
              { markup: 'text', text: parsed.text },
              { markup: 'html', text: parsed.html },
            ],
          };
        }),
      close: () => receiver.close(),
    };
  },
  async unreachable() {
    const port = await closedPort();
    return { notifier: createEmailNotifier(emailConfig(port), testDeps()), close: async () => {} };
  },
  checkHostile(view) {
    const lines = view.wire.split('\r\n\r\n')[0]!.split('\r\n');
    assert.ok(!lines.some((line) => /^x-injected/i.test(line)), 'no injected header');
    const subject = view.shown[0]!.text;
    assert.ok(!/[\r\n]/.test(subject) && subject.length <= 200, `subject: ${subject.slice(0, 80)}`);
    assert.ok(view.shown[2]!.text.includes('&lt;script&gt;'), 'HTML shows the script tag as text');
  },
};

export const HARNESSES: Readonly<Record<NotifierKind, NotifierHarness>> = {
  email,
  pagerduty,
  slack,
  sns,
  webhook,
};
