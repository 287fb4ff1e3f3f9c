// The email notifier's contract harness (a real SMTP receiver on loopback) and its test config.

import assert from 'node:assert/strict';
import { createEmailNotifier } from '../email.ts';
import type { EmailNotifierConfig } from '../config-schema.ts';
import { COMMON_TEST_SETTINGS, testDeps } from '../../../test-support/harness-kit.ts';
import { closedPort } from '../../../test-support/http-receiver.ts';
import type { NotifierHarness } from '../../../test-support/notifier.contract.ts';
import { parseMail, startSmtpReceiver } from '../../../test-support/smtp-receiver.ts';

export function emailConfig(port: number, extra: Partial<EmailNotifierConfig> = {}): EmailNotifierConfig {
  return {
    ...COMMON_TEST_SETTINGS,
    id: 'mail',
    kind: 'email',
    host: '127.0.0.1',
    port,
    secure: false,
    starttls: 'opportunistic',
    user: null,
    passwordEnv: null,
    from: 'mfaguard <mfaguard@example.com>',
    to: ['secops@example.com'],
    subjectPrefix: '[mfaguard]',
    ...extra,
  };
}

export const HARNESS: NotifierHarness = {
  kind: 'email',
  maxWireBytes: 512 * 1024,
  secrets: [],
  async setup() {
    const receiver = await startSmtpReceiver();
    const notifier = createEmailNotifier(emailConfig(receiver.port), testDeps());
    return {
      notifier,
      failNext: (how) =>
        receiver.script.push(
          how === 'transient'
            ? { code: 451, message: 'try again later' }
            : { code: 550, message: 'mailbox unavailable' },
        ),
      accepted: () =>
        receiver.mails.map((mail) => {
          const parsed = parseMail(mail.raw);
          // The wire as a person's mail client sees it: headers as sent, bodies decoded.
          const wire = `${parsed.headerLines.join('\r\n')}\r\n\r\n${parsed.text}\r\n${parsed.html}`;
          return {
            wire,
            shown: [
              { markup: 'text', text: parsed.subject },
              { markup: 'text', text: parsed.text },
              { markup: 'html', text: parsed.html },
            ],
          };
        }),
      close: () => receiver.close(),
    };
  },
  async unreachable() {
    const port = await closedPort();
    return { notifier: createEmailNotifier(emailConfig(port), testDeps()), close: async () => {} };
  },
  checkHostile(view) {
    const lines = view.wire.split('\r\n\r\n')[0]!.split('\r\n');
    assert.ok(!lines.some((line) => /^x-injected/i.test(line)), 'no injected header');
    const subject = view.shown[0]!.text;
    assert.ok(!/[\r\n]/.test(subject) && subject.length <= 200, `subject: ${subject.slice(0, 80)}`);
    assert.ok(view.shown[2]!.text.includes('&lt;script&gt;'), 'HTML shows the script tag as text');
  },
};
