// The settings of the email notifier (e-mail over SMTP) as a zod schema, the typed config it becomes, and the checks
// that need the environment.

import { z } from 'zod';
import type { ConfigAdvice, Environment } from '../common-config.ts';
import {
  NOTIFIER_COMMON_SHAPE,
  commonConfig,
  emailAddress,
  envName,
  flag,
  oneLine,
  requireEnv,
  show,
} from '../common-config.ts';

const STARTTLS = ['required', 'opportunistic', 'off'] as const;
export type StartTls = (typeof STARTTLS)[number];

const PORT_ERROR = (issue: { input?: unknown }) =>
  `expected a port number from 1 to 65535, got ${show(issue.input)}`;

export const EMAIL_SETTINGS = z
  .strictObject({
    ...NOTIFIER_COMMON_SHAPE,
    kind: z.literal('email'),
    host: oneLine().meta({ description: 'SMTP server' }),
    port: z
      .number({ error: PORT_ERROR })
      .int({ error: PORT_ERROR })
      .min(1, { error: PORT_ERROR })
      .max(65535, { error: PORT_ERROR })
      .optional()
      .meta({ description: 'default 465 with secure, else 587' }),
    secure: flag().optional().meta({ description: 'implicit TLS from the first byte (port 465)' }),
    starttls: z
      .enum(STARTTLS, {
        error: (issue) => `expected required, opportunistic or off, got ${show(issue.input)}`,
      })
      .optional(),
    user: oneLine().optional(),
    passwordEnv: envName()
      .optional()
      .meta({ description: 'name of the environment variable holding the password' }),
    from: emailAddress().meta({ description: 'sender address' }),
    to: z
      .array(emailAddress(), { error: (issue) => `expected a list, got ${show(issue.input)}` })
      .optional()
      .meta({ description: "the team's addresses" }),
    subjectPrefix: oneLine().optional().meta({ description: 'default [mfaguard]' }),
  })
  .meta({ title: 'email notifier' });

export const EMAIL_CONFIG = EMAIL_SETTINGS.transform((s, ctx) => {
  // A password needs a user to log in as, and a user without a password is an SMTP relay that trusts the host.
  if (s.passwordEnv !== undefined && s.user === undefined)
    ctx.addIssue({ code: 'custom', path: ['user'], message: 'is required when passwordEnv is given' });
  if (s.user !== undefined && s.passwordEnv === undefined)
    ctx.addIssue({ code: 'custom', path: ['passwordEnv'], message: 'is required' });
  const secure = s.secure ?? false;
  return {
    ...commonConfig(s, { verificationLinks: true }),
    kind: s.kind,
    host: s.host,
    port: s.port ?? (secure ? 465 : 587),
    /** Implicit TLS from the first byte (port 465); otherwise `starttls` decides. */
    secure,
    starttls: s.starttls ?? 'opportunistic',
    user: s.user ?? null,
    passwordEnv: s.passwordEnv ?? null,
    from: s.from,
    /** The team's addresses; verification requests go to the notification's `recipient` instead. */
    to: s.to ?? [],
    subjectPrefix: s.subjectPrefix ?? '[mfaguard]',
  };
});

export type EmailNotifierConfig = z.output<typeof EMAIL_CONFIG>;

export function adviseEmail(config: EmailNotifierConfig, env: Environment | null): ConfigAdvice[] {
  const advice = requireEnv(env, 'passwordEnv', config.passwordEnv);
  if (config.user !== null && !config.secure && config.starttls === 'off') {
    advice.push({
      path: ['starttls'],
      message: 'the SMTP password would travel in clear text',
      hint: 'use starttls: required or secure: true',
      level: 'warning',
    });
  }
  if (config.to.length === 0) {
    advice.push({
      path: ['to'],
      message: 'no addresses: this notifier can only deliver verification requests (sent to the owner)',
      level: 'warning',
    });
  }
  return advice;
}
