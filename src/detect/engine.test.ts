// Tests the engine: indexing by event name and source, rule order, and rules that throw.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompiledRule, EventRule, EventViews, RuleMeta } from '../model/index.ts';
import { createEngine } from './engine.ts';
import { makeEvent, viewsOf } from './test-support/event.ts';

function meta(id: string): RuleMeta {
  return {
    id,
    name: id,
    description: '',
    format: 'builtin',
    path: `${id}.yml`,
    severity: 'medium',
    riskScore: 47,
    mitre: [],
    falsePositives: [],
    investigationGuide: null,
    investigationFields: [],
    references: [],
    tags: [],
    maturity: null,
  };
}

/** A rule that records every event it is asked about, so the test sees what the index let through. */
function spyRule(
  id: string,
  pins: { names?: string[]; sources?: string[] },
  decide: (views: EventViews) => boolean,
  seen: string[],
): EventRule {
  return {
    kind: 'event',
    meta: meta(id),
    eventNames: pins.names === undefined ? null : new Set(pins.names),
    eventSources: pins.sources === undefined ? null : new Set(pins.sources),
    matches(views) {
      seen.push(`${id}:${views.event.name}`);
      return decide(views);
    },
  };
}

describe('engine', () => {
  it('asks only the rules whose pinned names or sources fit, plus the rules that pin nothing', () => {
    const seen: string[] = [];
    const rules: CompiledRule[] = [
      spyRule('by-name', { names: ['DeactivateMFADevice'] }, () => true, seen),
      spyRule('by-source', { sources: ['signin.amazonaws.com'] }, () => true, seen),
      spyRule('everywhere', {}, (v) => v.event.outcome === 'failure', seen),
    ];
    const engine = createEngine(rules);
    assert.equal(engine.rules.length, 3);

    const deactivate = engine.match(viewsOf(makeEvent()));
    assert.deepEqual(
      deactivate.rules.map((r) => r.meta.id),
      ['by-name'],
    );
    assert.deepEqual(seen.splice(0), ['by-name:DeactivateMFADevice', 'everywhere:DeactivateMFADevice']);

    const login = engine.match(
      viewsOf(makeEvent({ name: 'ConsoleLogin', source: 'signin.amazonaws.com', outcome: 'failure' })),
    );
    assert.deepEqual(
      login.rules.map((r) => r.meta.id),
      ['by-source', 'everywhere'],
    );
    assert.deepEqual(seen.splice(0), ['by-source:ConsoleLogin', 'everywhere:ConsoleLogin']);

    const other = engine.match(viewsOf(makeEvent({ name: 'GetObject', source: 's3.amazonaws.com' })));
    assert.deepEqual(other.rules, []);
    assert.deepEqual(seen.splice(0), ['everywhere:GetObject']);
  });

  it('returns fired rules in rule order, and the same answer on a cached second look', () => {
    const seen: string[] = [];
    const engine = createEngine([
      spyRule('c', {}, () => true, seen),
      spyRule('a', { names: ['DeactivateMFADevice'] }, () => true, seen),
      spyRule('b', { sources: ['iam.amazonaws.com'] }, () => true, seen),
    ]);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(
        engine.match(viewsOf(makeEvent())).rules.map((r) => r.meta.id),
        ['c', 'a', 'b'],
      );
    }
  });

  it('reports a rule that throws as an error naming the rule and the event, and goes on with the others', () => {
    const seen: string[] = [];
    const engine = createEngine([
      spyRule(
        'boom',
        {},
        () => {
          throw new Error('cannot read property x');
        },
        seen,
      ),
      spyRule('fine', {}, () => true, seen),
    ]);
    const result = engine.match(
      viewsOf(makeEvent({ id: 'evt-42', origin: { location: 'a.json.gz', index: 7 } })),
    );
    assert.deepEqual(
      result.rules.map((r) => r.meta.id),
      ['fine'],
    );
    assert.equal(result.issues.length, 1);
    const issue = result.issues[0];
    assert.equal(issue?.level, 'error');
    assert.equal(issue?.code, 'rule-evaluation-failed');
    assert.equal(issue?.ruleId, 'boom');
    assert.equal(issue?.rulePath, 'boom.yml');
    assert.equal(issue?.eventId, 'evt-42');
    assert.equal(issue?.location, 'a.json.gz');
    assert.equal(issue?.index, 7);
    assert.equal(issue?.message, 'rule boom (boom.yml) failed on event evt-42: cannot read property x');
  });

  it('an engine without rules matches nothing', () => {
    const result = createEngine([]).match(viewsOf(makeEvent()));
    assert.deepEqual([result.rules, result.issues], [[], []]);
  });
});
