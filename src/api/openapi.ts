// The OpenAPI 3.1 document, generated from the route table so it cannot forget a route; query parameters and JSON
// bodies come from the same zod schemas fastify validates requests with, so the document cannot drift from them.

import type { Route } from './context.ts';

interface ObjectSchema {
  readonly properties?: Record<string, Record<string, unknown>>;
  readonly required?: readonly string[];
}

/** A query string never carries null: the `null` a schema accepts for a JSON body is left out of a parameter. */
function withoutNull(schema: Record<string, unknown>): Record<string, unknown> {
  const { type, anyOf } = schema;
  if (Array.isArray(type)) {
    const types = type.filter((one) => one !== 'null');
    return { ...schema, type: types.length === 1 ? types[0] : types };
  }
  if (Array.isArray(anyOf)) {
    const options = (anyOf as Record<string, unknown>[]).filter((one) => one['type'] !== 'null');
    if (options.length === 1) {
      const { anyOf: _options, ...rest } = schema;
      return { ...rest, ...options[0] };
    }
  }
  return schema;
}

function parameters(route: Route): Record<string, unknown>[] {
  const path = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const fields = (route.querySchema?.jsonSchema() as ObjectSchema | undefined)?.properties ?? {};
  const query = Object.entries(fields).map(([name, { description, ...schema }]) => ({
    name,
    in: 'query',
    required: false,
    ...(description === undefined ? {} : { description }),
    schema: withoutNull(schema),
  }));
  return [...path, ...query];
}

function security(route: Route): Record<string, unknown>[] {
  switch (route.access) {
    case 'public':
      return [];
    case 'ingest':
      return [{ ingestToken: [] }];
    case 'metrics':
      return [{ bearer: [] }, {}];
    case 'viewer':
    case 'responder':
    case 'admin':
      return [{ bearer: [] }];
  }
}

function requestBody(route: Route): Record<string, unknown> | undefined {
  if (route.bodySchema !== undefined) {
    return {
      required: !route.bodySchema.optional,
      content: { 'application/json': { schema: route.bodySchema.jsonSchema() } },
    };
  }
  if (route.body === undefined) return undefined;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, description] of Object.entries(route.body)) {
    const isRequired = description.endsWith('*');
    properties[name] = { description: isRequired ? description.slice(0, -1) : description };
    if (isRequired) required.push(name);
  }
  const type = route.tag === 'verification' ? 'application/x-www-form-urlencoded' : 'application/json';
  return {
    required: true,
    content: {
      [type]: { schema: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) } },
    },
  };
}

export function buildOpenApi(routes: readonly Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operations = (paths[route.path] ??= {});
    const responses: Record<string, unknown> = {};
    const type = route.produces ?? 'application/json';
    for (const [status, description] of Object.entries(route.responses)) {
      // Verification pages answer in HTML whatever happens: they are read by people, not programs.
      responses[status] = status.startsWith('3')
        ? { description }
        : status.startsWith('2') || type === 'text/html'
          ? {
              description,
              content: {
                [type]:
                  status === '200' && route.responseSchema !== undefined
                    ? { schema: route.responseSchema }
                    : {},
              },
            }
          : {
              description,
              content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
            };
    }
    if (route.access !== 'public' && route.access !== 'ingest') {
      responses['401'] ??= { description: 'no valid token', content: { 'application/problem+json': {} } };
    }
    if (route.access !== 'public') {
      responses['429'] ??= {
        description: 'too many failed tokens from this address (or with this token); see Retry-After',
        content: { 'application/problem+json': {} },
      };
    }
    if (route.access === 'responder' || route.access === 'admin') {
      responses['403'] ??= {
        description: `needs the ${route.access} role`,
        content: { 'application/problem+json': {} },
      };
    }
    const body = requestBody(route);
    operations[route.method.toLowerCase()] = {
      tags: [route.tag],
      summary: route.summary,
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      ...(route.access === 'viewer' || route.access === 'responder' || route.access === 'admin'
        ? { 'x-mfaguard-role': route.access }
        : {}),
      security: security(route),
      parameters: parameters(route),
      ...(body === undefined ? {} : { requestBody: body }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'mfaguard API',
      version,
      description:
        'The live service: ingestion, alerts, cases, owner verification, approvals, KPIs, outbox and tokens. ' +
        'Errors are application/problem+json. See docs/api.md.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (roles viewer < responder < admin).',
        },
        ingestToken: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'MFAGUARD_INGEST_TOKEN as `Bearer <token>`, or the raw value in the header named by --ingest-header.',
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            issues: { type: 'array', items: { type: 'object' } },
          },
          required: ['type', 'title', 'status', 'detail', 'instance'],
        },
      },
    },
  };
}
