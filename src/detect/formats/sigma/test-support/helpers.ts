// Test support for the Sigma format: tiny rules from a detection block, and events from raw records.

import assert from 'node:assert/strict';
import type {
  AggregateRule,
  CloudTrailEvent,
  EventRule,
  EventViews,
  RawRecord,
  RuleLoadResult,
} from '../../../../model/index.ts';
import { loadSigmaRule } from '../loader.ts';

/** A minimal typed event around a raw record; Sigma rules read only `raw`, the correlation code `id` and `timeMs`. */
export function eventOf(raw: RawRecord, index = 0): CloudTrailEvent {
  const time = typeof raw.eventTime === 'string' ? raw.eventTime : '2024-01-01T00:00:00Z';
  return {
    id: typeof raw.eventID === 'string' ? raw.eventID : `event-${index}`,
    name: typeof raw.eventName === 'string' ? raw.eventName : '',
    source: typeof raw.eventSource === 'string' ? raw.eventSource : '',
    time,
    timeMs: Date.parse(time),
    type: null,
    category: null,
    account: null,
    region: null,
    sourceIp: null,
    sourceIpIsAddress: false,
    userAgent: null,
    outcome: 'unknown',
    errorCode: null,
    errorMessage: null,
    actor: {
      type: 'Unknown',
      arn: null,
      userName: null,
      principalId: null,
      accountId: null,
      accessKeyId: null,
      accessKeyKind: null,
      mfaAuthenticated: null,
      consoleSession: false,
      invokedBy: null,
      sessionIssuer: null,
    },
    target: { userName: null, serialNumber: null },
    mfaUsed: null,
    consoleLoginResult: null,
    readOnly: null,
    requestParameters: null,
    responseElements: null,
    additionalEventData: null,
    origin: { location: 'test', index },
    raw,
  };
}

export function viewsOf(raw: RawRecord): EventViews {
  const event = eventOf(raw);
  return { event, ecs: () => ({}) };
}

/** A whole Sigma rule around a detection block (indented by four spaces inside). */
export function sigmaRule(
  detection: string,
  head = 'title: Test rule\nid: 11111111-2222-4333-8444-555555555555\nlevel: high\n',
): string {
  return `${head}logsource:\n    product: aws\n    service: cloudtrail\ndetection:\n${detection
    .split('\n')
    .map((l) => (l === '' ? l : `    ${l}`))
    .join('\n')}\n`;
}

export function loadOk(
  text: string,
  path = 'test.yml',
): { result: RuleLoadResult & { status: 'ok' }; rule: EventRule } {
  const result = loadSigmaRule(path, text);
  assert.equal(result.status, 'ok', JSON.stringify(result, null, 1));
  if (result.status !== 'ok' || result.rule.kind !== 'event') throw new Error('expected an event rule');
  return { result, rule: result.rule };
}

export function loadAggregate(text: string, path = 'test.yml'): AggregateRule {
  const result = loadSigmaRule(path, text);
  assert.equal(result.status, 'ok', JSON.stringify(result, null, 1));
  if (result.status !== 'ok' || result.rule.kind !== 'aggregate')
    throw new Error('expected an aggregate rule');
  return result.rule;
}

/** Compiles `detection` and answers for each record whether it fires. */
export function fires(detection: string, ...records: RawRecord[]): boolean[] {
  const { rule } = loadOk(sigmaRule(detection));
  return records.map((r) => rule.matches(viewsOf(r)));
}
