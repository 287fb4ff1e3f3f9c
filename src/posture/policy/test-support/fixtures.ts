// The user, clock and policies the word-for-word tests of posture/policy share.

import { analyzeMfaEnforcement } from '../mfa-enforcement.ts';
import type { PolicyRef, SensitiveAction } from '../types.ts';

export const NOW = new Date('2026-11-23T12:00:00Z');

export const ALICE = {
  principalArn: 'arn:aws:iam::123456789012:user/alice',
  userName: 'alice',
  accountId: '123456789012',
};

/** Two sensitive actions keep every line of an explanation or a finding short enough to write out. */
export const TWO: readonly SensitiveAction[] = [
  { action: 's3:GetObject', resource: 'arn:{partition}:s3:::b/o', why: 'reads data' },
  { action: 'iam:CreateAccessKey', resource: '{principalArn}', why: 'persistence' },
];

export const ADMIN: PolicyRef = {
  name: 'Admin',
  source: 'user-managed',
  document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

/** Findings of policy 'P' (statements given) next to Admin for ALICE with TWO, enrolment aside, as [code, level, message]. */
export function findingsNextToAdmin(...statements: Record<string, unknown>[]): string[][] {
  return analyzeMfaEnforcement(
    {
      ...ALICE,
      identityPolicies: [
        ADMIN,
        { name: 'P', source: 'user-managed', document: { Version: '2012-10-17', Statement: statements } },
      ],
    },
    { now: NOW, sensitiveActions: TWO },
  )
    .findings.filter((f) => f.code !== 'denies-mfa-self-enrolment')
    .map((f) => [f.code, f.level, f.message]);
}
