// The generated EventBridge rule carries every event mfaguard consumes live: derived from the code's own lists.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildEventPattern, guardrailJson } from '../guardrails/index.ts';
import { POSTURE_EVENT_NAMES } from '../posture/index.ts';
import { RELEVANT_EVENT_NAMES } from './relevant-events.ts';
import { loadRuleSet } from './rule-set.ts';

// EventBridge delivers read-only calls (Get*, List*, Describe*) only to a rule in the state that includes read-only
// management events; without it they reach mfaguard through the trail alone (S3, SQS, LookupEvents).
const READ_ONLY = /^(Get|List|Describe)/;

function wantedNames(): string[] {
  const ruleNames = loadRuleSet({ builtin: true, paths: [] }).rules.flatMap((rule) => [
    ...(rule.eventNames ?? []),
  ]);
  return [...new Set([...RELEVANT_EVENT_NAMES, ...POSTURE_EVENT_NAMES, ...ruleNames])].sort();
}

it('the EventBridge rule names every event that live triage, the built-in rules and posture use, reads included', () => {
  const pattern = buildEventPattern();
  const carried = new Set(pattern.detail.eventName);
  assert.deepEqual(
    wantedNames().filter((name) => !carried.has(name)),
    [],
  );
  // The sources those names come from: IAM, sign-in and STS (the session probes).
  assert.deepEqual([...pattern.source].sort(), ['aws.iam', 'aws.signin', 'aws.sts']);
  assert.deepEqual([...pattern.detail.eventSource].sort(), [
    'iam.amazonaws.com',
    'signin.amazonaws.com',
    'sts.amazonaws.com',
  ]);
  assert.ok(pattern['detail-type'].includes('AWS Console Sign In via CloudTrail'));
  // And the rule is in the state that delivers the read-only ones.
  const json = guardrailJson('eventbridge') as { rule: { State: string } };
  assert.equal(json.rule.State, 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  // PutRule's EventPattern is at most 4096 characters (EventBridge API reference, Rule).
  assert.ok(
    JSON.stringify(pattern).length <= 4096,
    `pattern is ${JSON.stringify(pattern).length} characters`,
  );
});

it('without read-only events, every written event is still carried and the rule is plainly ENABLED', () => {
  const pattern = buildEventPattern({ readOnly: false });
  const carried = new Set(pattern.detail.eventName);
  assert.deepEqual(
    wantedNames().filter((name) => !READ_ONLY.test(name) && !carried.has(name)),
    [],
  );
  assert.ok(pattern.detail.eventName.every((name) => !READ_ONLY.test(name)));
  const json = guardrailJson('eventbridge', { readOnlyEvents: false }) as { rule: { State: string } };
  assert.equal(json.rule.State, 'ENABLED');
});
