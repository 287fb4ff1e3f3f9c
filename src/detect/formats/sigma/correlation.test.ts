import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudTrailEvent } from '../../../model/index.ts';
import { loadSigmaRule } from './loader.ts';
import { eventOf, loadAggregate } from './test-support/helpers.ts';

const base = (name: string, eventName: string): string => `title: ${name}
name: ${name}
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: ${eventName}
    condition: selection
`;

const correlation = (body: string): string =>
  `${base('failed_login', 'ConsoleLoginFailed')}---\n${base('deactivate', 'DeactivateMFADevice')}---\ntitle: Correlated\nid: c0ffee00-0000-4000-8000-000000000001\nlevel: high\ncorrelation:\n${body}`;

let seq = 0;
const ev = (
  eventName: string,
  second: number,
  user = 'alice',
  extra: Record<string, unknown> = {},
): CloudTrailEvent =>
  eventOf({
    eventID: `e${++seq}`,
    eventName,
    eventTime: new Date(Date.UTC(2024, 0, 1, 0, 0, second)).toISOString(),
    userIdentity: { userName: user },
    ...extra,
  });

void describe('Sigma correlations', () => {
  void it('event_count fires per group once the count is reached inside the timespan', () => {
    const rule = loadAggregate(
      correlation(
        '    type: event_count\n    rules: [failed_login]\n    group-by: [userIdentity.userName]\n    timespan: 1m\n    condition:\n        gte: 3\n',
      ),
    );
    assert.deepEqual([...(rule.eventNames ?? [])], ['ConsoleLoginFailed']);
    const events = [
      ev('ConsoleLoginFailed', 0),
      ev('ConsoleLoginFailed', 30),
      ev('ConsoleLoginFailed', 59, 'bob'),
      ev('ConsoleLoginFailed', 60),
      ev('ConsoleLoginFailed', 200),
    ];
    const hits = rule.evaluate(events);
    assert.equal(hits.length, 1);
    assert.deepEqual(hits[0]?.eventIds, [events[0]?.id, events[1]?.id, events[3]?.id]);
    assert.match(hits[0]?.summary ?? '', /3 events for userIdentity.userName=alice within 1m/);
    // Arrival order does not matter; the window edge (exactly 60s) counts once.
    assert.deepEqual(
      rule.evaluate([...events].reverse()).map((h) => h.eventIds),
      hits.map((h) => h.eventIds),
    );
    assert.equal(rule.evaluate(events.slice(0, 3)).length, 0);
  });

  void it('value_count counts distinct values', () => {
    const rule = loadAggregate(
      correlation(
        '    type: value_count\n    rules: [failed_login]\n    timespan: 10m\n    condition:\n        field: sourceIPAddress\n        gt: 1\n',
      ),
    );
    const a = ev('ConsoleLoginFailed', 0, 'alice', { sourceIPAddress: '1.1.1.1' });
    const b = ev('ConsoleLoginFailed', 5, 'alice', { sourceIPAddress: '1.1.1.1' });
    const c = ev('ConsoleLoginFailed', 9, 'alice', { sourceIPAddress: '2.2.2.2' });
    assert.equal(rule.evaluate([a, b]).length, 0);
    assert.equal(rule.evaluate([a, b, c]).length, 1);
  });

  void it('temporal needs every rule in the window; temporal_ordered also their order', () => {
    const t = loadAggregate(
      correlation(
        '    type: temporal\n    rules: [failed_login, deactivate]\n    group-by: [userIdentity.userName]\n    timespan: 5m\n',
      ),
    );
    const o = loadAggregate(
      correlation(
        '    type: temporal_ordered\n    rules: [failed_login, deactivate]\n    group-by: [userIdentity.userName]\n    timespan: 5m\n',
      ),
    );
    const inOrder = [ev('ConsoleLoginFailed', 0), ev('DeactivateMFADevice', 100)];
    const reversed = [ev('DeactivateMFADevice', 0), ev('ConsoleLoginFailed', 100)];
    const tooFar = [ev('ConsoleLoginFailed', 0), ev('DeactivateMFADevice', 400)];
    const otherUser = [ev('ConsoleLoginFailed', 0), ev('DeactivateMFADevice', 10, 'bob')];
    assert.deepEqual(
      [inOrder, reversed, tooFar, otherUser].map((e) => t.evaluate(e).length),
      [1, 1, 0, 0],
    );
    assert.deepEqual(
      [inOrder, reversed, tooFar, otherUser].map((e) => o.evaluate(e).length),
      [1, 0, 0, 0],
    );
    assert.equal(o.evaluate(inOrder)[0]?.event.name, 'DeactivateMFADevice');
  });

  void it('upper-bounded conditions are judged on whole windows', () => {
    const rule = loadAggregate(
      correlation(
        '    type: event_count\n    rules: [failed_login]\n    timespan: 1m\n    condition:\n        eq: 2\n',
      ),
    );
    assert.equal(rule.evaluate([ev('ConsoleLoginFailed', 0), ev('ConsoleLoginFailed', 10)]).length, 1);
    assert.equal(
      rule.evaluate([ev('ConsoleLoginFailed', 0), ev('ConsoleLoginFailed', 10), ev('ConsoleLoginFailed', 20)])
        .length,
      0,
    );
  });

  void it('rules outside the file, unknown types and bad timespans are reported', () => {
    const missing = loadSigmaRule(
      'c.yml',
      correlation('    type: temporal\n    rules: [elsewhere]\n    timespan: 5m\n'),
    );
    assert.match(missing.status === 'unsupported' ? missing.reason : '', /'elsewhere', not in this file/);
    const avg = loadSigmaRule(
      'c.yml',
      correlation('    type: value_avg\n    rules: [failed_login]\n    timespan: 5m\n'),
    );
    assert.equal(avg.status, 'unsupported');
    const bad = loadSigmaRule(
      'c.yml',
      correlation('    type: event_cnt\n    rules: [failed_login]\n    timespan: 5 minutes\n'),
    );
    assert.equal(bad.status, 'error');
    assert.deepEqual(bad.status === 'error' ? bad.issues.map((i) => i.line) : [], [25, 27]);
  });

  void it('v1 count() with timeframe works as event_count', () => {
    const rule = loadAggregate(`title: many
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: 'List*'
    timeframe: 10m
    condition: selection | count() by userIdentity.userName > 2
`);
    const events = [ev('ListUsers', 0), ev('ListRoles', 1), ev('ListKeys', 2), ev('ListKeys', 3, 'bob')];
    assert.equal(rule.evaluate(events).length, 1);
    assert.equal(rule.matches({ event: ev('GetUser', 0), ecs: () => ({}) }), false);
  });
});
