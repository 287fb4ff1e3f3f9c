// The triage decision table row by row: which row decides, the classification, the score with its caps and floors,
// and where the takeover threshold lies. docs/triage.md explains the same table to users.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type DecisionInput, type EvidenceCode } from './decision-table.ts';

const input = (over: Partial<DecisionInput>): DecisionInput => ({
  evidence: [],
  baseRisk: 47,
  approved: false,
  root: false,
  byAnother: false,
  reEnrolled: false,
  ...over,
});

describe('the triage decision table', () => {
  const cases: {
    what: string;
    input: DecisionInput;
    classification: string;
    score: number;
    rule: string;
    takeover?: number;
  }[] = [
    {
      what: 'an approval wins over takeover signals and caps the score, raise evidence included',
      input: input({
        approved: true,
        evidence: [
          'no-mfa-session',
          'new-source-ip',
          'actor-not-target',
          'outside-working-hours',
          'privileged-target',
        ],
      }),
      classification: 'approved',
      score: 20,
      rule: 'approved',
      takeover: 40,
    },
    {
      what: 'an approved change to root is still critical',
      input: input({ approved: true, root: true, evidence: ['root-target'] }),
      classification: 'approved',
      score: 90,
      rule: 'approved',
    },
    {
      what: 'takeover signals at the threshold make it suspicious, at least high',
      input: input({
        baseRisk: 10,
        evidence: ['no-mfa-session', 'temporary-key-not-console', 'precursor-reconnaissance', 'new-client'],
      }),
      classification: 'suspicious',
      score: 70,
      rule: 'takeover',
      takeover: 40,
    },
    {
      what: 'one point below the threshold they do not',
      input: input({
        baseRisk: 10,
        evidence: ['no-mfa-session', 'temporary-key-not-console', 'precursor-reconnaissance'],
      }),
      classification: 'unresolved',
      score: 45,
      rule: 'not-re-enrolled',
      takeover: 35,
    },
    {
      what: 'a takeover keeps a score above the floor, and raise evidence adds to it',
      input: input({ evidence: ['follow-up-privilege', 'attacker-device', 'privileged-target'] }),
      classification: 'suspicious',
      score: 100,
      rule: 'takeover',
      takeover: 45,
    },
    {
      what: 'risk evidence weighs in the score but is no takeover',
      input: input({
        baseRisk: 0,
        evidence: [
          'unresolved',
          'no-baseline',
          'target-unknown',
          'device-deleted-not-replaced',
          'outside-working-hours',
        ],
      }),
      classification: 'unresolved',
      score: 40,
      rule: 'not-re-enrolled',
      takeover: 0,
    },
    {
      what: 'root without MFA back is unresolved and critical',
      input: input({ root: true, baseRisk: 30, evidence: ['root-target'] }),
      classification: 'unresolved',
      score: 90,
      rule: 'root',
    },
    {
      what: 'root re-enrolled is still suspicious: never resolved automatically',
      input: input({ root: true, reEnrolled: true, byAnother: true, baseRisk: 30 }),
      classification: 'suspicious',
      score: 90,
      rule: 'root',
    },
    {
      what: "an administrator's reset is capped while the owner may still answer",
      input: input({ byAnother: true, evidence: ['outside-working-hours', 'no-baseline'] }),
      classification: 'admin-reset',
      score: 47,
      rule: 'admin-reset',
    },
    {
      what: "an administrator's reset with no device at all after the grace window is capped higher",
      input: input({ byAnother: true, evidence: ['unresolved', 'outside-working-hours'] }),
      classification: 'admin-reset',
      score: 60,
      rule: 'admin-reset',
    },
    {
      what: 'with an untrusted enrolment it keeps the lower cap',
      input: input({
        byAnother: true,
        evidence: ['unresolved', 'untrusted-enrolment', 'outside-working-hours'],
      }),
      classification: 'admin-reset',
      score: 47,
      rule: 'admin-reset',
    },
    {
      what: "an administrator's reset below the cap keeps its score, plus who the target is",
      input: input({
        byAnother: true,
        baseRisk: 20,
        evidence: ['privileged-target', 'privileged-without-approval'],
      }),
      classification: 'admin-reset',
      score: 45,
      rule: 'admin-reset',
    },
    {
      what: 'no re-enrolment by the user is unresolved',
      input: input({ baseRisk: 30, evidence: ['privileged-target'] }),
      classification: 'unresolved',
      score: 45,
      rule: 'not-re-enrolled',
    },
    {
      what: 're-enrolled with a risk signal is suspicious',
      input: input({ reEnrolled: true, evidence: ['re-enrolled', 'outside-working-hours'] }),
      classification: 'suspicious',
      score: 57,
      rule: 're-enrolled-with-signals',
    },
    {
      what: 're-enrolled with a takeover signal below the threshold is suspicious',
      input: input({ reEnrolled: true, evidence: ['new-client'] }),
      classification: 'suspicious',
      score: 52,
      rule: 're-enrolled-with-signals',
      takeover: 5,
    },
    {
      what: 're-enrolled with context only is a rotation, low, with raise evidence on top',
      input: input({
        reEnrolled: true,
        evidence: ['re-enrolled', 'console-context', 'known-administrator', 'privileged-target'],
      }),
      classification: 'rotation',
      score: 30,
      rule: 'rotation',
      takeover: 0,
    },
    {
      what: 'a rotation below the cap keeps its score',
      input: input({ reEnrolled: true, baseRisk: 9.6 }),
      classification: 'rotation',
      score: 10,
      rule: 'rotation',
    },
    {
      what: 'a score never goes below zero',
      input: input({ reEnrolled: true, baseRisk: -30 }),
      classification: 'rotation',
      score: 0,
      rule: 'rotation',
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.classification} ${c.score}`, () => {
      const decision = decide(c.input);
      assert.deepEqual(
        [decision.classification, decision.riskScore, decision.rule],
        [c.classification, c.score, c.rule],
      );
      if (c.takeover !== undefined) assert.equal(decision.takeoverScore, c.takeover);
    });
  }

  it('every takeover signal alone stays below the threshold: takeover is a combination', () => {
    const takeover: EvidenceCode[] = [
      'actor-not-target',
      'no-mfa-session',
      'temporary-key-not-console',
      'new-source-ip',
      'new-client',
      'precursor-reconnaissance',
      'precursor-failed-attempts',
      'burst',
      'follow-up-credentials',
      'follow-up-password-reset',
      'follow-up-privilege',
      'follow-up-sign-in-without-mfa',
      'attacker-device',
    ];
    for (const code of takeover) {
      const decision = decide(input({ evidence: [code] }));
      assert.ok(decision.takeoverScore > 0 && decision.takeoverScore < 40, code);
      assert.equal(decision.classification, 'unresolved', code);
      // With a re-enrolment, any of them alone keeps the removal from being called a rotation.
      assert.equal(decide(input({ evidence: [code], reEnrolled: true })).classification, 'suspicious', code);
    }
  });
});
