import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Route } from './config.ts';
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
