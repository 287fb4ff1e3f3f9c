import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostileNotification, sampleNotification } from '../../test-support/fixtures.ts';
import { ROUTING_KEY, testDeps } from '../../test-support/harness-kit.ts';
import { pagerDutyConfig } from './test-support/harness.ts';
import { startHttpReceiver } from '../../test-support/http-receiver.ts';
import { PAGERDUTY_SEVERITY, buildPagerDutyEvent, createPagerDutyNotifier } from './pagerduty.ts';

const ACCEPTED = {
  status: 202,
  body: '{"status":"success","message":"Event processed","dedup_key":"case-42"}',
};

describe('pagerduty notifier', () => {
  it('triggers an Events v2 event keyed by the case id', async () => {
    const receiver = await startHttpReceiver(ACCEPTED, '/v2/enqueue');
    try {
      const result = await createPagerDutyNotifier(pagerDutyConfig(receiver.url), testDeps()).send(
        sampleNotification(),
      );
      assert.deepEqual(result, { ok: true, detail: 'HTTP 202 dedup_key=case-42' });
      const event = JSON.parse(receiver.requests[0]!.body) as Record<string, unknown>;
      assert.deepEqual(event, {
        routing_key: ROUTING_KEY,
        event_action: 'trigger',
        dedup_key: 'case-42',
        client: 'mfaguard',
        client_url: 'https://mfaguard.example.com/cases/case-42',
        payload: {
          summary: 'MFA removed: case opened: MFA removed from alice',
          source: 'aws:123456789012',
          severity: 'error',
          component: 'alice',
          group: '123456789012',
          class: 'mfa-deactivated',
          timestamp: '2026-03-02T10:15:00.000Z',
          custom_details: {
            notification_key: 'case-opened:case-42',
            kind: 'case-opened',
            case_id: 'case-42',
            severity: 'high',
            classification: 'suspicious',
            summary: 'mallory deactivated the MFA device of alice from 203.0.113.9.',
            target: 'alice',
            actor: 'mallory',
            source_ip: '203.0.113.9',
            user_agent: 'aws-cli/2.15',
            event: 'DeactivateMFADevice',
            event_time: '2026-03-02T10:15:00Z',
            region: 'us-east-1',
            reasons: [
              'source IP never seen for this actor',
              'removed by a session without MFA',
              'outside working hours',
            ],
          },
        },
        links: [{ href: 'https://mfaguard.example.com/cases/case-42', text: 'Open the case' }],
      });
    } finally {
      await receiver.close();
    }
  });

  it('resolves the incident when the case is resolved', async () => {
    const receiver = await startHttpReceiver(ACCEPTED, '/v2/enqueue');
    try {
      const result = await createPagerDutyNotifier(pagerDutyConfig(receiver.url), testDeps()).send(
        sampleNotification({ kind: 'case-resolved', dedupeKey: 'case-resolved:case-42' }),
      );
      assert.equal(result.ok, true);
      assert.deepEqual(JSON.parse(receiver.requests[0]!.body), {
        routing_key: ROUTING_KEY,
        event_action: 'resolve',
        dedup_key: 'case-42',
      });
    } finally {
      await receiver.close();
    }
  });

  it('refuses to resolve without a case id, without sending', async () => {
    const receiver = await startHttpReceiver(ACCEPTED, '/v2/enqueue');
    try {
      const result = await createPagerDutyNotifier(pagerDutyConfig(receiver.url), testDeps()).send(
        sampleNotification({ kind: 'case-resolved', caseId: null }),
      );
      assert.equal(!result.ok && result.retryable, false);
      assert.equal(receiver.requests.length, 0);
    } finally {
      await receiver.close();
    }
  });

  it('maps five severities onto four, and keeps the summary within 1024 characters', () => {
    assert.deepEqual(PAGERDUTY_SEVERITY, {
      critical: 'critical',
      high: 'error',
      medium: 'warning',
      low: 'info',
      info: 'info',
    });
    const event = buildPagerDutyEvent(
      hostileNotification({ severity: 'critical' }),
      pagerDutyConfig('http://x'),
      'k',
    ) as { payload: { summary: string; severity: string; component: string } };
    assert.equal(event.payload.severity, 'critical');
    assert.ok(event.payload.summary.length <= 1024 && event.payload.summary.endsWith('…'));
    assert.ok(!/[\r\n\u001b]/.test(event.payload.summary));
    assert.ok(event.payload.component.includes('\\u202e'), 'bidi override shown, not applied');
  });

  it('answers 429 as retryable with Retry-After and 400 as not retryable, without leaking the routing key', async () => {
    const receiver = await startHttpReceiver(
      {
        status: 400,
        body: '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect"]}',
      },
      '/v2/enqueue',
    );
    try {
      receiver.script.push({ status: 429, headers: { 'retry-after': '60' }, body: '' });
      const notifier = createPagerDutyNotifier(pagerDutyConfig(receiver.url), testDeps());
      const throttled = await notifier.send(sampleNotification());
      assert.deepEqual(throttled, {
        ok: false,
        retryable: true,
        retryAfterMs: 60_000,
        error: `pagerduty 'pd' at http://127.0.0.1:${receiver.port}: HTTP 429`,
      });
      const invalid = await notifier.send(sampleNotification());
      assert.equal(!invalid.ok && invalid.retryable, false);
      assert.match(!invalid.ok ? invalid.error : '', /HTTP 400: \{\\"status\\":\\"invalid event\\"/);
      assert.ok(!invalid.ok && !invalid.error.includes(ROUTING_KEY));
    } finally {
      await receiver.close();
    }
  });
});
