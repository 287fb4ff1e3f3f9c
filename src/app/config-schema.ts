// The configuration file's schema (zod): its shape, every value's meaning and the message a wrong value gets. The same
// schema validates a file and becomes the published JSON Schema (docs/schemas/config.schema.json).

import { z } from 'zod';
import { isKnownTimeZone } from '../enrich/index.ts';
import type { Approval, Owner, WorkingHours } from '../enrich/index.ts';
import type { Severity } from '../model/index.ts';
import { CLASSIFICATIONS, isPrintableTime, PARTITIONS, SEVERITIES } from '../model/index.ts';
import { ACTION_KINDS, DEFAULT_RESPOND_CONFIG, DEFAULT_ROLE_SESSION_NAME } from '../respond/index.ts';
import type { RespondConfig, RespondRule } from '../respond/index.ts';
import { NOTIFY_SECTION_SCHEMA } from '../notify/index.ts';

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DAY_NAMES: Readonly<Record<string, number>> = {
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  sun: 7,
};

/** pino's levels, quietest last: `serve.logLevel` and MFAGUARD_LOG_LEVEL accept these. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** No count in the configuration (days of look-back, removals in a burst) is larger. */
const MAX_COUNT = 1_000_000;

/** No duration in mfaguard is longer: a time plus any duration stays printable (see model's LATEST_TIME_MS). */
export const MAX_DURATION_MS = 100 * 365 * 24 * 3_600_000;

/**
 * `90s`, `15m`, `1h`, `2d` (or a bare number of seconds) to milliseconds; null when it is not a duration or
 * longer than 100 years.
 */
export function parseDuration(value: unknown): number | null {
  let ms: number | null = null;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) ms = value * 1000;
  else if (typeof value === 'string') {
    const match = /^(\d{1,7})(s|m|h|d)$/.exec(value.trim());
    if (match !== null) ms = Number(match[1]) * (DURATION_UNITS[match[2]!] ?? 0);
  }
  return ms === null || ms > MAX_DURATION_MS ? null : ms;
}

function parseClock(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(value.trim());
  if (match === null) return null;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes <= 24 * 60 ? minutes : null;
}

/** A date-time within years 1970..9999 (what every screen and export can print), else null. */
function parseTime(value: unknown): number | null {
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return isPrintableTime(ms) ? ms : null;
}

export function show(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A mapping whose unknown keys are errors (a typo must not silently fall back to a default). */
function section<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, { error: (issue) => `expected a mapping, got ${show(issue.input)}` });
}

const duration = (description: string) => {
  const error = (input: unknown): string =>
    `expected a duration such as 90s, 15m, 1h or 2d (at most 100 years), got ${show(input)}`;
  return z
    .union([z.number(), z.string().meta({ pattern: '^\\s*\\d{1,7}[smhd]\\s*$' })], {
      error: (issue) => error(issue.input),
    })
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms !== null) return ms;
      ctx.addIssue({ code: 'custom', message: error(value) });
      return z.NEVER;
    })
    .meta({ description });
};

/** A whole number from `min` to `max`: larger ones are typing mistakes, and stay exact as numbers. */
const count = (min: number, max: number, description: string) => {
  const error = (issue: { input: unknown }): string =>
    `expected a whole number from ${min} to ${max}, got ${show(issue.input)}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).meta({ description });
};

const names = (description: string) =>
  z
    .array(
      z.string({ error: (issue) => `expected a name, got ${show(issue.input)}` }).min(1, {
        error: (issue) => `expected a name, got ${show(issue.input)}`,
      }),
      { error: (issue) => `expected a list of names, got ${show(issue.input)}` },
    )
    .nullish()
    .transform((list) => list ?? [])
    .meta({ description });

const triageSchema = section({
  burst: section({
    count: count(2, MAX_COUNT, 'removals by one caller within the window that make a burst').optional(),
    window: duration('how close together the removals of a burst are').optional(),
  }).nullish(),
  followUpWindow: duration(
    'how long after a removal its follow-ups (re-enrolment, new keys) count',
  ).optional(),
  graceWindow: duration(
    'how long a removal may stay without a new device before it is unresolved',
  ).optional(),
  // Days as long as the longest duration (100 years), so now minus the look-back stays a printable time.
  lookbackDays: count(
    1,
    36_500,
    "days of a caller's history that make an address or client familiar",
  ).optional(),
  precursorWindow: duration(
    'how long before a removal its precursors (sign-in without MFA, new keys) count',
  ).optional(),
})
  .nullish()
  .meta({ description: 'Triage windows and thresholds' });

const workingHoursSchema = section({
  days: names('working days: mon, tue, wed, thu, fri, sat, sun (default mon to fri)').optional(),
  end: z.string().optional().meta({ description: 'end of the working day, HH:MM (default 18:00)' }),
  start: z.string().optional().meta({ description: 'start of the working day, HH:MM (default 08:00)' }),
  timeZone: z
    .unknown()
    .optional()
    .meta({ description: 'IANA time zone such as Europe/Paris or UTC', type: 'string' }),
})
  .nullish()
  .transform((hours, ctx): WorkingHours | null => {
    if (hours === null || hours === undefined) return null;
    const dayNames = hours.days ?? ['mon', 'tue', 'wed', 'thu', 'fri'];
    const days = dayNames.map((name) => DAY_NAMES[name.slice(0, 3).toLowerCase()] ?? 0);
    dayNames.forEach((name, index) => {
      if (days[index] === 0)
        ctx.addIssue({
          code: 'custom',
          path: ['days', index],
          message: `unknown day ${show(name)}`,
          params: { hint: 'use mon, tue, wed, thu, fri, sat, sun' },
        });
    });
    const start = parseClock(hours.start ?? '08:00');
    const end = parseClock(hours.end ?? '18:00');
    const timeZone = hours.timeZone;
    if (typeof timeZone !== 'string' || !isKnownTimeZone(timeZone)) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeZone'],
        message: `expected an IANA time zone such as Europe/Paris or UTC, got ${show(timeZone)}`,
      });
      return null;
    }
    if (start === null || end === null || start >= end) {
      ctx.addIssue({
        code: 'custom',
        message: 'start and end must be times of day such as "08:00" and "18:00", start before end',
      });
      return null;
    }
    return { timeZone, days: days.filter((day) => day > 0), startMinute: start, endMinute: end };
  })
  .meta({ description: 'When people work: a removal outside these hours weighs more' });

const ownerSchema = section({
  email: z
    .string({ error: (issue) => `expected an email address, got ${show(issue.input)}` })
    .includes('@', { error: (issue) => `expected an email address, got ${show(issue.input)}` })
    .optional(),
  team: z.string().nullish(),
})
  .nullish()
  .meta({ description: "the owner of an IAM user: where the owner's verification request goes" });

const identitiesSchema = section({
  administrators: names('IAM users who may reset other users’ MFA'),
  breakGlass: names('break-glass users: any removal is critical'),
  owners: z
    .record(z.string(), ownerSchema, {
      error: (issue) => `expected a mapping, got ${show(issue.input)}`,
    })
    .nullish()
    .transform((owners) => {
      const map = new Map<string, Owner>();
      for (const [user, owner] of Object.entries(owners ?? {}))
        if (owner !== null && owner !== undefined)
          map.set(user, { email: owner.email ?? null, team: owner.team ?? null });
      return map;
    })
    .meta({ description: 'IAM user name -> its owner' }),
  privileged: names('privileged IAM users: their removals weigh more'),
})
  .nullish()
  .transform(
    (identities) => identities ?? { administrators: [], breakGlass: [], owners: new Map(), privileged: [] },
  );

const approvalSchema = section({
  account: z.union([z.string(), z.number()]).optional().meta({ description: 'the 12-digit AWS account' }),
  actor: z.string().optional().meta({ description: 'only this identity may remove the device' }),
  approver: z.string().optional().meta({ description: 'who approved it' }),
  from: z
    .unknown()
    .optional()
    .meta({ description: 'start of the window, an ISO 8601 date-time', type: 'string' }),
  ticket: z.unknown().optional().meta({ description: 'the change ticket, e.g. CHG-123', type: 'string' }),
  to: z.unknown().optional().meta({ description: 'end of the window (or give window)', type: 'string' }),
  user: z
    .unknown()
    .optional()
    .meta({ description: 'the IAM user whose device may be removed', type: 'string' }),
  window: z.unknown().optional().meta({ description: 'how long from `from`, e.g. 2h', type: 'string' }),
}).transform((approval, ctx): Approval | null => {
  const problem = (key: string, message: string): void => {
    ctx.addIssue({ code: 'custom', path: [key], message });
  };
  const { ticket, user } = approval;
  const fromMs = parseTime(approval.from);
  const windowMs = approval.window === undefined ? null : parseDuration(approval.window);
  const toMs =
    approval.to !== undefined
      ? parseTime(approval.to)
      : fromMs !== null && windowMs !== null
        ? fromMs + windowMs
        : null;
  let failed = false;
  const fail = (key: string, message: string): void => {
    failed = true;
    problem(key, message);
  };
  if (typeof ticket !== 'string' || ticket === '')
    fail('ticket', 'every approval needs a ticket, e.g. CHG-123');
  if (typeof user !== 'string' || user === '') fail('user', 'every approval needs the target user name');
  if (fromMs === null)
    fail(
      'from',
      `expected a date-time from 1970 to 9999 such as 2026-11-20T09:00:00Z, got ${show(approval.from)}`,
    );
  if (toMs === null) fail('to', 'give `to` (a date-time) or `window` (a duration such as 2h)');
  else if (fromMs !== null && toMs < fromMs) fail('to', '`to` is before `from`');
  else if (!isPrintableTime(toMs)) fail('to', 'the window must end by 9999-12-31');
  if (failed || fromMs === null || toMs === null) return null;
  return {
    ticket: ticket as string,
    user: user as string,
    actor: approval.actor ?? null,
    account: approval.account === undefined ? null : String(approval.account),
    fromMs,
    toMs,
    approver: approval.approver ?? null,
  };
});

const publicUrl = z
  .string()
  .nullish()
  .transform((url, ctx): string | null => {
    if (url === null || url === undefined) return null;
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (
      parsed === null ||
      (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
      parsed.username !== ''
    ) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an http(s) URL without credentials, such as https://mfaguard.example.com, got ${show(url)}`,
      });
      return null;
    }
    return parsed.href.replace(/\/+$/, '');
  })
  .meta({ description: 'Base URL people reach the service at, for links in messages' });

const escalateConfirmedAt = z
  .union([z.enum(SEVERITIES), z.literal('never'), z.null()], {
    error: (issue) => `expected a severity (low, medium, high, critical) or never, got ${show(issue.input)}`,
  })
  .optional()
  .transform((value): Severity | null | undefined => (value === 'never' ? null : value))
  .meta({
    description:
      "an owner's confirmation resolves the case except for root and at or above this severity (never: only root)",
  });

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An https URL, or http on a loopback host (a provider running on the developer's machine). */
const httpsUrl = (description: string) =>
  z
    .string({ error: (issue) => `expected a URL, got ${show(issue.input)}` })
    .refine(
      (url) => {
        try {
          const parsed = new URL(url);
          return (
            parsed.protocol === 'https:' ||
            (parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname))
          );
        } catch {
          return false;
        }
      },
      { error: (issue) => `expected an https URL (http only on localhost), got ${show(issue.input)}` },
    )
    .meta({ description });

const signInSchema = section({
  clientId: z
    .string({
      error: (issue) => `expected the client id registered at the provider, got ${show(issue.input)}`,
    })
    .min(1, { error: 'expected the client id registered at the provider' })
    .meta({
      description: 'the client id registered at the provider (its secret: MFAGUARD_OIDC_CLIENT_SECRET)',
    }),
  issuer: httpsUrl('the OpenID Connect issuer, e.g. https://login.example.com/realms/secops'),
  nameClaim: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'the claim shown as the person’s name (default name, then email, then sub)' }),
  roleClaim: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'the claim holding the person’s groups or roles (default groups)' }),
  roles: section({
    admin: names('claim values that make an admin').optional(),
    responder: names('claim values that make a responder').optional(),
    viewer: names('claim values that make a viewer; * lets every signed-in person view').optional(),
  }).meta({ description: 'claim values per role; the highest matching role wins, none: refused' }),
  roleRefresh: duration(
    'how long a signed-in person’s roles stand before they are read again from the provider (default 5m, 0s: every request)',
  ).optional(),
  scopes: names('scopes asked for (default openid, profile, email)').optional(),
  sessionTtl: duration('how long a dashboard session lasts (default 8h, at least 5m)')
    .refine((ms) => ms >= 300_000, { error: 'must be at least 5m' })
    .optional(),
})
  .optional()
  .meta({ description: 'Dashboard sign-in with OpenID Connect (authorization code + PKCE)' });

/** The HTTP server's connection settings (see docs/api.md, "Connections"). */
const httpSchema = section({
  headersTimeout: duration(
    'how long a request may take to send its headers (default 20s; at most requestTimeout)',
  )
    .refine((ms) => ms >= 1_000, { error: 'must be at least 1s' })
    .optional(),
  keepAliveTimeout: duration(
    'how long an idle keep-alive connection stays open (default 65s: longer than a load balancer’s 60s idle timeout, so the balancer closes first)',
  )
    .refine((ms) => ms >= 1_000, { error: 'must be at least 1s' })
    .optional(),
  listenBacklog: count(
    1,
    65_535,
    'connections the kernel queues before the service accepts them (default 2048; Linux caps it at net.core.somaxconn)',
  ).optional(),
  requestTimeout: duration('how long a whole request may take to arrive (default 60s)')
    .refine((ms) => ms >= 1_000, { error: 'must be at least 1s' })
    .optional(),
})
  .superRefine((http, ctx) => {
    // Node refuses a headers timeout longer than the request timeout.
    if ((http.headersTimeout ?? 20_000) > (http.requestTimeout ?? 60_000))
      ctx.addIssue({
        code: 'custom',
        path: ['headersTimeout'],
        message: 'must not be longer than requestTimeout',
      });
  })
  .optional()
  .meta({ description: 'The HTTP server: listen backlog and connection timeouts' });

const serveSchema = section({
  deliveryLag: duration('how late CloudTrail may deliver an event (default 15m)').optional(),
  escalateConfirmedAt,
  http: httpSchema,
  logLevel: z
    .enum(LOG_LEVELS, {
      error: (issue) => `expected one of ${LOG_LEVELS.join(', ')}, got ${show(issue.input)}`,
    })
    .optional()
    .meta({ description: "the service log's level (default info; MFAGUARD_LOG_LEVEL overrides it)" }),
  ownerTagKeys: names('IAM user tag keys naming the owner’s e-mail address, tried in order').optional(),
  publicUrl: publicUrl.optional(),
  signIn: signInSchema,
  verificationTtl: duration('how long the owner’s links stay valid (default 24h, at least 1m)')
    .refine((ms) => ms >= 60_000, { error: 'must be at least 1m' })
    .optional(),
})
  .superRefine((serve, ctx) => {
    // The provider sends the browser back to an exact URL, and the cookie's flags follow its scheme.
    if (serve.signIn === undefined) return;
    const url = serve.publicUrl === undefined || serve.publicUrl === null ? null : new URL(serve.publicUrl);
    if (url === null)
      ctx.addIssue({
        code: 'custom',
        path: ['publicUrl'],
        message: 'sign-in needs publicUrl (the callback URL)',
      });
    else if (url.protocol !== 'https:' && !LOOPBACK_HOSTS.has(url.hostname))
      ctx.addIssue({
        code: 'custom',
        path: ['publicUrl'],
        message: 'sign-in needs an https publicUrl (plain http only on localhost, for development)',
      });
  })
  .nullish()
  .meta({ description: 'What the live service needs beyond triage' });

const postureSchema = section({
  interval: duration('how often `serve` audits posture (default 24h, at least 5m)')
    .refine((ms) => ms >= 300_000, { error: 'must be at least 5m' })
    .optional(),
  organization: z
    .boolean({ error: (issue) => `expected true or false, got ${show(issue.input)}` })
    .optional()
    .meta({
      description:
        "audit every active account of the organization (default false: the service's own account)",
    }),
  accounts: z
    .array(
      z
        .string()
        .regex(/^\d{12}$/, { error: (issue) => `expected a 12-digit account ID, got ${show(issue.input)}` }),
      { error: (issue) => `expected a list of account IDs, got ${show(issue.input)}` },
    )
    .optional()
    .meta({ description: "further accounts to audit through `role`, besides the service's own" }),
  role: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, { error: (issue) => `expected an IAM role name, got ${show(issue.input)}` })
    .optional()
    .meta({ description: 'the role assumed in other accounts (default OrganizationAccountAccessRole)' }),
  provisionedGrace: duration(
    'how long a user with a new console password may go without an MFA device before it is a case (default 24h)',
  ).optional(),
})
  .nullish()
  .meta({ description: 'Posture in the service: scheduled audits, and new console users without MFA' });

const APPROVAL_ROLES = ['none', 'responder', 'admin'] as const;
const QUARANTINE_POLICY_ERROR =
  'expected a managed policy name (mfaguard-quarantine) or ARN (arn:aws:iam::{account}:policy/NAME)';
const QUARANTINE_POLICY =
  /^(arn:aws[\w-]*:iam::(\d{12}|\{account\}):policy\/[\w+=,.@/-]+|[\w+=,.@-]{1,128})$/;

const RESPONDER_ROLE_ERROR =
  'expected a role name (mfaguard-responder) or an ARN with {account} (arn:aws:iam::{account}:role/mfaguard-responder)';
// An ARN must say {account}: a fixed account would send every account's containment to that one account.
const RESPONDER_ROLE = /^(arn:aws[\w-]*:iam::\{account\}:role\/[\w+=,.@/-]+|[\w+=,.@-]{1,64})$/;

/** A list whose every entry must be one of `known`: each unknown entry is named with the accepted ones. */
const oneOfEach = <T extends string>(known: readonly T[], what: string, description: string) =>
  names(description).transform((list, ctx): T[] => {
    list.forEach((name, index) => {
      if (!(known as readonly string[]).includes(name))
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: `unknown ${what} '${name}'`,
          params: { hint: `use ${known.join(', ')}` },
        });
    });
    if (list.length === 0) ctx.addIssue({ code: 'custom', message: `name at least one ${what}` });
    return list.filter((name): name is T => (known as readonly string[]).includes(name));
  });

const respondRuleSchema = section({
  actions: oneOfEach(ACTION_KINDS, 'action', 'what to do: quarantine, revoke-sessions, disable-console'),
  after: duration(
    'how long after the case reached the classification the actions wait (default 0s)',
  ).optional(),
  approve: z
    .enum(APPROVAL_ROLES, {
      error: (issue) => `expected ${APPROVAL_ROLES.join(', ')}, got ${JSON.stringify(issue.input)}`,
    })
    .optional()
    .meta({ description: 'who must approve before it is applied: none, responder or admin (default none)' }),
  when: oneOfEach(CLASSIFICATIONS, 'classification', 'the classifications that trigger the rule'),
}).transform((rule): RespondRule => ({
  classifications: rule.when,
  actions: rule.actions,
  delayMs: rule.after ?? 0,
  approval: rule.approve ?? 'none',
}));

const respondSchema = section({
  breakGlassRoles: names('break-glass roles (names or ARNs): never touched').optional(),
  externalId: z
    .string({ error: 'expected the external id the role trust policy asks for' })
    .regex(/^[\w+=,.@:/-]{2,1224}$/, { error: 'expected 2 to 1224 of letters, digits and +=,.@:/-' })
    .optional()
    .meta({
      description: 'sent as ExternalId when assuming respond.role (sts:ExternalId in its trust policy)',
    }),
  liftOnReEnrolment: z
    .boolean({ error: 'expected true or false' })
    .optional()
    .meta({ description: "the owner's re-enrolment lifts the quarantine without a person (default true)" }),
  mode: z
    .enum(['dry-run', 'enforce'], {
      error: (issue) => `expected dry-run or enforce, got ${JSON.stringify(issue.input)}`,
    })
    .optional()
    .meta({ description: 'dry-run (default): plans are recorded and shown, nothing is applied' }),
  partition: z
    .enum(PARTITIONS, {
      error: (issue) => `expected ${PARTITIONS.join(', ')}, got ${JSON.stringify(issue.input)}`,
    })
    .optional()
    .meta({
      description:
        "the accounts' partition for a case that names none (no ARN, no region); default: the service's STS region's",
    }),
  protected: names('users and roles (names or ARNs) never touched, besides identities.breakGlass').optional(),
  quarantinePolicy: z
    .string({ error: QUARANTINE_POLICY_ERROR })
    .regex(QUARANTINE_POLICY, { error: QUARANTINE_POLICY_ERROR })
    .optional()
    .meta({ description: 'the quarantine managed policy: a name or an ARN ({account} is replaced)' }),
  role: z
    .string({ error: RESPONDER_ROLE_ERROR })
    .regex(RESPONDER_ROLE, { error: RESPONDER_ROLE_ERROR })
    .optional()
    .meta({
      description:
        "the role assumed in the target's account for the response's IAM calls (a name or an ARN with {account})",
    }),
  roleSessionName: z
    .string({ error: 'expected a session name' })
    .regex(/^[\w+=,.@-]{2,64}$/, { error: 'expected 2 to 64 of letters, digits and +=,.@-' })
    .optional()
    .meta({
      description: `the session name in the target account's CloudTrail (default ${DEFAULT_ROLE_SESSION_NAME})`,
    }),
  rateLimit: section({
    count: count(0, 10_000, 'actions applied without a person within the window').optional(),
    window: duration('the window of the organisation-wide rate limit (default 1h)').optional(),
  }).nullish(),
  rules: z
    .array(respondRuleSchema, {
      error: 'expected a list of rules ({ when, actions, after, approve })',
    })
    .optional()
    .meta({ description: 'which classifications trigger which actions (default: see docs/respond.md)' }),
})
  .nullish()
  .superRefine((section, ctx) => {
    if (section?.role !== undefined) return;
    for (const key of ['externalId', 'roleSessionName'] as const) {
      if (section?.[key] !== undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} needs respond.role` });
    }
  })
  .transform((section): RespondConfig => {
    const d = DEFAULT_RESPOND_CONFIG;
    return {
      mode: section?.mode ?? d.mode,
      rules: section?.rules ?? d.rules,
      quarantinePolicy: section?.quarantinePolicy ?? d.quarantinePolicy,
      protected: section?.protected ?? d.protected,
      breakGlassRoles: section?.breakGlassRoles ?? d.breakGlassRoles,
      rateLimit: {
        count: section?.rateLimit?.count ?? d.rateLimit.count,
        windowMs: section?.rateLimit?.window ?? d.rateLimit.windowMs,
      },
      liftOnReEnrolment: section?.liftOnReEnrolment ?? d.liftOnReEnrolment,
      partition: section?.partition ?? d.partition,
      assumeRole:
        section?.role === undefined
          ? d.assumeRole
          : {
              role: section.role,
              externalId: section.externalId ?? null,
              sessionName: section.roleSessionName ?? DEFAULT_ROLE_SESSION_NAME,
            },
    };
  })
  .meta({ description: 'The response policy: containment actions per classification (see docs/respond.md)' });

/** An IAM policy's name as IAM allows it, or a policy ARN (customer managed, AWS managed, or an SCP's p-... id). */
const POLICY_REF = /^(arn:aws[\w-]*:(iam|organizations)::[\w:/+=,.@-]+|[\w+=,.@-]{1,128})$/;

const mfaPoliciesSchema = z
  .array(
    z
      .string({ error: (issue) => `expected a policy name or ARN, got ${show(issue.input)}` })
      .regex(POLICY_REF, {
        error: (issue) =>
          `expected a policy name (ForceMFA) or ARN (arn:aws:iam::111122223333:policy/ForceMFA), got ${show(issue.input)}`,
      }),
    { error: (issue) => `expected a list of policy names or ARNs, got ${show(issue.input)}` },
  )
  .nullish()
  .transform((list) => list ?? [])
  .meta({
    description:
      'MFA-enforcing policies (names or ARNs) besides those whose name says MFA: their explicit denies count as MFA-related denials',
  });

/** The whole file. `notify` is checked by the notifiers' own parser (see notify/config.ts). */
export const CONFIG_SCHEMA = z
  .strictObject(
    {
      approvals: z
        .array(approvalSchema, { error: (issue) => `expected a list of approvals, got ${show(issue.input)}` })
        .nullish()
        .meta({ description: 'Approved MFA changes: a matching removal is classified approved' }),
      identities: identitiesSchema.meta({
        description: 'Who is who: administrators, owners, privileged users',
      }),
      mfaPolicies: mfaPoliciesSchema,
      notify: z.unknown().optional().meta({
        description: 'Notifiers and the routes that choose them (see docs/notifications.md)',
        type: 'object',
      }),
      posture: postureSchema,
      respond: respondSchema,
      serve: serveSchema,
      triage: triageSchema,
      workingHours: workingHoursSchema,
    },
    { error: (issue) => `expected a mapping, got ${show(issue.input)}` },
  )
  .meta({ title: 'mfaguard configuration', description: 'The file given with --config (YAML)' });

export type ParsedConfigFile = z.output<typeof CONFIG_SCHEMA>;

/**
 * The schema published for editors (docs/schemas/config.schema.json): CONFIG_SCHEMA with the notify section's shape
 * from the notifiers' own config schemas (the values are checked by notify/config.ts, which names each problem).
 */
export const CONFIG_FILE_SCHEMA = CONFIG_SCHEMA.extend({ notify: NOTIFY_SECTION_SCHEMA });
