// The settings of the email notifier (E-mail over SMTP), as a zod schema: the keys notify/config.ts accepts for it, and its
// part of the published configuration JSON Schema.

import { z } from 'zod';
import { NOTIFIER_COMMON_SHAPE } from '../common-config.ts';

export const EMAIL_CONFIG_SCHEMA = z
  .strictObject({
    ...NOTIFIER_COMMON_SHAPE,
    kind: z.literal('email'),
    host: z.string().meta({ description: 'SMTP server' }),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .meta({ description: 'default 465 with secure, else 587' }),
    secure: z.boolean().optional().meta({ description: 'implicit TLS from the first byte (port 465)' }),
    starttls: z.enum(['required', 'opportunistic', 'off']).optional(),
    user: z.string().optional(),
    passwordEnv: z
      .string()
      .optional()
      .meta({ description: 'name of the environment variable holding the password' }),
    from: z.string().meta({ description: 'sender address' }),
    to: z.array(z.string()).optional().meta({ description: "the team's addresses" }),
    subjectPrefix: z.string().optional().meta({ description: 'default [mfaguard]' }),
  })
  .meta({ title: 'email notifier' });
