import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Route } from './config.ts';
import { parseStoredNotification } from './notification.ts';
import { routeNotification } from './route.ts';
import { sampleNotification } from './test-support/fixtures.ts';

const ROUTES: Route[] = [
  {
    name: 'page',
    minSeverity: 'critical',
    classifications: ['suspicious', 'unauthorized'],
    kinds: ['case-opened', 'case-escalated'],
    notify: ['pager', 'slack'],
  },
  {
    name: 'owners',
    minSeverity: 'info',
    classifications: null,
    kinds: ['verification-request'],
    notify: ['mail'],
  },
  { name: 'channel', minSeverity: 'medium', classifications: null, kinds: null, notify: ['slack', 'hook'] },
];

describe('routeNotification', () => {
  it('matches severity at or above the minimum, classification in the list, kind in the list', () => {
    assert.deepEqual(
      routeNotification(sampleNotification({ severity: 'critical', classification: 'unauthorized' }), ROUTES),
      ['pager', 'slack', 'hook'],
    );
    assert.deepEqual(
      routeNotification(sampleNotification({ severity: 'high', classification: 'unauthorized' }), ROUTES),
      ['slack', 'hook'],
    );
    assert.deepEqual(
      routeNotification(sampleNotification({ severity: 'critical', classification: 'rotation' }), ROUTES),
      ['slack', 'hook'],
    );
    assert.deepEqual(
      routeNotification(
        sampleNotification({ kind: 'case-resolved', severity: 'critical', classification: 'unauthorized' }),
        ROUTES,
      ),
      ['slack', 'hook'],
    );
  });

  it('does not match a classification list when the notification has none', () => {
    assert.deepEqual(
      routeNotification(sampleNotification({ severity: 'critical', classification: null }), ROUTES),
      ['slack', 'hook'],
    );
  });

  it('sends below every minimum nowhere, and routes verification requests by kind', () => {
    assert.deepEqual(routeNotification(sampleNotification({ severity: 'low' }), ROUTES), []);
    assert.deepEqual(
      routeNotification(sampleNotification({ kind: 'verification-request', severity: 'low' }), ROUTES),
      ['mail'],
    );
  });

  it('names each notifier once even when several routes name it', () => {
    const ids = routeNotification(
      sampleNotification({ severity: 'critical', classification: 'suspicious' }),
      [...ROUTES, ...ROUTES],
    );
    assert.deepEqual(ids, ['pager', 'slack', 'hook']);
  });

  it('routes nothing without routes', () => {
    assert.deepEqual(routeNotification(sampleNotification(), []), []);
  });
});

describe('parseStoredNotification', () => {
  it('gives back a notification that went through JSON', () => {
    const n = sampleNotification();
    assert.deepEqual(parseStoredNotification(JSON.parse(JSON.stringify(n))), { notification: n });
  });

  it('names what is wrong in a damaged record', () => {
    const n = sampleNotification() as unknown as Record<string, unknown>;
    const cases: [unknown, string][] = [
      [[], 'expected a JSON object'],
      [{ ...n, kind: 'case-closed' }, 'unknown kind "case-closed"'],
      [{ ...n, severity: 'severe' }, 'unknown severity "severe"'],
      [{ ...n, classification: 'odd' }, 'unknown classification "odd"'],
      [{ ...n, title: 3 }, 'title must be a string'],
      [{ ...n, caseId: 7 }, 'caseId must be a string or null'],
      [{ ...n, links: { confirm: 1 } }, 'links.confirm is not a link'],
      [{ ...n, recipient: false }, 'recipient must be a string'],
      [{ ...n, alert: 'x' }, 'alert must be an object'],
    ];
    for (const [raw, error] of cases) assert.deepEqual(parseStoredNotification(raw), { error });
  });
});
