import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOTIFIER_CONFIG_SCHEMAS } from './config-schemas.ts';
import { parseNotifyConfig } from './config.ts';
import { NOTIFIER_KINDS } from './notification.ts';
import { NOTIFIER_FACTORIES, createNotifiers } from './registry.ts';
import { testDeps } from './test-support/harnesses.ts';

describe('notifier registry', () => {
  it('lists every kind once, in alphabetical order', () => {
    const keys = Object.keys(NOTIFIER_FACTORIES);
    assert.deepEqual(keys, [...keys].sort());
    assert.deepEqual(keys, [...NOTIFIER_KINDS]);
  });

  it('builds the configured notifiers by id from a parsed configuration', () => {
    const env = {
      WEBHOOK_SECRET: 'x'.repeat(32),
      PD_KEY: 'k'.repeat(32),
      SLACK_URL: 'https://hooks.slack.com/services/T/B/X',
    };
    const { notifiers, issues } = parseNotifyConfig(
      {
        notifiers: [
          { id: 'hook', kind: 'webhook', url: 'https://soar.example.com/h', secretEnv: 'WEBHOOK_SECRET' },
          { id: 'pd', kind: 'pagerduty', routingKeyEnv: 'PD_KEY' },
          { id: 'chat', kind: 'slack', urlEnv: 'SLACK_URL' },
          { id: 'topic', kind: 'sns', topicArn: 'arn:aws:sns:us-east-1:123456789012:t' },
          {
            id: 'mail',
            kind: 'email',
            host: 'smtp.example.com',
            from: 'a@example.com',
            to: ['b@example.com'],
          },
        ],
        routes: [{ notify: ['hook', 'pd', 'chat', 'topic', 'mail'] }],
      },
      'test.yaml',
      env,
    );
    assert.deepEqual(issues, []);
    const built = createNotifiers(notifiers, testDeps(env));
    assert.deepEqual(
      [...built.entries()].map(([id, n]) => [id, n.id, n.kind]),
      [
        ['hook', 'hook', 'webhook'],
        ['pd', 'pd', 'pagerduty'],
        ['chat', 'chat', 'slack'],
        ['topic', 'topic', 'sns'],
        ['mail', 'mail', 'email'],
      ],
    );
  });
});

it('every registered notifier has its config schema, and no schema lacks a notifier', () => {
  assert.deepEqual(Object.keys(NOTIFIER_CONFIG_SCHEMAS), Object.keys(NOTIFIER_FACTORIES));
  const sorted = [...Object.keys(NOTIFIER_CONFIG_SCHEMAS)].sort();
  assert.deepEqual(Object.keys(NOTIFIER_CONFIG_SCHEMAS), sorted, 'the registry is kept alphabetical');
  for (const [kind, schema] of Object.entries(NOTIFIER_CONFIG_SCHEMAS))
    assert.deepEqual(schema.shape.kind.def.values, [kind], `${kind}'s schema names another kind`);
});
