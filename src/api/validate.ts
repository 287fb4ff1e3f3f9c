// Request bodies and query strings as zod schemas, one per endpoint: fastify runs them as the routes' own schemas
// (before the handler), the OpenAPI document is generated from them, and every problem names its field and what was
// expected, with all of a request's problems together (400 with `issues`).

import { z } from 'zod';
import { stringifyIteratively } from '../ingest/index.ts';
import type { InputIssue } from '../model/index.ts';
import { CLASSIFICATIONS, isPrintableTime, LATEST_TIME_MS, SEVERITIES, UsageError } from '../model/index.ts';

/** A short excerpt of what arrived; iterative and cut early, so no value (however deep or long) costs much. */
function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : stringifyIteratively(value, 60);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The last printable epoch millisecond, for messages. */
const LATEST = LATEST_TIME_MS;

type Where = 'body' | 'query';

/** The field kinds requests are made of, each with the message a wrong value gets. */
export const field = {
  /** A non-empty string of at most `max` characters (trimmed). */
  string(options: { max?: number; required?: boolean } = {}) {
    const max = options.max ?? 256;
    const wrong = (value: unknown): string =>
      options.required === true && (value === undefined || value === null)
        ? 'is required'
        : `expected a non-empty string, got ${show(value)}`;
    return (
      z
        .string({ error: (issue) => wrong(issue.input) })
        // For the OpenAPI document; the refinements below give the messages.
        .meta({ minLength: 1, maxLength: max })
        .refine((value) => value.trim() !== '', { error: (issue) => wrong(issue.input), abort: true })
        .refine((value) => value.length <= max, {
          error: (issue) => `at most ${max} characters, got ${(issue.input as string).length}`,
        })
        .transform((value) => value.trim())
    );
  },
  /** An optional string: null counts as absent. */
  optionalString(options: { max?: number } = {}) {
    return field
      .string(options)
      .nullish()
      .transform((value) => value ?? undefined);
  },
  /** A string that may be set to null explicitly (to clear it); undefined when absent. */
  nullableString(max = 256) {
    return field.string({ max }).nullable().optional();
  },
  choice<T extends string>(choices: readonly T[]): z.ZodEnum<{ [K in T]: K }> {
    return z.enum(choices as [T, ...T[]], {
      error: (issue) =>
        issue.input === undefined
          ? `is required: one of ${choices.join(', ')}`
          : `expected one of ${choices.join(', ')}, got ${show(issue.input)}`,
    });
  },
  severity() {
    return field.choice(SEVERITIES).optional();
  },
  classification() {
    return field.choice(CLASSIFICATIONS).nullable().optional();
  },
  /**
   * An ISO 8601 date-time or epoch milliseconds, in years 1970..9999: every time the API accepts can be
   * printed again (toISOString throws past year 275760; screens and CSVs expect four-digit years).
   */
  time() {
    const notATime = (value: unknown): string =>
      `expected a date-time such as 2026-11-20T09:00:00Z (or epoch milliseconds), got ${show(value)}`;
    return z
      .union([z.number(), z.string()], { error: (issue) => notATime(issue.input) })
      .transform((value, ctx) => {
        const ms =
          typeof value === 'number' ? value : /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
        if (!Number.isFinite(ms)) {
          ctx.addIssue({ code: 'custom', message: notATime(value) });
          return z.NEVER;
        }
        if (!isPrintableTime(ms)) {
          ctx.addIssue({
            code: 'custom',
            message: `expected a date-time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z (epoch milliseconds: a whole number from 0 to ${LATEST}), got ${show(value)}`,
          });
          return z.NEVER;
        }
        return ms;
      })
      .optional();
  },
  /** A whole number (a query string's digits included) from `min` to `max`. */
  integer(min: number, max: number) {
    const message = (value: unknown): string =>
      `expected a whole number from ${min} to ${max}, got ${show(value)}`;
    return (
      z
        .unknown()
        // What the OpenAPI document shows: the input is unknown to zod (a query string's digits are accepted too).
        .meta({ type: 'integer', minimum: min, maximum: max })
        .transform((value, ctx) => {
          const number = typeof value === 'string' && /^-?\d{1,9}$/.test(value) ? Number(value) : value;
          if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
            ctx.addIssue({ code: 'custom', message: message(value) });
            return z.NEVER;
          }
          return number;
        })
        .optional()
    );
  },
};

/** Collects the problems a request has beyond single fields (a window that ends before it starts...). */
export type Problem = (field: string, message: string) => void;

/**
 * A check across fields. It sees the fields that are valid (the others are left out, so one response still names
 * every problem), the raw values and the service's clock (a window that defaults to "until now").
 */
export type CrossCheck<Shape extends z.ZodRawShape> = (
  valid: Partial<z.output<z.ZodObject<Shape>>>,
  problem: Problem,
  raw: Readonly<Record<string, unknown>>,
  nowMs: number,
) => void;

function issueOf(where: Where, path: string, message: string): InputIssue {
  return { level: 'error', code: `invalid-${where}`, location: where, path, message: `${path}: ${message}` };
}

function parse<Shape extends z.ZodRawShape>(
  where: Where,
  shape: Shape,
  values: Readonly<Record<string, unknown>>,
  check: CrossCheck<Shape> | undefined,
  nowMs: number,
): z.output<z.ZodObject<Shape>> {
  const known = Object.keys(shape);
  const result = z.strictObject(shape).safeParse(values);
  const issues: InputIssue[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          issues.push(issueOf(where, key, `unknown field; known fields: ${known.join(', ')}`));
      } else {
        issues.push(issueOf(where, issue.path.map(String).join('.') || '(body)', issue.message));
      }
    }
  }
  const valid = result.success
    ? result.data
    : (Object.fromEntries(
        Object.entries(shape).flatMap(([key, schema]) => {
          const one = z.safeParse(schema, values[key]);
          return one.success && one.data !== undefined ? [[key, one.data]] : [];
        }),
      ) as Partial<z.output<z.ZodObject<Shape>>>);
  check?.(valid, (path, message) => issues.push(issueOf(where, path, message)), values, nowMs);
  if (!result.success || issues.length > 0) {
    const first = issues[0]!.message;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new UsageError(`invalid request ${where}: ${first}${more}`, issues);
  }
  return result.data;
}

/** What the route schemas share whatever their fields: the server, the OpenAPI document and the tests use these. */
export interface RouteSchema {
  readonly where: Where;
  /** A body schema only: a request without a body counts as `{}` (an optional note) instead of "the body is empty". */
  readonly optional: boolean;
  /** Checks one request's value (the parsed body, or the query string as an object); throws a UsageError. */
  validate(value: unknown, nowMs: number): Validated;
  /** The input's JSON Schema, for the OpenAPI document. */
  jsonSchema(): Record<string, unknown>;
}

/** What fastify hands the handler after validation: the checked value, tagged with the schema that checked it. */
export class Validated {
  constructor(
    readonly schema: RouteSchema,
    readonly value: unknown,
  ) {}
}

/**
 * A route's body or query schema. fastify calls `validate` through its validator compiler (server.ts) before the
 * handler runs; the handler reads the result with `of(ctx)`, which refuses a value some other schema (or none)
 * checked, so a route that forgot to declare its schema fails its first test instead of reading unchecked input.
 */
export class RequestSchema<Shape extends z.ZodRawShape> implements RouteSchema {
  constructor(
    readonly where: Where,
    private readonly shape: Shape,
    private readonly check: CrossCheck<Shape> | undefined,
    readonly optional: boolean,
  ) {}

  validate(value: unknown, nowMs: number): Validated {
    if (this.where === 'query')
      return new Validated(this, parse('query', this.shape, asRecord(value), this.check, nowMs));
    const body = (value === null || value === undefined) && this.optional ? {} : value;
    if (body === null || body === undefined)
      throw new UsageError('the request body is empty; send a JSON document');
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new UsageError(`the request body must be a JSON object; got ${show(body)}`);
    }
    return new Validated(this, parse('body', this.shape, body as Record<string, unknown>, this.check, nowMs));
  }

  of(ctx: { readonly body?: unknown; readonly query?: unknown }): z.output<z.ZodObject<Shape>> {
    const held = this.where === 'body' ? ctx.body : ctx.query;
    if (held instanceof Validated && held.schema === this) return held.value as z.output<z.ZodObject<Shape>>;
    throw new Error(`the route reads a ${this.where} schema it does not declare`);
  }

  jsonSchema(): Record<string, unknown> {
    const { $schema: _dialect, ...schema } = z.toJSONSchema(z.strictObject(this.shape), {
      io: 'input',
      unrepresentable: 'any',
    });
    return schema;
  }
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** A JSON body schema; `check` adds the problems that span fields. */
export function bodySchema<Shape extends z.ZodRawShape>(
  shape: Shape,
  options: { check?: CrossCheck<Shape>; optional?: boolean } = {},
): RequestSchema<Shape> {
  return new RequestSchema('body', shape, options.check, options.optional ?? false);
}

/** A query string schema (every value a string; a repeated parameter keeps its last value: see server.ts). */
export function querySchema<Shape extends z.ZodRawShape>(
  shape: Shape,
  check?: CrossCheck<Shape>,
): RequestSchema<Shape> {
  return new RequestSchema('query', shape, check, false);
}
