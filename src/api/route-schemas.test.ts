// The routes' zod schemas are fastify's route schemas: checked before the handler, read back only by the schema that
// checked them, and the one source of the OpenAPI document's parameters and bodies.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildOpenApi } from './openapi.ts';
import { API_ROUTES, buildApiApp } from './server.ts';
import type { Harness } from './test-support/harness.ts';
import { auth, harnessOptions, JSON_HEADERS, NOW, startHarness } from './test-support/harness.ts';
import { bodySchema, field, Validated } from './validate.ts';

interface Operation {
  readonly parameters: readonly { readonly name: string; readonly in: string }[];
  readonly requestBody?: { readonly content: Record<string, { readonly schema: unknown }> };
}

describe('route schemas', () => {
  const document = buildOpenApi(API_ROUTES, '0.0.0-test') as {
    paths: Record<string, Record<string, Operation>>;
  };
  const operation = (method: string, path: string): Operation => document.paths[path]![method.toLowerCase()]!;

  it('no route describes its body both by hand and by a schema', () => {
    const both = API_ROUTES.filter((route) => route.body !== undefined && route.bodySchema !== undefined);
    assert.deepEqual(
      both.map((route) => `${route.method} ${route.path}`),
      [],
    );
  });

  it("takes the OpenAPI document's query parameters and JSON bodies from the same schemas", () => {
    for (const route of API_ROUTES) {
      const op = operation(route.method, route.path);
      const fields = Object.keys(
        (route.querySchema?.jsonSchema() as { properties?: object } | undefined)?.properties ?? {},
      );
      const parameters = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
      assert.deepEqual(parameters, fields, `${route.method} ${route.path}`);
      if (route.bodySchema !== undefined)
        assert.deepEqual(
          op.requestBody?.content['application/json']?.schema,
          route.bodySchema.jsonSchema(),
          `${route.method} ${route.path}`,
        );
    }
    const alerts = operation('GET', '/api/alerts').parameters.find((p) => p.name === 'limit');
    assert.deepEqual((alerts as { schema?: unknown } | undefined)?.schema, {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
    });
  });

  it('hands a handler only what that very schema checked', () => {
    const one = bodySchema({ name: field.string({ required: true }) });
    const other = bodySchema({ name: field.string({ required: true }) });
    assert.throws(() => one.of({ body: { name: 'raw, never checked' } }), /does not declare/);
    assert.throws(() => one.of({ body: other.validate({ name: 'x' }, NOW) }), /does not declare/);
    const checked = one.validate({ name: '  padded ' }, NOW);
    assert.ok(checked instanceof Validated);
    assert.deepEqual(one.of({ body: checked }), { name: 'padded' });
  });

  describe('in the request lifecycle', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness();
    });
    after(() => h.close());

    it('refuses a body before the handler: no preHandler hook runs, the 400 names every field', async () => {
      const app = buildApiApp(harnessOptions(h.store, h.live, h.metrics));
      const reached: string[] = [];
      app.addHook('preHandler', (request, _reply, done) => {
        reached.push(request.url);
        done();
      });
      try {
        const refused = await app.inject({
          method: 'POST',
          url: '/api/tokens',
          headers: auth(h.tokens.admin, JSON_HEADERS),
          payload: JSON.stringify({ nam: 'typo', role: 'root' }),
        });
        assert.equal(refused.statusCode, 400);
        const problem = refused.json<{ issues: { path: string; message: string }[] }>();
        assert.deepEqual(problem.issues.map((issue) => issue.path).sort(), ['nam', 'name', 'role']);
        assert.deepEqual(reached, [], 'the handler side of the lifecycle never ran');
        const accepted = await app.inject({
          method: 'GET',
          url: '/api/cases?limit=5',
          headers: auth(h.tokens.viewer),
        });
        assert.equal(accepted.statusCode, 200);
        assert.deepEqual(reached, ['/api/cases?limit=5']);
      } finally {
        await app.close();
      }
    });

    it('reads a repeated query parameter as its last value, as before', async () => {
      const last = await fetch(`${h.base}/api/cases?limit=x&limit=5`, { headers: auth(h.tokens.viewer) });
      assert.equal(last.status, 200);
      const bad = await fetch(`${h.base}/api/cases?limit=5&limit=x`, { headers: auth(h.tokens.viewer) });
      assert.equal(bad.status, 400);
      const problem = (await bad.json()) as { issues: { path: string; message: string }[] };
      assert.deepEqual(
        problem.issues.map((issue) => issue.path),
        ['limit'],
      );
      assert.match(problem.issues[0]!.message, /got "x"/);
    });

    it('lets an optional body be absent and still checks it when sent', async () => {
      // No responder is configured: a valid request reaches the handler (503); an invalid note never does (400).
      const none = await fetch(`${h.base}/api/actions/a1/undo`, {
        method: 'POST',
        headers: auth(h.tokens.responder),
      });
      assert.equal(none.status, 503);
      const wrong = await fetch(`${h.base}/api/actions/a1/undo`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ note: 42 }),
      });
      assert.equal(wrong.status, 400);
    });
  });
});
