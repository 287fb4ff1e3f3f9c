// The zod pieces every notifier's config schema is made of (one-line text, http(s) URLs, variable names, e-mail
// addresses, durations, the common settings), each with the message a wrong value gets, and the checks zod cannot
// make (the environment's secrets, warnings) as plain functions over the checked config.

import { z } from 'zod';

export type Environment = Readonly<Record<string, string | undefined>>;

export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_CONCURRENCY = 64;
const MAX_TIMEOUT_MS = 600_000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };

/**
 * What zod cannot say about a notifier: a problem that needs the environment (a secret's variable is unset) or a
 * warning that does not stop the notifier (a secret written in the file). `path` is under the notifier's entry.
 */
export interface ConfigAdvice {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly hint?: string;
  readonly level: 'error' | 'warning';
}

/** A value as a message shows it: quoted if text, JSON otherwise, at most 60 characters. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const missingOr = (otherwise: (input: unknown) => string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : otherwise(issue.input);

/** A non-empty line of text, trimmed: CR, LF and NUL are refused because these values end up in headers. */
export const oneLine = () =>
  z
    .string({ error: missingOr((input) => `expected a non-empty string, got ${show(input)}`) })
    .refine((text) => text.trim() !== '', {
      error: (issue) => `expected a non-empty string, got ${show(issue.input)}`,
      abort: true,
    })
    .refine((text) => !/[\r\n\0]/.test(text), { error: 'must be one line (no CR, LF or NUL)', abort: true })
    .transform((text) => text.trim());

export const flag = () =>
  z.boolean({ error: missingOr((input) => `expected true or false, got ${show(input)}`) });

/** An http(s) URL without credentials in it, normalised. */
export const httpUrl = () =>
  oneLine().transform((text, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected an http(s) URL, got ${show(text)}` });
      return z.NEVER;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      ctx.addIssue({
        code: 'custom',
        message: `expected an http(s) URL, got the scheme '${parsed.protocol}'`,
      });
      return z.NEVER;
    }
    if (parsed.username !== '' || parsed.password !== '') {
      ctx.addIssue({
        code: 'custom',
        message: 'must not carry a user name or password',
        params: { hint: 'put credentials in environment variables' },
      });
      return z.NEVER;
    }
    return parsed.href;
  });

/** The *name* of an environment variable (never the secret itself); whether it is set is checked by `requireEnv`. */
export const envName = () =>
  oneLine().refine((name) => ENV_NAME.test(name), {
    error: (issue) =>
      `expected the name of an environment variable such as MFAGUARD_SECRET, got ${show(issue.input)}`,
    params: {
      hint: "give the variable's name here and its value in the environment, never the secret itself",
    },
  });

/** `Name <a@b>` or `a@b`; header injection is already ruled out by oneLine refusing CR/LF. */
export function isEmailAddress(value: string): boolean {
  const address = /<([^<>]+)>\s*$/.exec(value)?.[1] ?? value;
  return /^[^\s@<>]+@[^\s@<>]+$/.test(address.trim());
}

export const emailAddress = () =>
  oneLine().refine(isEmailAddress, {
    error: (issue) => `expected an email address, got ${show(issue.input)}`,
  });

const DURATION_ERROR = (input: unknown) =>
  `expected a duration between 1ms and 10m such as 500ms, 10s or 1m, got ${show(input)}`;

/** `500ms`, `10s`, `1m` or a number of seconds, to milliseconds, between 1 ms and 10 minutes. */
export const sendTimeout = () =>
  z
    .union([z.number(), z.string()], { error: (issue) => DURATION_ERROR(issue.input) })
    .transform((value, ctx) => {
      let ms: number | null = null;
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) ms = value * 1000;
      else if (typeof value === 'string') {
        const match = /^(\d{1,7})(ms|s|m)$/.exec(value.trim());
        if (match !== null) ms = Number(match[1]) * (DURATION_UNITS[match[2]!] ?? 0);
      }
      if (ms === null || ms <= 0 || ms > MAX_TIMEOUT_MS) {
        ctx.addIssue({ code: 'custom', message: DURATION_ERROR(value) });
        return z.NEVER;
      }
      return ms;
    });

const CONCURRENCY_ERROR = (issue: { input?: unknown }) =>
  `expected a whole number of sends at once between 1 and ${MAX_CONCURRENCY}, got ${show(issue.input)}`;

/** The settings every notifier has; each notifier's schema spreads this and adds its `kind` and its own. */
export const NOTIFIER_COMMON_SHAPE = {
  id: oneLine()
    .refine((id) => ID.test(id), {
      error: (issue) => `expected letters, digits, '-', '_' or '.' (at most 64), got ${show(issue.input)}`,
    })
    .meta({ description: "the notifier's id, named by routes: letters, digits, '-', '_', '.'" }),
  timeout: sendTimeout()
    .optional()
    .meta({ description: 'how long one send may take, 1ms to 10m (default 10s)' }),
  concurrency: z
    .number({ error: CONCURRENCY_ERROR })
    .int({ error: CONCURRENCY_ERROR })
    .min(1, { error: CONCURRENCY_ERROR })
    .max(MAX_CONCURRENCY, { error: CONCURRENCY_ERROR })
    .optional()
    .meta({ description: 'sends in flight at once' }),
  verificationLinks: flag()
    .optional()
    .meta({ description: "show the owner's confirm/deny links (default: email only)" }),
};

export interface NotifierCommon {
  readonly id: string;
  /** How long one send may take before it counts as a (retryable) timeout. */
  readonly timeoutMs: number;
  /** Sends in flight at once on this notifier (its lane in the outbox); the worker's default when absent. */
  readonly concurrency?: number;
  /**
   * Show the owner's confirm/deny links. Off by default outside email: whoever can click them answers for
   * the owner, so they belong in the owner's mailbox, not in a channel.
   */
  readonly verificationLinks: boolean;
}

/** The common settings as the notifier gets them, defaults filled in. */
export function commonConfig(
  settings: {
    readonly id: string;
    readonly timeout?: number | undefined;
    readonly concurrency?: number | undefined;
    readonly verificationLinks?: boolean | undefined;
  },
  defaults: { readonly verificationLinks: boolean },
): NotifierCommon {
  return {
    id: settings.id,
    timeoutMs: settings.timeout ?? DEFAULT_TIMEOUT_MS,
    ...(settings.concurrency === undefined ? {} : { concurrency: settings.concurrency }),
    verificationLinks: settings.verificationLinks ?? defaults.verificationLinks,
  };
}

/** The variable `name` must be set and non-empty where mfaguard runs (null env: only names are checked). */
export function requireEnv(
  env: Environment | null,
  key: string,
  name: string | null | undefined,
): ConfigAdvice[] {
  if (env === null || name === null || name === undefined) return [];
  const value = env[name];
  if (value !== undefined && value !== '') return [];
  return [
    {
      path: [key],
      message: `environment variable ${name} is not set or empty`,
      hint: `export ${name}=... before starting mfaguard`,
      level: 'error',
    },
  ];
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
}

/** Plain http is allowed (a receiver on the same host, a test) but said out loud when it leaves the host. */
export function plainHttpWarning(key: string, url: string | null, label: string): ConfigAdvice[] {
  if (url === null) return [];
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || isLoopback(parsed.hostname)) return [];
  return [
    {
      path: [key],
      message: `${label} over plain http can be read and altered on the way`,
      hint: 'use https',
      level: 'warning',
    },
  ];
}
