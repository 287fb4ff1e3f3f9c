// The `serve` and `notify` sections of the configuration file: defaults, values, and every wrong value named.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InputIssue } from '../model/index.ts';
import { UsageError } from '../model/index.ts';
import { DEFAULT_SERVE_CONFIG, parseConfig } from './config.ts';

function problems(yaml: string, env?: Record<string, string>): InputIssue[] {
  try {
    parseConfig(yaml, 'c.yml', env === undefined ? {} : { env });
  } catch (error) {
    assert.ok(error instanceof UsageError);
    return [...error.issues];
  }
  assert.fail('expected the configuration to be refused');
}

describe('serve and notify configuration', () => {
  it('defaults when absent', () => {
    const config = parseConfig('{}', 'c.yml');
    assert.deepEqual(config.serve, DEFAULT_SERVE_CONFIG);
    assert.deepEqual(config.notify, { notifiers: [], routes: [], issues: [] });
  });

  it('reads every serve setting', () => {
    const config = parseConfig(
      `serve:
  publicUrl: https://mfaguard.example.com/
  verificationTtl: 2h
  deliveryLag: 5m
  ownerTagKeys: [OwnerEmail]
  escalateConfirmedAt: critical
  logLevel: warn
  http:
    listenBacklog: 4096
    keepAliveTimeout: 75s
    headersTimeout: 10s
    requestTimeout: 2m
`,
      'c.yml',
    );
    assert.deepEqual(config.serve, {
      publicUrl: 'https://mfaguard.example.com',
      verificationTtlMs: 2 * 3_600_000,
      deliveryLagMs: 5 * 60_000,
      ownerTagKeys: ['OwnerEmail'],
      escalateConfirmedAt: 'critical',
      signIn: null,
      logLevel: 'warn',
      http: {
        listenBacklog: 4096,
        keepAliveTimeoutMs: 75_000,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 120_000,
      },
    });
  });

  it('defaults the HTTP settings above a load balancer’s idle timeout and Node’s listen backlog', () => {
    const http = parseConfig('serve:\n  logLevel: info\n', 'c.yml').serve?.http;
    assert.deepEqual(http, {
      listenBacklog: 2048,
      keepAliveTimeoutMs: 65_000,
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 60_000,
    });
    assert.deepEqual(DEFAULT_SERVE_CONFIG.http, http);
  });

  it('names wrong HTTP settings by path', () => {
    const found = problems(`serve:
  http:
    listenBacklog: 0
    keepAliveTimeout: 0s
    headersTimeout: 5m
    nagle: off
`);
    assert.deepEqual(found.map((issue) => issue.path).sort(), [
      'serve.http.headersTimeout',
      'serve.http.keepAliveTimeout',
      'serve.http.listenBacklog',
      'serve.http.nagle',
    ]);
  });

  it('names every wrong serve value by path', () => {
    const found = problems(`serve:
  publicUrl: ftp://user:pw@example.com
  verificationTtl: 10s
  deliveryLag: soon
  escalateConfirmedAt: sometimes
  ownerTagKeys: owner
  colour: blue
`);
    assert.deepEqual(found.map((issue) => issue.path).sort(), [
      'serve.colour',
      'serve.deliveryLag',
      'serve.escalateConfirmedAt',
      'serve.ownerTagKeys',
      'serve.publicUrl',
      'serve.verificationTtl',
    ]);
  });

  it('parses notify with the notify parser; environment secrets are checked only when an environment is given', () => {
    const yaml = `notify:
  notifiers:
    - { id: security, kind: webhook, url: 'http://127.0.0.1:9/hook', secretEnv: HOOK_SECRET }
  routes:
    - { name: all, notify: [security] }
`;
    assert.equal(parseConfig(yaml, 'c.yml').notify?.routes[0]?.notify[0], 'security');
    assert.equal(parseConfig(yaml, 'c.yml', { env: { HOOK_SECRET: 's' } }).notify?.notifiers.length, 1);
    const missing = problems(yaml, {});
    assert.ok(missing.some((issue) => issue.path === 'notify.notifiers.0.secretEnv'));
    const unknown = problems(`notify:
  routes:
    - { name: all, notify: [nobody] }
`);
    assert.ok(unknown.some((issue) => /no notifier has the id 'nobody'/.test(issue.message)));
  });
});
