// The dashboard's libraries come from node_modules through /vendor/: the listed files only, with the dashboard's CSP.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { serveStatic } from './static-files.ts';

const UPLOT = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));

describe('vendored dashboard libraries', () => {
  it('serves uPlot as an ES module and its stylesheet, as shipped', async () => {
    const js = await serveStatic('/nonexistent-web-root', '/vendor/uplot.esm.js');
    assert.equal(js?.status, 200);
    assert.equal(js?.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(js?.headers['content-security-policy'] ?? '', /script-src 'self'/);
    assert.deepEqual(js?.body, readFileSync(join(UPLOT, 'dist/uPlot.esm.js')));
    const css = await serveStatic('/nonexistent-web-root', '/vendor/uplot.min.css');
    assert.equal(css?.headers['content-type'], 'text/css; charset=utf-8');
  });

  it('reaches nothing else in node_modules', async () => {
    for (const path of [
      '/vendor/uPlot.esm.js',
      '/vendor/uplot.cjs.js',
      '/vendor/package.json',
      '/vendor/../package.json',
      '/vendor/uplot/dist/uPlot.esm.js',
      '/vendor/%2e%2e/uplot.esm.js',
      '/vendor/constructor',
      '/vendor/__proto__',
    ]) {
      assert.equal(await serveStatic('/nonexistent-web-root', path), null, path);
    }
  });
});
