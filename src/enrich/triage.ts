// Triage of MFA removals: turns each incident's correlation and context into named evidence, then the decision table's classification, risk score and reasons.

import {
  assignMembers,
  byTime,
  correlateRemovals,
  isCallerUser,
  isMfaRemoval,
  targetUserName,
} from '../detect/index.ts';
import type { Burst, RelatedFinding, RemovalCorrelation } from '../detect/index.ts';
import type {
  Alert,
  Classification,
  CloudTrailEvent,
  Correlation,
  EcsDocument,
  Reason,
  RelatedEvent,
} from '../model/index.ts';
import { severityFromRiskScore, worstClassification } from '../model/index.ts';
import { findApproval } from './approvals.ts';
import { actorKey, clientFamily } from './baseline.ts';
import type { Baseline } from './baseline.ts';
import { decide, EVIDENCE, TAKEOVER_THRESHOLD } from './decision-table.ts';
import type { EvidenceCode } from './decision-table.ts';
import { isConsoleCall, isDelegatedSession, isTemporaryNotConsole, sessionMfa } from './session.ts';
import type { SessionMfa } from './session.ts';
import type { Approval, TriageConfig } from './triage-config.ts';
import { isWithinWorkingHours } from './working-hours.ts';

/** The fields Elastic's "AWS IAM Deactivation of MFA Device" rule asks an analyst to look at first. */
export const INVESTIGATION_FIELDS = [
  '@timestamp',
  'user.name',
  'user_agent.original',
  'source.ip',
  'aws.cloudtrail.user_identity.arn',
  'aws.cloudtrail.user_identity.type',
  'aws.cloudtrail.user_identity.access_key_id',
  'event.action',
  'event.outcome',
  'cloud.account.id',
  'cloud.region',
  'aws.cloudtrail.request_parameters',
] as const;

export interface TriageInput {
  readonly alerts: readonly Alert[];
  /** The relevant slice of events (any order; duplicates by eventID are ignored). */
  readonly events: readonly CloudTrailEvent[];
  readonly baseline: Baseline;
  readonly config: TriageConfig;
  /** Time of the newest event the data holds. */
  readonly coverageEndMs: number;
  /** The ECS view of an event, for the investigation block. */
  readonly ecs: (event: CloudTrailEvent) => EcsDocument;
  /** Builds the one correlated alert of a burst (the detection layer owns alert construction). */
  readonly burstAlert: (first: CloudTrailEvent) => Alert;
}

export interface Assessment {
  readonly classification: Classification;
  readonly riskScore: number;
  readonly reasons: readonly Reason[];
  readonly related: readonly RelatedEvent[];
  readonly vulnerabilityWindowSeconds: number | null;
  /** The decision table's row (see decision-table.ts). */
  readonly rule: string;
}

function nameOrArnIn(set: ReadonlySet<string>, event: CloudTrailEvent): boolean {
  return (
    (event.actor.userName !== null && set.has(event.actor.userName)) ||
    (event.actor.arn !== null && set.has(event.actor.arn))
  );
}

function describeActor(event: CloudTrailEvent): string {
  return event.actor.userName ?? event.actor.arn ?? event.actor.principalId ?? 'an unknown caller';
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}

/** Familiarity of a caller's address at the moment of `event`: null when the caller has no history to judge by. */
function newAddress(event: CloudTrailEvent, baseline: Baseline, config: TriageConfig): boolean | null {
  const key = actorKey(event);
  if (key === null || event.sourceIp === null) return null;
  if (!baseline.hasHistory(key, event.timeMs, config.lookbackMs, config.precursorWindowMs)) return null;
  return !baseline.seenBefore(
    key,
    `ip:${event.sourceIp}`,
    event.timeMs,
    config.lookbackMs,
    config.precursorWindowMs,
  );
}

/** An approval for this target that names the enabler (or names nobody) and covers the moment. */
function approvalCovers(approvals: readonly Approval[], event: CloudTrailEvent, target: string): boolean {
  return findApproval(approvals, event, target) !== null;
}

interface DeviceJudgement {
  readonly event: CloudTrailEvent;
  readonly verdict: 'trusted' | 'attacker' | 'untrusted';
  readonly why: string;
}

/**
 * How a device enabled for the target is to be read. Re-enrolment counts only when the target enabled it in a session
 * that is itself trustworthy (MFA-authenticated), or an administrator did under an approval. Otherwise the window stays
 * open, and the device is evidence: the intruder's own device when the enabling session carries takeover traits or the
 * remover enabled it under takeover signals; else (the owner re-enrolling with a password after an administrator's
 * reset, an administrator enabling a token) it waits for the owner's confirmation.
 */
function judgeDevice(
  enable: CloudTrailEvent,
  target: string,
  removalSuspect: boolean,
  byAnother: boolean,
  signIns: readonly CloudTrailEvent[],
  baseline: Baseline,
  config: TriageConfig,
): DeviceJudgement {
  const byTarget = isCallerUser(enable, target);
  const mfa = sessionMfa(enable, signIns);
  if (byTarget && mfa === 'mfa')
    return { event: enable, verdict: 'trusted', why: 'by the user in an MFA-authenticated session' };
  if (!byTarget && approvalCovers(config.approvals, enable, target))
    return { event: enable, verdict: 'trusted', why: `by ${describeActor(enable)} under an approved change` };
  const traits: string[] = [];
  if (mfa === 'none') traits.push('a session without MFA');
  if (isTemporaryNotConsole(enable)) traits.push('temporary credentials not from the console');
  if (newAddress(enable, baseline, config) === true) traits.push('an address never seen for that caller');
  const ownerAfterReset = byTarget && byAnother && traits.every((trait) => trait === 'a session without MFA');
  if (ownerAfterReset)
    return {
      event: enable,
      verdict: 'untrusted',
      why: `${target} enabled it in a session without MFA after the reset (the documented path for a lost device): pending ${target}'s confirmation`,
    };
  if ((byTarget && traits.length > 0) || (!byTarget && (traits.length > 0 || removalSuspect)))
    return {
      event: enable,
      verdict: 'attacker',
      why: `enabled for ${target} by ${describeActor(enable)}${traits.length > 0 ? ` with ${traits.join(', ')}` : ' under takeover signals'}`,
    };
  return {
    event: enable,
    verdict: 'untrusted',
    why: `enabled for ${target} by ${describeActor(enable)}, not by ${target} in an MFA session: pending ${target}'s confirmation`,
  };
}

/** The actors whose familiarity triage judges for a removal: a live window fetches their history. */
export function judgedActors(correlation: RemovalCorrelation): CloudTrailEvent[] {
  return [
    correlation.removal,
    ...correlation.enables,
    ...correlation.enabledBefore,
    ...correlation.followUps.filter((finding) => finding.kind === 'sign-in-without-mfa').map((f) => f.event),
  ];
}

interface FoundEvidence {
  readonly code: EvidenceCode;
  readonly message: string;
}

/** What each step of one removal's assessment reads, and where it records evidence and how events relate. */
interface AssessmentContext {
  readonly correlation: RemovalCorrelation;
  readonly removal: CloudTrailEvent;
  readonly target: string | null;
  readonly baseline: Baseline;
  readonly config: TriageConfig;
  /** Someone other than the target removed the device. */
  readonly byAnother: boolean;
  /** The removing caller's sign-ins before the removal. */
  readonly signIns: readonly CloudTrailEvent[];
  readonly found: FoundEvidence[];
  /** Event id -> how it relates to the removal, for the related-events list. */
  readonly relations: Map<string, string>;
  add(this: void, code: EvidenceCode, message: string): void;
}

export function assessRemoval(
  correlation: RemovalCorrelation,
  baseRisk: number,
  input: Pick<TriageInput, 'baseline' | 'config'>,
): Assessment {
  const { baseline, config } = input;
  const removal = correlation.removal;
  const target = correlation.target;
  const found: FoundEvidence[] = [];
  const add = (code: EvidenceCode, message: string): void => void found.push({ code, message });
  const ctx: AssessmentContext = {
    correlation,
    removal,
    target,
    baseline,
    config,
    byAnother: target !== null && !isCallerUser(removal, target),
    signIns: correlation.precursors.filter((f) => f.kind === 'sign-in').map((f) => f.event),
    found,
    relations: new Map<string, string>(),
    add,
  };

  const root = target !== null && target.toLowerCase() === 'root';
  if (root)
    add(
      'root-target',
      "the root user's MFA was removed: root is always critical and never resolved automatically",
    );
  const approval = findApproval(config.approvals, removal, target);
  addTargetEvidence(ctx, root, approval);
  addSessionEvidence(ctx);
  addPrecursorEvidence(ctx);
  addFollowUpEvidence(ctx);
  const { reEnrolled, vulnerabilityWindowSeconds } = addDeviceEvidence(ctx);
  if (approval !== null) {
    add(
      'approved',
      `matches approved change ${approval.ticket}${approval.approver === null ? '' : ` (approved by ${approval.approver})`}`,
    );
  }

  const decision = decide({
    evidence: found.map((item) => item.code),
    baseRisk,
    approved: approval !== null,
    root,
    byAnother: ctx.byAnother,
    reEnrolled,
  });
  return {
    classification: decision.classification,
    riskScore: decision.riskScore,
    reasons: rankReasons(found, decision),
    related: relatedEvents(correlation, ctx.relations),
    vulnerabilityWindowSeconds,
    rule: decision.rule,
  };
}

/** Whose MFA it was and who removed it: root, a privileged user without an approved change, another caller. */
function addTargetEvidence(ctx: AssessmentContext, root: boolean, approval: Approval | null): void {
  const { target, config, removal, byAnother, add } = ctx;
  if (
    target !== null &&
    !root &&
    (config.privilegedUsers.has(target) || config.breakGlassUsers.has(target))
  ) {
    add(
      'privileged-target',
      `${target} is a privileged${config.breakGlassUsers.has(target) ? ' break-glass' : ''} user`,
    );
    if (approval === null)
      add(
        'privileged-without-approval',
        `no approved change covers this removal for the privileged user ${target}`,
      );
  }

  if (target === null) {
    add(
      'target-unknown',
      'the request names no user and the device serial leads to none: whose MFA this was is unknown',
    );
  } else if (byAnother) {
    if (nameOrArnIn(config.administrators, removal))
      add('known-administrator', `done by ${describeActor(removal)}, a known administrator`);
    else add('actor-not-target', `done by ${describeActor(removal)}, not by ${target} themself`);
  }
}

/** The removing session: its MFA, its credentials, and whether its address and client are familiar. */
function addSessionEvidence(ctx: AssessmentContext): void {
  const { removal, signIns, baseline, config, correlation, add } = ctx;
  const mfa: SessionMfa = sessionMfa(removal, signIns);
  if (mfa === 'none') {
    const keyOnly = removal.actor.accessKeyKind === 'long-term' && removal.actor.mfaAuthenticated === null;
    add(
      'no-mfa-session',
      keyOnly
        ? 'a long-term access key (AKIA…): it never carries MFA'
        : 'the calling session was not MFA-authenticated',
    );
  } else if (mfa === 'unknown' && isDelegatedSession(removal)) {
    add(
      'mfa-unknown-federated',
      'a federated or role session: its mfaAuthenticated "false" does not say whether the identity provider asked for MFA',
    );
  }
  if (isTemporaryNotConsole(removal))
    add(
      'temporary-key-not-console',
      'temporary credentials (ASIA…) without MFA that did not come from a console sign-in',
    );

  const key = actorKey(removal);
  if (key !== null) {
    if (!baseline.hasHistory(key, removal.timeMs, config.lookbackMs, config.precursorWindowMs)) {
      add(
        'no-baseline',
        'no activity by this caller in the look-back before the last hour: its address and client cannot be judged familiar',
      );
    } else {
      if (newAddress(removal, baseline, config) === true)
        add(
          'new-source-ip',
          `source address ${removal.sourceIp ?? '?'} never seen for this caller in the look-back`,
        );
      const family = clientFamily(removal);
      // The console is one family whatever the browser; a console session that MFA (or the identity provider) proved
      // is the person's own, so its client needs no history.
      const provenConsole = family === 'console' && mfa !== 'none';
      if (
        family !== null &&
        !provenConsole &&
        !baseline.seenBefore(key, `ua:${family}`, removal.timeMs, config.lookbackMs, config.precursorWindowMs)
      ) {
        add('new-client', `client family '${family}' never seen for this caller in the look-back`);
      }
    }
  }
  if (config.workingHours !== null && !isWithinWorkingHours(removal.timeMs, config.workingHours))
    add('outside-working-hours', `outside working hours (${config.workingHours.timeZone})`);
  const soFar = correlation.burst?.soFar.get(removal.id);
  if (soFar !== undefined) {
    // As the burst stood at this removal: later removals grow the burst's own alert, not this one (see Correlation).
    add(
      'burst',
      soFar.count === 1
        ? "the first removal of a burst: the same caller went on to remove MFA from other users (the burst's own alert counts every user)"
        : `part of a burst: by this removal the same caller had removed MFA from ${soFar.count} users within ${soFar.windowSeconds} s (the burst's own alert counts every user)`,
    );
  }
}

function addPrecursorEvidence(ctx: AssessmentContext): void {
  const { correlation, removal, signIns, relations, add } = ctx;
  // Before: the console's own page calls are context; the same calls from elsewhere are reconnaissance.
  let consoleCalls = 0;
  let consolePage = 0;
  let recon = 0;
  let failed = 0;
  for (const finding of correlation.precursors) {
    const event = finding.event;
    if (finding.kind === 'list-call') {
      // Context: what the console lists when a security-credentials page opens, or what a person lists before a
      // change, in a session MFA (or the identity provider) proved, from the removal's own address. The same calls
      // with a bare key, a session without MFA, or from elsewhere are looking around.
      const context = event.sourceIp === removal.sourceIp && sessionMfa(event, signIns) !== 'none';
      if (context && isConsoleCall(event)) consolePage++;
      if (context) consoleCalls++;
      else recon++;
      relations.set(
        event.id,
        context
          ? isConsoleCall(event)
            ? 'console page (before)'
            : 'listing in an MFA session (before)'
          : 'reconnaissance (before)',
      );
    } else if (finding.kind === 'session-probe') {
      const withMfa =
        event.name === 'GetSessionToken' &&
        event.requestParameters !== null &&
        typeof event.requestParameters['serialNumber'] === 'string';
      if (!withMfa) recon++;
      relations.set(event.id, withMfa ? 'session with MFA (before)' : 'reconnaissance (before)');
    } else if (finding.kind === 'failed-attempt') {
      failed++;
      relations.set(event.id, 'failed attempt (before)');
    } else {
      relations.set(event.id, 'sign-in (before)');
    }
  }
  if (consoleCalls > 0)
    add(
      'console-context',
      consolePage === consoleCalls
        ? `${consoleCalls} call(s) the console makes when a security-credentials page opens, in the same MFA or federated session and address: context, not reconnaissance`
        : `${consoleCalls} credential listing(s) in the same MFA or federated session and address (${consolePage} by the console): context, not reconnaissance`,
    );
  if (recon > 0)
    add(
      'precursor-reconnaissance',
      `${recon} reconnaissance call(s) by the same caller shortly before (listing users, MFA devices, keys; identity probes)`,
    );
  if (failed > 0) add('precursor-failed-attempts', `${failed} refused MFA removal attempt(s) shortly before`);
}

function addFollowUpEvidence(ctx: AssessmentContext): void {
  const { correlation, target, byAnother, baseline, config, relations, add } = ctx;
  // After: what happened to the target's credentials and privileges.
  const persistence = { credentials: 0, password: 0, privilege: 0, signIn: 0, owner: 0 };
  for (const finding of correlation.followUps) {
    const event = finding.event;
    const ownTrusted = target !== null && isCallerUser(event, target) && sessionMfa(event) === 'mfa';
    if (finding.kind === 'sign-in-without-mfa') {
      // After an administrator's reset the owner signs in with a password to enrol a new device: from a familiar
      // address that is the documented path; from a new one it is someone else using the password.
      const familiarOwner = byAnother && newAddress(event, baseline, config) === false;
      if (familiarOwner) persistence.owner++;
      else persistence.signIn++;
      relations.set(event.id, familiarOwner ? 'owner sign-in (after)' : 'sign-in without MFA (after)');
      continue;
    }
    if (ownTrusted) {
      persistence.owner++;
      relations.set(event.id, `${finding.kind} by the user (after)`);
      continue;
    }
    if (finding.kind === 'credential-created') persistence.credentials++;
    else if (finding.kind === 'password-changed') persistence.password++;
    else persistence.privilege++;
    relations.set(event.id, `${finding.kind} (after)`);
  }
  if (persistence.credentials > 0)
    add(
      'follow-up-credentials',
      `${persistence.credentials} new access key or console password created for the user afterwards`,
    );
  if (persistence.password > 0)
    add('follow-up-password-reset', "the user's console password was changed afterwards");
  if (persistence.privilege > 0)
    add(
      'follow-up-privilege',
      `${persistence.privilege} policy or group change(s) granting the user more access afterwards`,
    );
  if (persistence.signIn > 0)
    add(
      'follow-up-sign-in-without-mfa',
      'the user signed in to the console without MFA afterwards, from an unfamiliar place',
    );
  if (persistence.owner > 0)
    add(
      'owner-follow-up',
      `${persistence.owner} step(s) by the user themself afterwards (a sign-in, a change in an MFA session)`,
    );
}

/**
 * Devices: which new device closes the window (a re-enrolment), which is evidence (an attacker's), how long MFA
 * was off, and what became of the old device.
 */
function addDeviceEvidence(ctx: AssessmentContext): {
  reEnrolled: boolean;
  vulnerabilityWindowSeconds: number | null;
} {
  const { correlation, removal, target, config, relations, add } = ctx;
  const { judged, reEnrolment, before } = judgeDevices(ctx);
  const attackers = judged.filter((judgement) => judgement.verdict === 'attacker');
  const untrusted = judged.filter((judgement) => judgement.verdict === 'untrusted');
  for (const judgement of judged) {
    // Every device is placed on its own side of the removal: one another caller enabled just before it is not "after".
    const side = sideOf(judgement.event, removal);
    const what =
      judgement.verdict === 'trusted'
        ? 're-enrolment'
        : judgement.verdict === 'attacker'
          ? 'attacker device'
          : 'unconfirmed device';
    relations.set(judgement.event.id, `${what} (${side})`);
  }
  if (attackers.length > 0)
    add(
      'attacker-device',
      `a device that is evidence, not re-enrolment: ${attackers.map((judgement) => judgement.why).join('; ')}; MFA stays counted as removed`,
    );
  if (untrusted.length > 0)
    add('untrusted-enrolment', untrusted.map((judgement) => judgement.why).join('; '));
  let vulnerabilityWindowSeconds: number | null = null;
  if (reEnrolment !== null) {
    if (before) {
      vulnerabilityWindowSeconds = 0;
      add(
        're-enrolled-before',
        `${target ?? 'the user'} had enabled another MFA device ${minutes(removal.timeMs - reEnrolment.event.timeMs)} before, ${reEnrolment.why}: MFA was never off`,
      );
    } else {
      const gap = reEnrolment.event.timeMs - removal.timeMs;
      vulnerabilityWindowSeconds = Math.round(gap / 1000);
      add('re-enrolled', `a new MFA device was enabled ${minutes(gap)} later ${reEnrolment.why}`);
    }
  } else if (correlation.graceCovered) {
    add(
      'unresolved',
      judged.length === 0
        ? `no new MFA device within the ${minutes(config.graceWindowMs)} grace window: MFA is still off`
        : `no trustworthy new MFA device within the ${minutes(config.graceWindowMs)} grace window: the device enabled is not proven to be the owner's`,
    );
  } else {
    add(
      'grace-window-open',
      'no trustworthy new MFA device yet; the data ends before the grace window closes',
    );
  }
  for (const deletion of correlation.deletions) relations.set(deletion.id, 'device deleted (after)');
  if (correlation.deletions.length > 0) {
    if (reEnrolment !== null)
      add('device-deleted', 'the old virtual device was deleted, as a replacement does');
    else
      add(
        'device-deleted-not-replaced',
        'the virtual MFA device was deleted and nothing trustworthy replaced it',
      );
  }
  // The creation of a device enabled before the removal came before it too: it is placed on its own side, like the device.
  for (const creation of correlation.creations)
    relations.set(creation.id, `device created (${sideOf(creation, removal)})`);
  return { reEnrolled: reEnrolment !== null, vulnerabilityWindowSeconds };
}

function sideOf(event: CloudTrailEvent, removal: CloudTrailEvent): 'before' | 'after' {
  return byTime(event, removal) < 0 ? 'before' : 'after';
}

/** Every device enabled around the removal, judged; the first trusted one is the re-enrolment. */
function judgeDevices(ctx: AssessmentContext): {
  judged: DeviceJudgement[];
  reEnrolment: DeviceJudgement | null;
  before: boolean;
} {
  const { correlation, target, byAnother, signIns, baseline, config, found } = ctx;
  const removalSuspect = found.some(
    (item) => EVIDENCE[item.code].role === 'takeover' && item.code !== 'actor-not-target',
  );
  let reEnrolment: DeviceJudgement | null = null;
  let before = false;
  const judged: DeviceJudgement[] = [];
  if (target !== null) {
    for (const enable of correlation.enabledBefore) {
      const judgement = judgeDevice(enable, target, removalSuspect, byAnother, signIns, baseline, config);
      judged.push(judgement);
      if (judgement.verdict === 'trusted' && reEnrolment === null) {
        reEnrolment = judgement;
        before = true;
      }
    }
    for (const enable of correlation.enables) {
      const judgement = judgeDevice(enable, target, removalSuspect, byAnother, signIns, baseline, config);
      judged.push(judgement);
      if (judgement.verdict === 'trusted' && reEnrolment === null) reEnrolment = judgement;
    }
  }
  return { judged, reEnrolment, before };
}

/** Strongest reasons first, so a table can show the top few; the verdict on a takeover leads. */
function rankReasons(found: readonly FoundEvidence[], decision: ReturnType<typeof decide>): Reason[] {
  const reasons: Reason[] = found.map((item) => ({
    code: item.code,
    weight: EVIDENCE[item.code].weight,
    message: item.message,
  }));
  reasons.sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
  if (decision.rule === 'takeover') {
    const signals = found.filter((item) => EVIDENCE[item.code].role === 'takeover').map((item) => item.code);
    reasons.unshift({
      code: 'takeover-pattern',
      weight: 0,
      message: `account-takeover pattern: takeover signals weigh ${decision.takeoverScore} (${TAKEOVER_THRESHOLD} or more is a takeover): ${signals.join(', ')}`,
    });
  }
  return reasons;
}

function relatedEvents(
  correlation: RemovalCorrelation,
  relations: ReadonlyMap<string, string>,
): RelatedEvent[] {
  const relatedEvents = new Map<string, CloudTrailEvent>();
  for (const finding of [...correlation.precursors, ...correlation.followUps] as RelatedFinding[])
    relatedEvents.set(finding.event.id, finding.event);
  for (const event of [
    ...correlation.enabledBefore,
    ...correlation.creations,
    ...correlation.deletions,
    ...correlation.enables,
  ])
    relatedEvents.set(event.id, event);
  const related: RelatedEvent[] = [...relatedEvents.values()].sort(byTime).map((event) => ({
    eventId: event.id,
    name: event.name,
    time: event.time,
    actor: event.actor.arn ?? event.actor.userName,
    relation: relations.get(event.id) ?? 'related',
  }));
  return related;
}

function investigation(
  event: CloudTrailEvent,
  ecs: (event: CloudTrailEvent) => EcsDocument,
): Record<string, unknown> {
  const doc = ecs(event);
  const block: Record<string, unknown> = {};
  for (const field of INVESTIGATION_FIELDS)
    block[field] = field === '@timestamp' ? (doc[field] ?? event.time) : (doc[field] ?? null);
  return block;
}

/** An alert whose event names only a device serial is about the incident's user: it says so. */
function withTarget(alert: Alert, user: string | null): Alert['target'] {
  return alert.target.userName === null && user !== null ? { ...alert.target, userName: user } : alert.target;
}

export interface TriageOptions {
  /** Only the alerts of these removals' incidents (and their bursts) are returned: a live window triages one removal. */
  readonly only?: ReadonlySet<string>;
  /**
   * False: no burst alerts (the live write path, when a coalesced re-triage that makes them follows: judging a burst
   * assesses every member, which per removal made a burst quadratic). Default true.
   */
  readonly bursts?: boolean;
  /** Each removal's burst from the stored chain summaries (see correlateRemovals); without it, cut from the events. */
  readonly chainBursts?: ReadonlyMap<string, Burst>;
}

/** An alert on another event of a removal's incident: the removal's assessment, with the removal named first. */
function memberAlert(alert: Alert, lead: RemovalCorrelation, assessment: Assessment): Alert {
  const removal = lead.removal;
  return {
    ...alert,
    target: withTarget(alert, lead.target),
    classification: assessment.classification,
    riskScore: assessment.riskScore,
    severity: severityFromRiskScore(assessment.riskScore),
    reasons: [
      {
        code: 'incident-member',
        weight: 0,
        message: `part of the MFA removal for ${lead.target ?? 'an unknown user'} at ${removal.time} (${assessment.classification}); the removal's reasons follow`,
      },
      ...assessment.reasons,
    ],
    related: [
      {
        eventId: removal.id,
        name: removal.name,
        time: removal.time,
        actor: removal.actor.arn ?? removal.actor.userName,
        relation: 'the removal',
      },
      ...assessment.related.filter((related) => related.eventId !== alert.event.id),
    ],
    ...(assessment.vulnerabilityWindowSeconds === null
      ? {}
      : { vulnerabilityWindowSeconds: assessment.vulnerabilityWindowSeconds }),
    incident: { removalEventId: removal.id, role: 'member' },
  };
}

/**
 * The members a burst's alert lists in `related`: its first ones. Each member's own alert names the burst
 * (`correlation.burstAlertId`), so the list is a sample; a whole list made the alert grow with the burst, and the live
 * service rewrote all of it at each flush (about 100 KB at 500 members, in SQLite's single writer).
 */
export const BURST_LISTED_MEMBERS = 20;
/** The targets a burst's alert lists: the users of its first removals, sorted; `count` is every user's. */
export const BURST_LISTED_TARGETS = 100;

/** The listed targets with those of more removals (in time order), one name per user whatever its case, sorted. */
function listTargets(listed: readonly string[], removals: readonly CloudTrailEvent[]): string[] {
  const out = [...listed];
  const seen = new Set(listed.map((name) => name.toLowerCase()));
  for (const removal of removals) {
    if (out.length >= BURST_LISTED_TARGETS) break;
    const name = targetUserName(removal) ?? '?';
    if (seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    out.push(name);
  }
  return out.sort();
}

/** The listed members with more removals: the first BURST_LISTED_MEMBERS in (time, id) order. */
function listMembers(listed: readonly RelatedEvent[], removals: readonly CloudTrailEvent[]): RelatedEvent[] {
  const ids = new Set(listed.map((related) => related.eventId));
  const fresh = removals.filter((removal) => !ids.has(removal.id)).map(burstMember);
  return [...listed, ...fresh]
    .sort(
      (a, b) =>
        Date.parse(a.time) - Date.parse(b.time) ||
        (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
    )
    .slice(0, BURST_LISTED_MEMBERS);
}

/**
 * What a burst's own alert says of it: its members' worst classification, how many users and how long, and its first
 * targets and members (a bounded sample: the reason says how many more there are).
 */
function burstFields(
  burst: {
    readonly related: RelatedEvent[];
    readonly targets: string[];
    readonly count: number;
    readonly windowSeconds: number;
  },
  classification: Classification,
): Pick<Alert, 'classification' | 'reasons' | 'related' | 'correlation'> {
  const more = burst.count - burst.targets.length;
  return {
    classification,
    reasons: [
      {
        code: 'burst',
        weight: EVIDENCE.burst.weight,
        message:
          `${burst.count} users lost MFA within ${burst.windowSeconds} s: ${burst.targets.join(', ')}` +
          (more > 0 ? ` and ${more} more (each removal's alert names this burst)` : ''),
      },
    ],
    related: burst.related,
    correlation: {
      kind: 'burst',
      targets: burst.targets,
      count: burst.count,
      windowSeconds: burst.windowSeconds,
    },
  };
}

function burstMember(event: CloudTrailEvent): RelatedEvent {
  return {
    eventId: event.id,
    name: event.name,
    time: event.time,
    actor: event.actor.arn ?? event.actor.userName,
    relation: 'burst member',
  };
}

/**
 * A burst's stored alert with more members: what triage of the whole burst makes when the members it already counts
 * are as it took them (the live service, for removals that joined an open burst in time order: reading and judging
 * every member again per removal made a burst quadratic). `firstMs`: the time of the burst's first removal; each
 * added member's `count`: the burst's users up to it (its chain standing). Its size is bounded whatever the burst's
 * (see BURST_LISTED_MEMBERS), and extending twice with the same removal changes nothing.
 */
export function extendBurstAlert(
  stored: Alert,
  firstMs: number,
  added: readonly {
    readonly removal: CloudTrailEvent;
    readonly classification: Classification;
    /** Absent: counted from the listed targets (exact while they are under BURST_LISTED_TARGETS). */
    readonly count?: number;
  }[],
): Alert {
  const members = new Set((stored.related ?? []).map((related) => related.eventId));
  if (added.every((member) => members.has(member.removal.id))) return stored;
  const removals = added.map((member) => member.removal).sort(byTime);
  const lastMs = Math.max(...removals.map((removal) => removal.timeMs));
  const windowSeconds = Math.max(
    stored.correlation?.windowSeconds ?? 0,
    Math.round((lastMs - firstMs) / 1000),
  );
  const listed = new Set((stored.correlation?.targets ?? []).map((name) => name.toLowerCase()));
  const unlisted = new Set(
    removals
      .map((removal) => (targetUserName(removal) ?? '?').toLowerCase())
      .filter((name) => !listed.has(name)),
  );
  const count = Math.max(
    stored.correlation?.count ?? 0,
    ...added.map((member) => member.count ?? (stored.correlation?.count ?? 0) + unlisted.size),
  );
  const previous = stored.classification === undefined ? [] : [stored.classification];
  const classification =
    worstClassification([...previous, ...added.map((member) => member.classification)]) ?? 'suspicious';
  const fields = burstFields(
    {
      related: listMembers(stored.related ?? [], removals),
      targets: listTargets(stored.correlation?.targets ?? [], removals),
      count,
      windowSeconds,
    },
    classification,
  );
  return { ...stored, ...fields };
}

/** A member removal's reference to its burst: the burst's alert, and the burst as it stood at this removal. */
function burstReference(
  correlation: RemovalCorrelation,
  input: TriageInput,
): { correlation: Correlation } | Record<string, never> {
  const burst = correlation.burst;
  const first = burst?.removals[0];
  const soFar = burst?.soFar.get(correlation.removal.id);
  if (first === undefined || soFar === undefined) return {};
  return {
    correlation: {
      kind: 'burst',
      burstAlertId: input.burstAlert(first).id,
      count: soFar.count,
      windowSeconds: soFar.windowSeconds,
    },
  };
}

/**
 * Triages every alert: an alert on an MFA removal gets the incident's classification, risk, reasons, related events
 * and correlation; an alert on another event of the incident (the deleted device, the new one, a follow-up) carries the
 * same classification and risk; each burst adds one correlated alert. Other alerts pass through unchanged.
 * Pure: same input, same output, whatever the order of events and alerts.
 */
export function triageAlerts(input: TriageInput, options: TriageOptions = {}): Alert[] {
  const correlations = correlateRemovals(
    input.events,
    input.config,
    input.coverageEndMs,
    options.chainBursts,
  );
  const byRemoval = new Map(correlations.map((correlation) => [correlation.removal.id, correlation]));
  const owners = assignMembers(correlations);
  const assessed = new Map<string, Assessment>();
  const assess = (removalId: string, baseRisk: number): Assessment | null => {
    const correlation = byRemoval.get(removalId);
    if (correlation === undefined) return null;
    // One assessment per removal and base risk: several rules may alert on the same event.
    const cacheKey = `${removalId}\u0000${baseRisk}`;
    let assessment = assessed.get(cacheKey);
    if (assessment === undefined) {
      assessment = assessRemoval(correlation, baseRisk, input);
      assessed.set(cacheKey, assessment);
    }
    return assessment;
  };
  const wanted = (removalId: string): boolean => options.only === undefined || options.only.has(removalId);

  // The removal's own alert that speaks for the incident: the highest base risk among the rules on it.
  const leadRisk = new Map<string, number>();
  for (const alert of input.alerts) {
    if (!byRemoval.has(alert.event.id)) continue;
    leadRisk.set(alert.event.id, Math.max(leadRisk.get(alert.event.id) ?? 0, alert.rule.riskScore));
  }

  const out: Alert[] = [];
  for (const alert of input.alerts) {
    const correlation = byRemoval.get(alert.event.id);
    if (correlation !== undefined && isMfaRemoval(correlation.removal)) {
      if (!wanted(correlation.removal.id)) continue;
      const assessment = assess(correlation.removal.id, alert.rule.riskScore);
      if (assessment === null) continue;
      out.push({
        ...alert,
        target: withTarget(alert, correlation.target),
        classification: assessment.classification,
        riskScore: assessment.riskScore,
        severity: severityFromRiskScore(assessment.riskScore),
        reasons: assessment.reasons,
        related: assessment.related,
        ...burstReference(correlation, input),
        ...(assessment.vulnerabilityWindowSeconds === null
          ? {}
          : { vulnerabilityWindowSeconds: assessment.vulnerabilityWindowSeconds }),
        incident: { removalEventId: correlation.removal.id, role: 'removal' },
        investigation: investigation(correlation.removal, input.ecs),
      });
      continue;
    }
    const owner = owners.get(alert.event.id);
    if (owner !== undefined) {
      if (!wanted(owner)) continue;
      const assessment = assess(owner, leadRisk.get(owner) ?? alert.rule.riskScore);
      if (assessment === null) continue;
      out.push(memberAlert(alert, byRemoval.get(owner)!, assessment));
      continue;
    }
    if (options.only === undefined) out.push(alert);
  }

  const bursts = new Set(
    correlations.flatMap((correlation) => (correlation.burst === null ? [] : [correlation.burst])),
  );
  for (const burst of bursts) {
    const first = burst.removals[0];
    if (first === undefined) continue;
    if (options.bursts === false) break;
    if (options.only !== undefined && !burst.removals.some((removal) => options.only!.has(removal.id)))
      continue;
    const base = input.burstAlert(first);
    const members = burst.removals.flatMap((removal) => {
      const assessment = assess(removal.id, leadRisk.get(removal.id) ?? base.rule.riskScore);
      return assessment === null ? [] : [assessment.classification];
    });
    out.push({
      ...base,
      ...burstFields(
        {
          related: listMembers([], burst.removals),
          targets: listTargets([], burst.removals),
          count: burst.targets.length,
          windowSeconds: burst.windowSeconds,
        },
        worstClassification(members) ?? 'suspicious',
      ),
      investigation: investigation(first, input.ecs),
    });
  }
  return out;
}
