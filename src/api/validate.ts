// Request bodies and query strings checked field by field; every problem names its field and what was expected.

import { stringifyIteratively } from '../ingest/index.ts';
import type { Classification, InputIssue, Severity } from '../model/index.ts';
import {
  CLASSIFICATIONS,
  isPrintableTime,
  isSeverity,
  LATEST_TIME_MS,
  SEVERITIES,
  UsageError,
} from '../model/index.ts';

/** A short excerpt of what arrived; iterative and cut early, so no value (however deep or long) costs much. */
function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : stringifyIteratively(value, 60);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The last printable epoch millisecond, for messages. */
const LATEST = LATEST_TIME_MS;

/** Collects every problem of one request, then throws them together (400 with `issues`). */
export class Fields {
  private readonly issues: InputIssue[] = [];
  constructor(
    private readonly where: 'body' | 'query',
    private readonly values: Readonly<Record<string, unknown>>,
    allowed: readonly string[],
  ) {
    for (const key of Object.keys(values)) {
      if (!allowed.includes(key)) this.problem(key, `unknown field; known fields: ${allowed.join(', ')}`);
    }
  }

  static body(value: unknown, allowed: readonly string[]): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new UsageError(`the request body must be a JSON object; got ${show(value)}`);
    }
    return new Fields('body', value as Record<string, unknown>, allowed);
  }

  static query(params: URLSearchParams, allowed: readonly string[]): Fields {
    const values: Record<string, unknown> = {};
    for (const [key, value] of params) values[key] = value;
    return new Fields('query', values, allowed);
  }

  problem(field: string, message: string): void {
    this.issues.push({
      level: 'error',
      code: `invalid-${this.where}`,
      location: this.where,
      path: field,
      message: `${field}: ${message}`,
    });
  }

  has(field: string): boolean {
    return this.values[field] !== undefined;
  }

  string(field: string, options: { required?: boolean; max?: number } = {}): string | undefined {
    const value = this.values[field];
    if (value === undefined || value === null) {
      if (options.required === true) this.problem(field, 'is required');
      return undefined;
    }
    const max = options.max ?? 256;
    if (typeof value !== 'string' || value.trim() === '') {
      this.problem(field, `expected a non-empty string, got ${show(value)}`);
      return undefined;
    }
    if (value.length > max) {
      this.problem(field, `at most ${max} characters, got ${value.length}`);
      return undefined;
    }
    return value.trim();
  }

  /** A string that may be set to null explicitly (to clear it); undefined when absent. */
  nullableString(field: string, max = 256): string | null | undefined {
    if (this.values[field] === null) return null;
    return this.string(field, { max });
  }

  choice<T extends string>(
    field: string,
    choices: readonly T[],
    options: { required?: boolean } = {},
  ): T | undefined {
    const value = this.values[field];
    if (value === undefined) {
      if (options.required === true) this.problem(field, `is required: one of ${choices.join(', ')}`);
      return undefined;
    }
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.problem(field, `expected one of ${choices.join(', ')}, got ${show(value)}`);
      return undefined;
    }
    return value as T;
  }

  severity(field: string): Severity | undefined {
    const value = this.values[field];
    if (value === undefined) return undefined;
    if (!isSeverity(value)) {
      this.problem(field, `expected one of ${SEVERITIES.join(', ')}, got ${show(value)}`);
      return undefined;
    }
    return value;
  }

  classification(field: string): Classification | null | undefined {
    if (this.values[field] === null) return null;
    return this.choice(field, CLASSIFICATIONS);
  }

  /**
   * An ISO 8601 date-time or epoch milliseconds, in years 1970..9999: every time the API accepts can be
   * printed again (toISOString throws past year 275760; screens and CSVs expect four-digit years).
   */
  time(field: string): number | undefined {
    const value = this.values[field];
    if (value === undefined) return undefined;
    let ms = Number.NaN;
    if (typeof value === 'number') ms = value;
    else if (typeof value === 'string') ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(ms)) {
      this.problem(
        field,
        `expected a date-time such as 2026-11-20T09:00:00Z (or epoch milliseconds), got ${show(value)}`,
      );
      return undefined;
    }
    if (!isPrintableTime(ms)) {
      this.problem(
        field,
        `expected a date-time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z (epoch milliseconds: a whole number from 0 to ${LATEST}), got ${show(value)}`,
      );
      return undefined;
    }
    return ms;
  }

  integer(field: string, min: number, max: number): number | undefined {
    const value = this.values[field];
    if (value === undefined) return undefined;
    const number = typeof value === 'string' && /^-?\d{1,9}$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      this.problem(field, `expected a whole number from ${min} to ${max}, got ${show(value)}`);
      return undefined;
    }
    return number;
  }

  /** Throws a UsageError (HTTP 400) listing every problem found so far. */
  done(): void {
    if (this.issues.length === 0) return;
    const first = this.issues[0]!.message;
    const more = this.issues.length > 1 ? ` (and ${this.issues.length - 1} more)` : '';
    throw new UsageError(`invalid request ${this.where}: ${first}${more}`, this.issues);
  }
}
