import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostileNotification, sampleNotification } from '../../test-support/fixtures.ts';
import { testDeps } from '../../test-support/harness-kit.ts';
import { emailConfig } from './test-support/harness.ts';
import { parseMail, startSmtpReceiver } from '../../test-support/smtp-receiver.ts';
import { emailMessageId } from './compose.ts';
import { createEmailNotifier, smtpErrorResult } from './email.ts';

const VERIFY = sampleNotification({
  kind: 'verification-request',
  recipient: 'alice@example.com',
  dedupeKey: 'verify:case-42',
  links: {
    case: 'https://mfaguard.example.com/cases/case-42',
    confirm: 'https://mfaguard.example.com/v/confirm?t=abc',
    deny: 'https://mfaguard.example.com/v/deny?t=def',
  },
});

describe('email notifier', () => {
  it('sends text and HTML to the team with From, To, Subject and a stable Message-ID', async () => {
    const smtp = await startSmtpReceiver();
    try {
      const result = await createEmailNotifier(emailConfig(smtp.port), testDeps()).send(sampleNotification());
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(smtp.mails.length, 1);
      const mail = smtp.mails[0]!;
      assert.equal(mail.from, 'mfaguard@example.com');
      assert.deepEqual(mail.to, ['secops@example.com']);
      const parsed = parseMail(mail.raw);
      assert.equal(parsed.headers.get('from'), 'mfaguard <mfaguard@example.com>');
      assert.equal(parsed.headers.get('to'), 'secops@example.com');
      assert.equal(parsed.subject, '[mfaguard] HIGH MFA removed: case opened: MFA removed from alice');
      assert.equal(
        parsed.headers.get('message-id'),
        emailMessageId('case-opened:case-42', 'mfaguard <mfaguard@example.com>'),
      );
      assert.match(parsed.headers.get('message-id') ?? '', /^<[0-9a-f]{40}@example\.com>$/);
      assert.equal(parsed.headers.get('x-mfaguard-kind'), 'case-opened');
      assert.match(parsed.text, /^MFA removed from alice\n/);
      assert.match(parsed.text, /\nTarget user: alice\n/);
      assert.match(parsed.text, /\nTop reasons:\n {2}- source IP never seen for this actor\n/);
      assert.match(parsed.text, /Open the case: https:\/\/mfaguard\.example\.com\/cases\/case-42/);
      assert.match(parsed.html, /<h2[^>]*>MFA removed from alice<\/h2>/);
      assert.ok(!parsed.text.includes('Yes, this was me'), 'no verification links in a team alert');
    } finally {
      await smtp.close();
    }
  });

  it('sends a verification request to the owner only, with both links clearly in text and HTML', async () => {
    const smtp = await startSmtpReceiver();
    try {
      const result = await createEmailNotifier(emailConfig(smtp.port), testDeps()).send(VERIFY);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.deepEqual(smtp.mails[0]!.to, ['alice@example.com']);
      const parsed = parseMail(smtp.mails[0]!.raw);
      assert.equal(parsed.headers.get('to'), 'alice@example.com');
      assert.match(
        parsed.text,
        /Yes, this was me \/ planned:\n {2}https:\/\/mfaguard\.example\.com\/v\/confirm\?t=abc\n/,
      );
      assert.match(
        parsed.text,
        /No, this was not me:\n {2}https:\/\/mfaguard\.example\.com\/v\/deny\?t=def\n/,
      );
      assert.match(
        parsed.html,
        /<a href="https:\/\/mfaguard\.example\.com\/v\/confirm\?t=abc"[^>]*>Yes, this was me \/ planned<\/a>/,
      );
      assert.match(
        parsed.html,
        /<a href="https:\/\/mfaguard\.example\.com\/v\/deny\?t=def"[^>]*>No, this was not me<\/a>/,
      );
    } finally {
      await smtp.close();
    }
  });

  it('refuses a verification request without a recipient, and a team alert without addresses', async () => {
    const smtp = await startSmtpReceiver();
    try {
      const { recipient: _r, ...withoutRecipient } = VERIFY;
      const first = await createEmailNotifier(emailConfig(smtp.port), testDeps()).send(withoutRecipient);
      assert.deepEqual(first, {
        ok: false,
        retryable: false,
        error: `email 'mail' via 127.0.0.1:${smtp.port}: a verification request without a recipient`,
      });
      const second = await createEmailNotifier(emailConfig(smtp.port, { to: [] }), testDeps()).send(
        sampleNotification(),
      );
      assert.equal(!second.ok && second.retryable, false);
      assert.equal(smtp.mails.length, 0);
    } finally {
      await smtp.close();
    }
  });

  it('escapes hostile text in subject, text and HTML, and drops a javascript: link', async () => {
    const smtp = await startSmtpReceiver();
    try {
      const n = hostileNotification({ kind: 'verification-request', recipient: 'alice@example.com' });
      const result = await createEmailNotifier(emailConfig(smtp.port), testDeps()).send(n);
      assert.equal(result.ok, true, JSON.stringify(result));
      const parsed = parseMail(smtp.mails[0]!.raw);
      assert.ok(!parsed.headerLines.some((line) => /^x-injected/i.test(line)));
      assert.ok(
        parsed.subject.includes('\\x1b[2J') && !/[\r\n\u001b]/.test(parsed.subject),
        parsed.subject.slice(0, 100),
      );
      assert.ok(parsed.text.includes('x\\r\\nX-Injected: yes'), 'CR/LF in the summary shown as escapes');
      assert.ok(parsed.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
      assert.ok(!parsed.html.includes('javascript:') && !parsed.text.includes('javascript:'));
      // With one of the two links unusable, the mail does not pretend to offer a choice.
      assert.ok(!parsed.text.includes('Yes, this was me'));
      assert.ok(!parsed.text.split('\n').some((line) => line.startsWith('X-Injected')));
    } finally {
      await smtp.close();
    }
  });

  it('fails, not retryably, when STARTTLS is required and the server offers none', async () => {
    const smtp = await startSmtpReceiver();
    try {
      const result = await createEmailNotifier(
        emailConfig(smtp.port, { starttls: 'required' }),
        testDeps(),
      ).send(sampleNotification());
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.retryable, false, JSON.stringify(result));
      assert.equal(smtp.mails.length, 0);
    } finally {
      await smtp.close();
    }
  });

  it('classifies SMTP errors: 4xx retryable, 5xx not, socket errors retryable, auth not', () => {
    const label = "email 'm'";
    assert.deepEqual(
      smtpErrorResult(
        Object.assign(new Error('x'), {
          code: 'EMESSAGE',
          responseCode: 452,
          response: '452 4.3.1 Insufficient system storage',
        }),
        label,
      ),
      {
        ok: false,
        retryable: true,
        error: "email 'm': SMTP 452: 452 4.3.1 Insufficient system storage",
      },
    );
    assert.deepEqual(
      smtpErrorResult(
        Object.assign(new Error('x'), { responseCode: 554, response: '554 5.7.1 relay denied\nmore' }),
        label,
      ),
      {
        ok: false,
        retryable: false,
        error: "email 'm': SMTP 554: 554 5.7.1 relay denied",
      },
    );
    const socket = smtpErrorResult(
      Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' }),
      label,
    );
    assert.equal(!socket.ok && socket.retryable, true);
    const auth = smtpErrorResult(
      Object.assign(new Error('Missing credentials for "PLAIN"'), { code: 'EAUTH' }),
      label,
    );
    assert.deepEqual(auth, {
      ok: false,
      retryable: false,
      error: 'email \'m\': EAUTH Missing credentials for \\"PLAIN\\"',
    });
  });
});
