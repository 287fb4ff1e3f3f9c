// Notifications for tests: an ordinary case, and one whose every attacker-reachable string is hostile.

import type { Alert } from '../../model/index.ts';
import type { Notification } from '../notification.ts';

export function sampleAlert(
  overrides: Partial<Alert['actor']> & { targetUser?: string; reason?: string } = {},
): Alert {
  const { targetUser, reason, ...actor } = overrides;
  return {
    id: 'alert-1',
    rule: {
      id: 'mfa-deactivated',
      name: 'MFA device deactivated',
      format: 'builtin',
      severity: 'high',
      riskScore: 73,
      mitre: [],
    },
    severity: 'high',
    riskScore: 73,
    title: 'MFA device deactivated for alice by mallory',
    event: {
      id: 'ev-1',
      name: 'DeactivateMFADevice',
      source: 'iam.amazonaws.com',
      time: '2026-03-02T10:15:00Z',
      outcome: 'success',
      errorCode: null,
      account: '123456789012',
      region: 'us-east-1',
      location: 'test',
      index: 0,
    },
    actor: {
      arn: 'arn:aws:iam::123456789012:user/mallory',
      type: 'IAMUser',
      userName: 'mallory',
      accessKeyId: 'AKIAEXAMPLE',
      accessKeyKind: 'long-term',
      sourceIp: '203.0.113.9',
      userAgent: 'aws-cli/2.15',
      mfaAuthenticated: false,
      consoleSession: false,
      ...actor,
    },
    target: { userName: targetUser ?? 'alice', serialNumber: 'arn:aws:iam::123456789012:mfa/alice' },
    classification: 'suspicious',
    reasons: [
      { code: 'no-mfa-session', message: 'removed by a session without MFA', weight: 20 },
      { code: 'new-source-ip', message: reason ?? 'source IP never seen for this actor', weight: 30 },
      { code: 'off-hours', message: 'outside working hours', weight: 5 },
      { code: 'minor', message: 'a fourth, weaker reason', weight: 1 },
    ],
  };
}

export function sampleNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    kind: 'case-opened',
    caseId: 'case-42',
    severity: 'high',
    classification: 'suspicious',
    title: 'MFA removed from alice',
    summary: 'mallory deactivated the MFA device of alice from 203.0.113.9.',
    alert: sampleAlert(),
    links: { case: 'https://mfaguard.example.com/cases/case-42' },
    dedupeKey: 'case-opened:case-42',
    ...overrides,
  };
}

/** Pieces of text an attacker can put in a user name, user agent or error message. */
export const HOSTILE = {
  ansi: '\u001b[2J\u001b[31mRED\u001b]8;;http://evil.example\u0007',
  script: '<script>alert(1)</script>',
  slackPing: '<!channel> <!here> @here @channel <@U12345>',
  slackLink: '<http://evil.example|click here>',
  formula: '=HYPERLINK("http://evil.example","x")',
  crlf: 'x\r\nX-Injected: yes\r\n\r\nfake body',
  bidi: 'abc\u202egnp.exe',
  big: 'A'.repeat(10 * 1024),
} as const;

const ALL = Object.values(HOSTILE)
  .filter((s) => s !== HOSTILE.big)
  .join(' | ');

export function hostileNotification(overrides: Partial<Notification> = {}): Notification {
  return sampleNotification({
    title: `${ALL} ${HOSTILE.big}`,
    summary: `${HOSTILE.crlf} ${ALL} ${HOSTILE.big}`,
    alert: sampleAlert({
      userName: `${HOSTILE.slackPing}${HOSTILE.crlf}`,
      userAgent: `${HOSTILE.ansi}${HOSTILE.script}${HOSTILE.big}`,
      sourceIp: HOSTILE.slackLink,
      targetUser: `${HOSTILE.formula}${HOSTILE.bidi}`,
      reason: `${HOSTILE.script} ${HOSTILE.slackLink} ${HOSTILE.big}`,
    }),
    links: {
      case: 'https://mfaguard.example.com/cases/case-42',
      confirm: 'javascript:alert(1)',
      deny: 'https://mfaguard.example.com/v/deny?t=abc',
    },
    ...overrides,
  });
}
