// The dashboard's files: served with safe types and a CSP; nothing outside web/ is reachable, however the path is spelled.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serveStatic } from './static-files.ts';
import type { Harness } from './test-support/harness.ts';
import { startHarness } from './test-support/harness.ts';

/** Sends the path exactly as written (fetch would normalise `..` away before it reaches the server). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static dashboard files', () => {
  let dir = '';
  let root = '';
  let h: Harness;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mfaguard-web-'));
    root = join(dir, 'web');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>dash</title>');
    writeFileSync(join(root, 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'sub', 'style.css'), 'body{}');
    writeFileSync(join(root, '.env'), 'SECRET=1');
    writeFileSync(join(root, 'notes.md'), '# notes');
    writeFileSync(join(dir, 'secret.txt'), 'top secret');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
    h = await startHarness({ webRoot: root });
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with a CSP and nosniff', async () => {
    const response = await fetch(`${h.base}/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(
      response.headers.get('content-security-policy') ?? '',
      /default-src 'self'.*frame-ancestors 'none'/,
    );
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await response.text(), '<!doctype html><title>dash</title>');
  });

  it('serves scripts and styles with their types', async () => {
    const script = await fetch(`${h.base}/app.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const style = await fetch(`${h.base}/sub/style.css`);
    assert.equal(style.headers.get('content-type'), 'text/css; charset=utf-8');
  });

  for (const path of [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/sub/../../secret.txt',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/..\\secret.txt',
    '/%5c..%5csecret.txt',
    '/.env',
    '/sub/%00.js',
    '/link.txt',
    '/notes.md',
    '/sub',
    '/%E0%A4%A',
  ]) {
    it(`refuses ${path}`, async () => {
      const response = await rawGet(h.base, path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(response.body, /top secret|SECRET=1|root:/);
    });
  }

  it('never serves API paths from the folder', async () => {
    assert.equal((await serveStatic(root, '/index.html'))?.status, 200);
    const response = await fetch(`${h.base}/api/index.html`);
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /problem\+json/);
  });

  it('redirects a case link to the dashboard page', async () => {
    const response = await fetch(`${h.base}/cases/c%201`, { redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/#/cases/c%201');
  });
});
