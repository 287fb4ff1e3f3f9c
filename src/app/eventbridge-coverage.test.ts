// The generated EventBridge rule carries every event mfaguard consumes live: derived from the code's own lists.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildEventPattern } from '../guardrails/index.ts';
import { POSTURE_EVENT_NAMES } from '../posture/index.ts';
import { RELEVANT_EVENT_NAMES } from './relevant-events.ts';
import { loadRuleSet } from './rule-set.ts';

// EventBridge's "AWS API Call via CloudTrail" does not deliver read-only calls (Get*, List*, Describe*): those reach
// mfaguard only through the trail (S3, SQS, LookupEvents), so they are not expected in the rule.
const READ_ONLY = /^(Get|List|Describe)/;

it('the EventBridge rule names every written event that live triage, the built-in rules and posture use', () => {
  const pattern = buildEventPattern();
  const carried = new Set(pattern.detail.eventName);
  const ruleNames = loadRuleSet({ builtin: true, paths: [] }).rules.flatMap((rule) => [
    ...(rule.eventNames ?? []),
  ]);
  const wanted = new Set([...RELEVANT_EVENT_NAMES, ...POSTURE_EVENT_NAMES, ...ruleNames]);
  const missing = [...wanted].filter((name) => !READ_ONLY.test(name) && !carried.has(name)).sort();
  assert.deepEqual(missing, []);
  // The sources those names come from, sign-in included.
  assert.deepEqual([...pattern.source].sort(), ['aws.iam', 'aws.signin']);
  assert.ok(pattern.detail.eventSource.includes('signin.amazonaws.com'));
  assert.ok(pattern['detail-type'].includes('AWS Console Sign In via CloudTrail'));
});
