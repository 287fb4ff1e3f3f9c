import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNotifyConfig } from './config.ts';

const ENV = {
  HOOK_SECRET: 'x'.repeat(40),
  SLACK_URL: 'https://hooks.slack.com/services/T/B/X',
  PD_KEY: 'k'.repeat(32),
  SMTP_PASSWORD: 'pw',
};

const VALID = {
  notifiers: [
    {
      id: 'soar',
      kind: 'webhook',
      url: 'https://soar.example.com/hook',
      secretEnv: 'HOOK_SECRET',
      timeout: '5s',
      concurrency: 2,
    },
    { id: 'soc-slack', kind: 'slack', urlEnv: 'SLACK_URL' },
    { id: 'pager', kind: 'pagerduty', routingKeyEnv: 'PD_KEY' },
    { id: 'topic', kind: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:mfaguard.fifo' },
    {
      id: 'mail',
      kind: 'email',
      host: 'smtp.example.com',
      starttls: 'required',
      user: 'mfaguard',
      passwordEnv: 'SMTP_PASSWORD',
      from: 'mfaguard <mfaguard@example.com>',
      to: ['secops@example.com'],
    },
  ],
  routes: [
    {
      name: 'page',
      minSeverity: 'critical',
      classifications: ['suspicious', 'unauthorized'],
      notify: ['pager', 'soc-slack'],
    },
    { name: 'owners', kinds: ['verification-request'], notify: ['mail'] },
    { notify: ['soar', 'topic', 'soc-slack'] },
  ],
};

function withNotifier(notifier: Record<string, unknown>): unknown {
  return { notifiers: [notifier], routes: [{ notify: [notifier['id']] }] };
}

function messages(raw: unknown, env: Record<string, string> = ENV): string[] {
  return parseNotifyConfig(raw, 'mfaguard.yaml', env).issues.map((i) => `${i.level} ${i.message}`);
}

describe('parseNotifyConfig', () => {
  it('accepts every kind with defaults filled in and no issues', () => {
    const config = parseNotifyConfig(VALID, 'mfaguard.yaml', ENV);
    assert.deepEqual(config.issues, []);
    assert.deepEqual(
      config.notifiers.map((n) => n.id),
      ['soar', 'soc-slack', 'pager', 'topic', 'mail'],
    );
    const [webhook, slack, pager, topic, mail] = config.notifiers;
    assert.deepEqual(webhook, {
      id: 'soar',
      kind: 'webhook',
      url: 'https://soar.example.com/hook',
      secretEnv: 'HOOK_SECRET',
      timeoutMs: 5000,
      concurrency: 2,
      verificationLinks: false,
    });
    assert.deepEqual(slack, {
      id: 'soc-slack',
      kind: 'slack',
      url: null,
      urlEnv: 'SLACK_URL',
      timeoutMs: 10_000,
      verificationLinks: false,
    });
    assert.equal(pager?.kind === 'pagerduty' && pager.url, 'https://events.pagerduty.com/v2/enqueue');
    assert.equal(topic?.kind === 'sns' && topic.region, 'eu-west-1');
    assert.ok(mail?.kind === 'email');
    assert.equal(mail.port, 587);
    assert.equal(mail.starttls, 'required');
    assert.equal(mail.verificationLinks, true);
    assert.deepEqual(config.routes[0], {
      name: 'page',
      minSeverity: 'critical',
      classifications: ['suspicious', 'unauthorized'],
      kinds: null,
      notify: ['pager', 'soc-slack'],
    });
    assert.deepEqual(config.routes[2], {
      name: 'route 3',
      minSeverity: 'info',
      classifications: null,
      kinds: null,
      notify: ['soar', 'topic', 'soc-slack'],
    });
  });

  it('treats an absent section as no notifications', () => {
    assert.deepEqual(parseNotifyConfig(undefined, 'x', ENV), { notifiers: [], routes: [], issues: [] });
  });

  it('names every wrong input with its path, and keeps the valid rest', () => {
    const raw = {
      notifiers: [
        { id: 'a', kind: 'carrier-pigeon' },
        { id: 'b', kind: 'webhook', secretEnv: 'HOOK_SECRET' },
        { id: 'c', kind: 'webhook', url: 'ftp://x', secretEnv: 'not a name' },
        { id: 'd', kind: 'webhook', url: 'https://x.example', secretEnv: 'MISSING_VAR' },
        { id: 'e', kind: 'slack', url: 'https://hooks.slack.com/x', urlEnv: 'SLACK_URL' },
        { id: 'f', kind: 'sns', topicArn: 'arn:aws:s3:::bucket' },
        { id: 'g', kind: 'email', host: 'smtp', port: 70000, from: 'nobody', to: ['x'], starttls: 'maybe' },
        { id: 'h', kind: 'pagerduty', routingKeyEnv: 'PD_KEY', colour: 'red' },
        { id: 'h', kind: 'pagerduty', routingKeyEnv: 'PD_KEY' },
        { kind: 'pagerduty', routingKeyEnv: 'PD_KEY', timeout: 'forever' },
        'not a mapping',
        { id: 'k', kind: 'webhook', url: 'https://x.example', secretEnv: 'HOOK_SECRET', concurrency: 0 },
        { id: 'l', kind: 'webhook', url: 'https://x.example', secretEnv: 'HOOK_SECRET', concurrency: 2.5 },
      ],
      routes: [
        { minSeverity: 'severe', classifications: ['bad'], kinds: ['case-closed'], notify: ['h'] },
        { notify: ['nobody'] },
        { notify: [] },
      ],
    };
    const found = messages(raw);
    const expected = [
      "error notify.notifiers.0.kind: unknown notifier kind 'carrier-pigeon'",
      'error notify.notifiers.1.url: is required',
      "error notify.notifiers.2.url: expected an http(s) URL, got the scheme 'ftp:'",
      "error notify.notifiers.2.secretEnv: expected the name of an environment variable such as MFAGUARD_SECRET, got 'not a name'",
      'error notify.notifiers.3.secretEnv: environment variable MISSING_VAR is not set or empty',
      'error notify.notifiers.4: give exactly one of url and urlEnv',
      "error notify.notifiers.5.topicArn: expected an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:mfaguard, got 'arn:aws:s3:::bucket'",
      'error notify.notifiers.6.port: expected a port number from 1 to 65535, got 70000',
      "error notify.notifiers.6.starttls: expected required, opportunistic or off, got 'maybe'",
      "error notify.notifiers.6.from: expected an email address, got 'nobody'",
      "error notify.notifiers.6.to.0: expected an email address, got 'x'",
      "error notify.notifiers.7.colour: unknown setting 'colour'",
      "error notify.notifiers.8.id: duplicate notifier id 'h'",
      "error notify.notifiers.9.timeout: expected a duration between 1ms and 10m such as 500ms, 10s or 1m, got 'forever'",
      'error notify.notifiers.9.id: is required',
      "error notify.notifiers.10: expected a mapping, got 'not a mapping'",
      'error notify.notifiers.11.concurrency: expected a whole number of sends at once between 1 and 64, got 0',
      'error notify.notifiers.12.concurrency: expected a whole number of sends at once between 1 and 64, got 2.5',
      "error notify.routes.0.minSeverity: unknown severity 'severe'",
      "error notify.routes.0.classifications.0: unknown classification 'bad'",
      "error notify.routes.0.kinds.0: unknown notification kind 'case-closed'",
      "error notify.routes.1.notify: no notifier has the id 'nobody'",
      'error notify.routes.2.notify: a route must name at least one notifier id',
    ];
    for (const message of expected)
      assert.ok(
        found.some((f) => f.startsWith(message)),
        `missing issue: ${message}\nfound:\n${found.join('\n')}`,
      );
    const config = parseNotifyConfig(raw, 'mfaguard.yaml', ENV);
    // 7 has an unknown setting (a typo must not silently fall back to a default); 8 reuses 7's id.
    assert.deepEqual(
      config.notifiers.map((n) => n.id),
      [],
    );
    assert.ok(config.issues.every((i) => i.location === 'mfaguard.yaml' && i.code === 'notify-config'));
    assert.ok(
      config.issues.some((i) => i.hint?.includes('use one of: email, pagerduty, slack, sns, webhook')),
    );
  });

  it('warns about secrets in files, clear text and short secrets, and unused notifiers', () => {
    const found = messages(
      {
        notifiers: [
          { id: 's', kind: 'slack', url: 'https://hooks.slack.com/services/T/B/X' },
          { id: 'w', kind: 'webhook', url: 'http://soar.example.com/hook', secretEnv: 'SHORT' },
          {
            id: 'm',
            kind: 'email',
            host: 'smtp',
            from: 'a@b.c',
            user: 'u',
            passwordEnv: 'SMTP_PASSWORD',
            starttls: 'off',
          },
          { id: 'unused', kind: 'pagerduty', routingKeyEnv: 'PD_KEY' },
        ],
        routes: [{ notify: ['s', 'w', 'm'] }],
      },
      { ...ENV, SHORT: 'abc' },
    );
    for (const message of [
      'warning notify.notifiers.0.url: a Slack webhook URL is a secret',
      'warning notify.notifiers.1.url: a webhook over plain http',
      'warning notify.notifiers.1.secretEnv: the secret in SHORT is shorter than 32 characters',
      'warning notify.notifiers.2.starttls: the SMTP password would travel in clear text',
      'warning notify.notifiers.2.to: no addresses',
      "warning notify.notifiers: notifier 'unused' is named by no route",
    ]) {
      assert.ok(
        found.some((f) => f.startsWith(message)),
        `missing: ${message}\nfound:\n${found.join('\n')}`,
      );
    }
    assert.ok(!found.some((f) => f.startsWith('error')), found.join('\n'));
  });

  it('refuses line breaks in values that end up in headers', () => {
    const found = messages(
      withNotifier({ id: 'm', kind: 'email', host: 'smtp', from: 'a@b.c\r\nBcc: x@y.z', to: ['s@x.y'] }),
    );
    assert.ok(
      found.some((f) => f.startsWith('error notify.notifiers.0.from: must be one line')),
      found.join('\n'),
    );
  });

  it('checks that a Slack URL variable holds a URL and that a password has a user', () => {
    assert.ok(
      messages(withNotifier({ id: 's', kind: 'slack', urlEnv: 'PD_KEY' })).some((f) =>
        f.includes('does not hold an http(s) URL'),
      ),
    );
    assert.ok(
      messages(
        withNotifier({
          id: 'm',
          kind: 'email',
          host: 'h',
          from: 'a@b.c',
          to: ['a@b.c'],
          passwordEnv: 'SMTP_PASSWORD',
        }),
      ).some((f) => f.startsWith('error notify.notifiers.0.user: is required')),
    );
  });

  it('refuses a section that is not a mapping, and lists that are not lists', () => {
    assert.deepEqual(messages(['x']), ['error notify: expected a mapping, got ["x"]']);
    assert.ok(
      messages({ notifiers: 'soar', routes: {} }).some((f) =>
        f.startsWith("error notify.notifiers: expected a list, got 'soar'"),
      ),
    );
  });
});
