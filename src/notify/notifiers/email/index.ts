// The email notifier: SMTP through nodemailer, the team's alerts and the owner's "was this you?" with its links.

import { defineNotifier } from '../../definition.ts';
import { EMAIL_CONFIG, EMAIL_SETTINGS, adviseEmail } from './config-schema.ts';
import { createEmailNotifier } from './email.ts';

export const EMAIL_NOTIFIER = defineNotifier({
  kind: 'email',
  label: 'e-mail over SMTP',
  settings: EMAIL_SETTINGS,
  config: EMAIL_CONFIG,
  advise: adviseEmail,
  create: createEmailNotifier,
});
