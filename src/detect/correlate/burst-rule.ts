// The correlated detection "MFA removed from several users in a short time": raised by correlation, never by one event.

import type { EventRule } from '../../model/index.ts';

export const BURST_RULE: EventRule = {
  kind: 'event',
  meta: {
    id: 'mfaguard-mfa-removal-burst',
    name: 'MFA removed from several users in a short time',
    description:
      'One caller deactivated the MFA devices of several IAM users within a few minutes. Device replacement is done ' +
      'one user at a time; a sweep across many users is how an intruder with administrative access weakens an account ' +
      'before taking it over, or how a script gone wrong looks.',
    format: 'builtin',
    path: '(correlation)',
    severity: 'high',
    // 73 is the top of the high band (Elastic's convention: high rules carry 73, critical 99); a sweep is high, not
    // critical, because a planned bulk reset looks the same until the caller is asked.
    riskScore: 73,
    mitre: [
      {
        tactic: { id: 'TA0040', name: 'Impact' },
        technique: { id: 'T1531', name: 'Account Access Removal' },
        subtechnique: null,
      },
      {
        tactic: { id: 'TA0005', name: 'Defense Evasion' },
        technique: { id: 'T1556', name: 'Modify Authentication Process' },
        subtechnique: { id: 'T1556.006', name: 'Multi-Factor Authentication' },
      },
    ],
    falsePositives: [
      'An administrator offboarding a team or resetting devices in bulk under a change ticket.',
    ],
    investigationGuide:
      'List the targets: `correlation.targets` names the first 100 and `count` says how many; every removal of the ' +
      'burst has its own alert naming this one (`correlation.burstAlertId`), so the removal alerts by this caller ' +
      "over the burst's span (the alerts API's `actor` and event-time filters) list them all. " +
      'Ask the caller whether a bulk change was planned and find its ticket. ' +
      'If not, contain the caller first (its keys and sessions), then re-enrol MFA for every target.',
    investigationFields: [
      'user.name',
      'source.ip',
      'user_agent.original',
      'aws.cloudtrail.user_identity.arn',
    ],
    // As for every shipped rule: the call it correlates, AWS's page on removing a user's MFA, and the sub-technique.
    references: [
      'https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeactivateMFADevice.html',
      'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_disable.html',
      'https://attack.mitre.org/techniques/T1556/006/',
    ],
    tags: ['correlation', 'mfa'],
    maturity: 'production',
  },
  eventNames: new Set<string>(),
  eventSources: null,
  matches: () => false,
};
