// The notifier registry: alphabetical, every entry consistent with its folder, and configurations built through it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOTIFY_SECTION_SCHEMA } from './config-schemas.ts';
import { parseNotifyConfig } from './config.ts';
import { NOTIFIERS, NOTIFIER_KINDS, createNotifiers } from './registry.ts';
import { testDeps } from './test-support/harness-kit.ts';

describe('notifier registry', () => {
  it('lists every kind once, in alphabetical order, each under its own kind', () => {
    const keys = Object.keys(NOTIFIERS);
    assert.deepEqual(keys, [...keys].sort(), 'the registry is kept alphabetical');
    assert.deepEqual([...NOTIFIER_KINDS], keys);
    for (const [kind, definition] of Object.entries(NOTIFIERS)) {
      assert.equal(definition.kind, kind);
      assert.deepEqual(
        definition.settings.shape.kind.def.values,
        [kind],
        `${kind}'s schema names another kind`,
      );
      assert.ok(definition.label.length > 0);
    }
  });

  it('publishes every registered notifier in the notify section schema', () => {
    const schema = NOTIFY_SECTION_SCHEMA.unwrap().unwrap().shape.notifiers.unwrap().element;
    assert.deepEqual(schema.options.map((option) => option.shape.kind.def.values[0]).sort(), [
      ...NOTIFIER_KINDS,
    ]);
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
