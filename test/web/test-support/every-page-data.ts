// Data for the every-page browser test: enough of everything for each page to draw, with hostile strings in every
// field an attacker (CloudTrail) or a careless colleague (tickets, token names, comments) can write.

import type { Alert, Classification, Finding } from '../../../src/model/index.ts';
import type { Harness } from '../../../src/api/test-support/harness.ts';
import { NOW, sampleAlert, seedCase } from '../../../src/api/test-support/harness.ts';
import { hashApiToken } from '../../../src/api/auth.ts';
import { targetKeyOf } from '../../../src/store/index.ts';
import { makeEvent } from '../../../src/detect/test-support/event.ts';

/** The kinds of hostile text the issue names: HTML, ANSI, bidi, a spreadsheet formula, a Slack mention. */
export const HOSTILE_TEXT = {
  img: '<img src=x onerror=window.__pwned=1>',
  script: '<script>window.__pwned=2</script>',
  ansi: '\u001b[31mred\u001b[0m',
  bidi: 'gnp\u202Eexe.txt',
  formula: '=HYPERLINK("http://x","y")',
  slack: '<!channel> @here',
} as const;

const DAY = 86_400_000;
const MINUTE = 60_000;
const ACCOUNT = '111122223333';
const CLASSES: Classification[] = ['rotation', 'unauthorized', 'unresolved', 'verified', 'suspicious'];

/** Removals spread over the last 70 days, most resolved, so the Overview's charts have data. */
async function seedHistory(h: Harness): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const user = `user${i}`;
    const eventMs = NOW - (i * 6 + 1) * DAY;
    const alert: Alert = {
      ...sampleAlert({
        user,
        time: new Date(eventMs).toISOString(),
        severity: i % 4 === 0 ? 'critical' : 'high',
      }),
      classification: CLASSES[i % CLASSES.length]!,
    };
    const detectedMs = eventMs + (i + 1) * 20_000;
    await h.store.insertAlerts([alert], detectedMs);
    const { case: opened } = await h.store.openOrAttachCase({
      alert,
      targetKey: targetKeyOf(ACCOUNT, user),
      nowMs: detectedMs,
      actor: 'system',
    });
    if (i % 3 === 2) continue;
    await h.store.updateCase(
      opened.id,
      { vulnerabilityWindowSeconds: 120 * (i + 1) ** 2 },
      { actor: 'system', nowMs: detectedMs + MINUTE },
    );
    await h.store.transitionCase(opened.id, 'resolved', {
      actor: 'api:ann',
      nowMs: detectedMs + (i + 1) * 15 * MINUTE,
    });
  }
}

/** The hostile case: its alert carries markup, ANSI, bidi, a formula and a Slack mention in attacker fields. */
async function seedHostileCase(h: Harness): Promise<{ caseId: string; alertId: string }> {
  const base = sampleAlert({ id: 'alert-hostile', user: HOSTILE_TEXT.img, severity: 'critical' });
  const alert: Alert = {
    ...base,
    title: `MFA removed from ${HOSTILE_TEXT.img} ${HOSTILE_TEXT.slack}`,
    actor: {
      ...base.actor,
      userName: HOSTILE_TEXT.formula,
      userAgent: `${HOSTILE_TEXT.script} ${HOSTILE_TEXT.ansi} ${HOSTILE_TEXT.bidi}`,
      sourceIp: '198.51.100.36',
      mfaAuthenticated: false,
    },
    classification: 'unauthorized',
    reasons: [
      { code: 'no-mfa-session', message: `removed by ${HOSTILE_TEXT.formula} without MFA`, weight: 25 },
    ],
    related: [
      {
        eventId: 'e-enable',
        name: 'EnableMFADevice',
        time: '2026-11-23T11:03:00Z',
        actor: HOSTILE_TEXT.slack,
      },
    ],
  };
  const caseId = await seedCase(h.store, alert);
  // The record as delivered, for the raw-record viewer: hostile keys and values, ANSI and bidi included.
  await h.store.insertEvents([
    makeEvent({
      id: alert.event.id,
      time: alert.event.time,
      timeMs: Date.parse(alert.event.time),
      raw: {
        eventName: 'DeactivateMFADevice',
        userAgent: `${HOSTILE_TEXT.script} ${HOSTILE_TEXT.ansi}`,
        userIdentity: { userName: HOSTILE_TEXT.formula },
        requestParameters: {
          userName: HOSTILE_TEXT.img,
          [HOSTILE_TEXT.img]: HOSTILE_TEXT.slack,
          note: HOSTILE_TEXT.bidi,
        },
      },
    }),
  ]);
  await h.store.addComment(caseId, {
    author: HOSTILE_TEXT.bidi,
    text: `${HOSTILE_TEXT.script} ${HOSTILE_TEXT.ansi}`,
    nowMs: NOW,
  });
  await seedCase(h.store, sampleAlert({ id: 'alert-bidi', user: HOSTILE_TEXT.bidi, severity: 'medium' }));
  return { caseId, alertId: alert.id };
}

/** A failing console-MFA finding about `user` in the test account. */
export const failingFinding = (user: string): Finding => ({
  checkId: 'iam_user_mfa_enabled_console_access',
  status: 'FAIL',
  severity: 'high',
  resource: { type: 'AwsIamUser', name: user, arn: null, account: ACCOUNT },
  controls: [],
  message: `IAM user ${user} can sign in to the console without MFA.`,
  remediation: 'Enable MFA.',
});

async function seedPosture(h: Harness): Promise<void> {
  for (const i of [0, 1, 2, 3])
    await h.store.recordPostureSnapshot({
      accountId: ACCOUNT,
      takenAt: NOW - (60 - i * 14) * DAY,
      source: 'audit',
      consoleUsers: 20,
      consoleUsersWithMfa: 12 + i * 2,
      mfaEnforcedByPolicy: 5 + i * 3,
      cisScore: 60 + i * 8,
      state: {},
      findings:
        i === 3
          ? [failingFinding('bob'), failingFinding(HOSTILE_TEXT.img), failingFinding(HOSTILE_TEXT.ansi)]
          : [],
      eventFacts: [],
      basedOn: null,
    });
}

/** Access denials, for the Overview's denials chart: without MFA, and explicit denies by an MFA policy. */
export async function seedDenials(h: Harness): Promise<void> {
  await h.store.insertEvents(
    [0, 1, 2, 3, 4, 5].map((i) =>
      makeEvent({
        id: `denied-${i}`,
        name: 'ListMFADevices',
        timeMs: NOW - (i * 9 + 2) * DAY,
        time: new Date(NOW - (i * 9 + 2) * DAY).toISOString(),
        outcome: 'failure',
        errorCode: 'AccessDenied',
        errorMessage:
          i % 3 === 0
            ? 'User: arn:aws:iam::111122223333:user/bob is not authorized to perform: iam:ListMFADevices with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/ForceMFA'
            : 'not authorized',
        actor: { mfaAuthenticated: i % 3 === 0 },
      }),
    ),
  );
}

/** Seeds every page; answers the ids the case and alert pages open. */
export async function seedEveryPage(h: Harness): Promise<{ caseId: string; alertId: string }> {
  await seedHistory(h);
  const ids = await seedHostileCase(h);
  await seedPosture(h);
  await seedDenials(h);
  await h.store.createApproval({
    ticket: `${HOSTILE_TEXT.formula} ${HOSTILE_TEXT.img}`,
    user: HOSTILE_TEXT.bidi,
    actor: HOSTILE_TEXT.slack,
    account: ACCOUNT,
    fromMs: NOW - DAY,
    toMs: NOW + DAY,
    approver: HOSTILE_TEXT.ansi,
    createdBy: 'api:admin',
    nowMs: NOW,
  });
  await h.store.createApiToken({
    name: `ci ${HOSTILE_TEXT.slack} ${HOSTILE_TEXT.img}`,
    role: 'viewer',
    tokenHash: hashApiToken('mfg_every-page-hostile'),
    createdBy: HOSTILE_TEXT.formula,
    nowMs: NOW,
  });
  return ids;
}
