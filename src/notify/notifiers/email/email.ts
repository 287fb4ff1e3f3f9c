// Email over SMTP (nodemailer): the team's alerts, and the owner's "was this you?" with its two links.

import type { Transporter } from 'nodemailer';
import type { SentMessageInfo, SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { forLog } from '../../../report/index.ts';
import type { EmailNotifierConfig } from './config-schema.ts';
import type { NotifierDeps } from '../../deps.ts';
import { readSecret } from '../../deps.ts';
import { describeNetworkError } from '../../http.ts';
import { messageFacts } from '../../message.ts';
import type { Notifier, SendResult } from '../../notification.ts';
import { composeEmail, emailMessageId } from './compose.ts';

interface SmtpErrorShape {
  readonly code?: unknown;
  readonly responseCode?: unknown;
  readonly response?: unknown;
  readonly message?: unknown;
}

/** Codes nodemailer sets when no SMTP reply is involved and a later attempt may get through. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'EABORT', 'EPROTOCOL']);

/** SMTP's own classes: 4xx is "try again later", 5xx is "this message will never be accepted". */
export function smtpErrorResult(error: unknown, label: string): SendResult {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SmtpErrorShape;
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  if (typeof shape.responseCode === 'number') {
    const reply =
      typeof shape.response === 'string'
        ? shape.response
        : typeof shape.message === 'string'
          ? shape.message
          : '';
    const error = `${label}: SMTP ${shape.responseCode}${reply === '' ? '' : `: ${forLog(reply.split('\n')[0]!.slice(0, 300))}`}`;
    return { ok: false, retryable: shape.responseCode < 500, error };
  }
  if (code !== undefined && TRANSIENT_CODES.has(code)) {
    return { ok: false, retryable: true, error: `${label}: ${describeNetworkError(error)}` };
  }
  // Missing credentials, TLS refused, bad envelope: configuration, not luck.
  const message = typeof shape.message === 'string' ? (shape.message.split('\n')[0] ?? '') : String(error);
  return {
    ok: false,
    retryable: false,
    error: `${label}: ${code === undefined ? '' : `${code} `}${forLog(message.slice(0, 300))}`,
  };
}

export function createEmailNotifier(config: EmailNotifierConfig, deps: NotifierDeps): Notifier {
  const password = config.passwordEnv === null ? null : readSecret(deps, config.passwordEnv, config.id);
  const options: SMTPTransportOptions = {
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.starttls === 'required',
    ignoreTLS: config.starttls === 'off',
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    ...(config.user === null ? {} : { auth: { user: config.user, pass: password ?? '' } }),
  };
  // nodemailer is loaded on the first send: notify/index.ts is imported by the configuration's parser, which `scan` runs.
  let transport: Promise<Transporter<SentMessageInfo>> | null = null;
  const loadTransport = () =>
    (transport ??= import('nodemailer').then(({ createTransport }) => createTransport(options)));
  const label = `email '${config.id}' via ${config.host}:${config.port}`;
  return {
    id: config.id,
    kind: 'email',
    async send(n, signal): Promise<SendResult> {
      const verification = n.kind === 'verification-request';
      // The owner's links go to the owner only; the team's list never receives them.
      const to = verification ? (n.recipient === undefined ? [] : [n.recipient]) : [...config.to];
      if (to.length === 0) {
        const why = verification
          ? 'a verification request without a recipient'
          : 'no `to` addresses configured';
        return { ok: false, retryable: false, error: `${label}: ${why}` };
      }
      if (to.some((address) => /[\r\n]/.test(address))) {
        return { ok: false, retryable: false, error: `${label}: recipient address contains a line break` };
      }
      const facts = messageFacts(n, { verificationLinks: verification || config.verificationLinks });
      const mail = composeEmail(config.subjectPrefix, facts);
      try {
        const info = await (
          await loadTransport()
        ).sendMail({
          from: config.from,
          to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: emailMessageId(n.dedupeKey, config.from),
          headers: { 'X-Mfaguard-Kind': n.kind, 'X-Mfaguard-Severity': n.severity },
          ...(signal === undefined ? {} : { signal }),
        });
        const rejected = info.rejected.length;
        if (info.accepted.length === 0) {
          return { ok: false, retryable: false, error: `${label}: every recipient was rejected` };
        }
        return {
          ok: true,
          detail: `${forLog(info.response.slice(0, 200))}${rejected > 0 ? ` (${rejected} rejected)` : ''}`,
        };
      } catch (error) {
        return smtpErrorResult(error, label);
      }
    },
  };
}
