// The published API description cannot drift: docs/openapi.json is generated from the route table, docs/api.md names every route.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { format, resolveConfig } from 'prettier';
import { buildOpenApi } from './openapi.ts';
import { API_ROUTES, findRoute } from './server.ts';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const OPENAPI_FILE = new URL('../../docs/openapi.json', import.meta.url);
const API_DOC = new URL('../../docs/api.md', import.meta.url);

describe('OpenAPI document and docs', () => {
  const document = buildOpenApi(API_ROUTES, version) as {
    paths: Record<string, Record<string, { security: unknown[] }>>;
  };

  it('lists every route the router has, with its method, and nothing else', () => {
    const fromRouter = API_ROUTES.map((route) => `${route.method} ${route.path}`).sort();
    const fromDocument = Object.entries(document.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    assert.deepEqual(fromDocument, fromRouter);
  });

  it('docs/openapi.json is the generated document (UPDATE_GOLDEN=1 rewrites it)', async () => {
    // Formatted as the repository's Prettier would, so `prettier --check .` and this test agree.
    const options = (await resolveConfig(fileURLToPath(OPENAPI_FILE))) ?? {};
    const text = await format(JSON.stringify(document), { ...options, parser: 'json' });
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(OPENAPI_FILE, text);
    assert.equal(
      readFileSync(OPENAPI_FILE, 'utf8'),
      text,
      'docs/openapi.json differs (UPDATE_GOLDEN=1 to rewrite)',
    );
  });

  it('docs/api.md describes every route', () => {
    const doc = readFileSync(API_DOC, 'utf8');
    const missing = API_ROUTES.filter((route) => !doc.includes(`\`${route.method} ${route.path}`)).map(
      (route) => `${route.method} ${route.path}`,
    );
    assert.deepEqual(missing, []);
  });

  it('marks data routes as needing a token and public ones as not', () => {
    assert.deepEqual(document.paths['/api/alerts']?.['get']?.security, [{ bearer: [] }]);
    assert.deepEqual(document.paths['/healthz']?.['get']?.security, []);
    assert.deepEqual(document.paths['/ingest/eventbridge']?.['post']?.security, [{ ingestToken: [] }]);
  });
});

describe('findRoute', () => {
  it('decodes path parameters and lists other methods of a known path', () => {
    const found = findRoute(API_ROUTES, 'GET', '/api/cases/a%2Fb');
    assert.equal(found.match?.route.path, '/api/cases/{id}');
    assert.deepEqual(found.match?.params, { id: 'a/b' });
    const other = findRoute(API_ROUTES, 'PUT', '/api/cases/x');
    assert.equal(other.match, null);
    assert.deepEqual(other.allowed.sort(), ['GET', 'PATCH']);
  });

  it('matches no route for empty or malformed parameters', () => {
    assert.equal(findRoute(API_ROUTES, 'GET', '/api/cases/').match, null);
    assert.equal(findRoute(API_ROUTES, 'GET', '/api/cases/%E0%A4%A').match, null);
    assert.equal(findRoute(API_ROUTES, 'GET', '/api/cases/x/y').match, null);
  });
});
