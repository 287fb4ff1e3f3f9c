// Request bodies and query strings as zod schemas, one per endpoint; every problem names its field and what was
// expected, and all of a request's problems come back together (400 with `issues`).

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
    return z
      .string({ error: (issue) => wrong(issue.input) })
      .refine((value) => value.trim() !== '', { error: (issue) => wrong(issue.input), abort: true })
      .refine((value) => value.length <= max, {
        error: (issue) => `at most ${max} characters, got ${(issue.input as string).length}`,
      })
      .transform((value) => value.trim());
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
    return z
      .unknown()
      .transform((value, ctx) => {
        const number = typeof value === 'string' && /^-?\d{1,9}$/.test(value) ? Number(value) : value;
        if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
          ctx.addIssue({ code: 'custom', message: message(value) });
          return z.NEVER;
        }
        return number;
      })
      .optional();
  },
};

/** Collects the problems a request has beyond single fields (a window that ends before it starts...). */
export type Problem = (field: string, message: string) => void;

/**
 * A check across fields. It sees the fields that are valid (the others are left out, so one response still names
 * every problem) and the raw values.
 */
export type CrossCheck<Shape extends z.ZodRawShape> = (
  valid: Partial<z.output<z.ZodObject<Shape>>>,
  problem: Problem,
  raw: Readonly<Record<string, unknown>>,
) => void;

function issueOf(where: Where, path: string, message: string): InputIssue {
  return { level: 'error', code: `invalid-${where}`, location: where, path, message: `${path}: ${message}` };
}

function parse<Shape extends z.ZodRawShape>(
  where: Where,
  shape: Shape,
  values: Readonly<Record<string, unknown>>,
  check?: CrossCheck<Shape>,
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
  check?.(valid, (path, message) => issues.push(issueOf(where, path, message)), values);
  if (!result.success || issues.length > 0) {
    const first = issues[0]!.message;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new UsageError(`invalid request ${where}: ${first}${more}`, issues);
  }
  return result.data;
}

/** A JSON request body checked against `shape`; `check` adds the problems that span fields. */
export function parseBody<Shape extends z.ZodRawShape>(
  value: unknown,
  shape: Shape,
  check?: CrossCheck<Shape>,
): z.output<z.ZodObject<Shape>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`the request body must be a JSON object; got ${show(value)}`);
  }
  return parse('body', shape, value as Record<string, unknown>, check);
}

/** A query string checked against `shape` (every value a string; a repeated parameter keeps its last value). */
export function parseQuery<Shape extends z.ZodRawShape>(
  params: URLSearchParams,
  shape: Shape,
  check?: CrossCheck<Shape>,
): z.output<z.ZodObject<Shape>> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of params) values[key] = value;
  return parse('query', shape, values, check);
}
