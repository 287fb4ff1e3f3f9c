// Triage of MFA removals: turns correlation and context into a classification, a risk score and reasons a person can read.

import { correlateRemovals, isMfaRemoval, targetUserName } from '../detect/correlate/index.ts';
import type { RelatedFinding, RelatedKind, RemovalCorrelation } from '../detect/correlate/index.ts';
import type {
  Alert,
  Classification,
  CloudTrailEvent,
  EcsDocument,
  Reason,
  RelatedEvent,
} from '../model/index.ts';
import { severityFromRiskScore } from '../model/index.ts';
import { findApproval } from './approvals.ts';
import { actorKey, clientFamily } from './baseline.ts';
import type { Baseline } from './baseline.ts';
import type { TriageConfig } from './triage-config.ts';
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
}

const RELATED_WEIGHTS: Readonly<
  Record<RelatedKind, { code: string; weight: number; message: (n: number) => string }>
> = {
  reconnaissance: {
    code: 'precursor-reconnaissance',
    weight: 10,
    message: (n) =>
      `${n} reconnaissance call(s) by the same actor shortly before (listing users, MFA devices, keys)`,
  },
  'failed-attempt': {
    code: 'precursor-failed-attempts',
    weight: 10,
    message: (n) => `${n} refused MFA removal attempt(s) shortly before`,
  },
  'device-deleted': {
    code: 'follow-up-device-deleted',
    weight: 5,
    message: () => 'the virtual MFA device was deleted afterwards',
  },
  'credential-created': {
    code: 'follow-up-credentials',
    weight: 15,
    message: (n) => `${n} new access key or console password created for the user afterwards`,
  },
  'password-changed': {
    code: 'follow-up-password-reset',
    weight: 15,
    message: () => "the user's console password was changed afterwards",
  },
  'privilege-granted': {
    code: 'follow-up-privilege',
    weight: 20,
    message: (n) => `${n} policy or group change(s) granting the user more access afterwards`,
  },
  'sign-in-without-mfa': {
    code: 'follow-up-sign-in-without-mfa',
    weight: 15,
    message: () => 'the user signed in to the console without MFA afterwards',
  },
  'device-created': {
    code: 'device-created',
    weight: 0,
    message: () => 'a new virtual MFA device was created',
  },
  'device-enabled': { code: 'device-enabled', weight: 0, message: () => 'an MFA device was enabled' },
};

/** Signals that keep a re-enrolled removal from being called a routine rotation. */
const RISK_CODES = new Set([
  'actor-not-target',
  'no-mfa-session',
  'temporary-key-not-console',
  'new-source-ip',
  'no-baseline',
  'new-client',
  'outside-working-hours',
  'burst',
  'precursor-reconnaissance',
  'precursor-failed-attempts',
  'follow-up-credentials',
  'follow-up-password-reset',
  'follow-up-privilege',
  'follow-up-sign-in-without-mfa',
  'takeover-pattern',
]);

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

/** How the device that replaced the removed one was registered: the account-takeover tell. */
function takeoverSignals(
  correlation: RemovalCorrelation,
  baseline: Baseline,
  config: TriageConfig,
): string[] {
  const enable = correlation.reEnrolment?.enable;
  if (enable === undefined) return [];
  const create = correlation.reEnrolment?.create ?? null;
  const signals: string[] = [];
  for (const event of create === null ? [enable] : [create, enable]) {
    if (event.actor.mfaAuthenticated === false && event.actor.type !== 'Root')
      signals.push(`${event.name} by a session without MFA`);
    if (event.actor.accessKeyKind === 'temporary' && !event.actor.consoleSession) {
      signals.push(`${event.name} with temporary credentials not from the console`);
    }
    const key = actorKey(event);
    if (
      key !== null &&
      event.sourceIp !== null &&
      baseline.hasHistory(key, event.timeMs, config.lookbackMs, config.precursorWindowMs)
    ) {
      if (
        !baseline.seenBefore(
          key,
          `ip:${event.sourceIp}`,
          event.timeMs,
          config.lookbackMs,
          config.precursorWindowMs,
        )
      ) {
        signals.push(`${event.name} from an address never seen for that caller`);
      }
    }
  }
  return [...new Set(signals)];
}

export function assessRemoval(
  correlation: RemovalCorrelation,
  baseRisk: number,
  input: Pick<TriageInput, 'baseline' | 'config'>,
): Assessment {
  const { baseline, config } = input;
  const removal = correlation.removal;
  const target = targetUserName(removal);
  const reasons: Reason[] = [];
  const add = (code: string, weight: number, message: string): void => {
    reasons.push({ code, weight, message });
  };

  const isRoot = target === 'root' || (removal.actor.type === 'Root' && removal.target.userName === null);
  if (isRoot)
    add(
      'root-target',
      40,
      "the root user's MFA was removed: root is always critical and never resolved automatically",
    );
  const privileged =
    target !== null && (config.privilegedUsers.has(target) || config.breakGlassUsers.has(target));
  if (privileged && !isRoot) {
    add(
      'privileged-target',
      15,
      `${target} is a privileged${config.breakGlassUsers.has(target) ? ' break-glass' : ''} user`,
    );
  }

  const selfService =
    target !== null &&
    removal.actor.userName === target &&
    (removal.actor.type === 'IAMUser' || removal.actor.type === 'Root');
  if (!selfService) {
    if (nameOrArnIn(config.administrators, removal))
      add('known-administrator', 0, `done by ${describeActor(removal)}, a known administrator`);
    else
      add(
        'actor-not-target',
        10,
        `done by ${describeActor(removal)}, not by ${target ?? 'the user'} themself`,
      );
  }
  if (removal.actor.mfaAuthenticated === false)
    add('no-mfa-session', 15, 'the calling session was not MFA-authenticated');
  if (removal.actor.accessKeyKind === 'temporary' && !removal.actor.consoleSession) {
    add(
      'temporary-key-not-console',
      10,
      'temporary credentials (ASIA…) that did not come from a console sign-in',
    );
  }

  const key = actorKey(removal);
  if (key !== null) {
    if (!baseline.hasHistory(key, removal.timeMs, config.lookbackMs, config.precursorWindowMs)) {
      add(
        'no-baseline',
        5,
        `no activity by this caller in the look-back before the last hour: its address and client cannot be judged familiar`,
      );
    } else {
      if (
        removal.sourceIp !== null &&
        !baseline.seenBefore(
          key,
          `ip:${removal.sourceIp}`,
          removal.timeMs,
          config.lookbackMs,
          config.precursorWindowMs,
        )
      ) {
        add(
          'new-source-ip',
          15,
          `source address ${removal.sourceIp} never seen for this caller in the look-back`,
        );
      }
      const family = clientFamily(removal);
      // A console session that passed MFA at sign-in is the user's own browser: the client needs no history.
      const provenConsole = family === 'console' && removal.actor.mfaAuthenticated === true;
      if (
        family !== null &&
        !provenConsole &&
        !baseline.seenBefore(key, `ua:${family}`, removal.timeMs, config.lookbackMs, config.precursorWindowMs)
      ) {
        add('new-client', 5, `client family '${family}' never seen for this caller in the look-back`);
      }
    }
  }
  if (config.workingHours !== null && !isWithinWorkingHours(removal.timeMs, config.workingHours)) {
    add('outside-working-hours', 10, `outside working hours (${config.workingHours.timeZone})`);
  }
  if (correlation.burst !== null) {
    add(
      'burst',
      20,
      `the same caller removed MFA from ${correlation.burst.targets.length} users within ${correlation.burst.windowSeconds} s`,
    );
  }

  const byKind = new Map<RelatedKind, RelatedFinding[]>();
  for (const finding of correlation.related) {
    const list = byKind.get(finding.kind);
    if (list === undefined) byKind.set(finding.kind, [finding]);
    else list.push(finding);
  }
  for (const [kind, findings] of byKind) {
    const spec = RELATED_WEIGHTS[kind];
    // Deleting the old virtual device is part of a normal replacement; it only counts when nothing replaced it.
    const weight = kind === 'device-deleted' && correlation.reEnrolment !== null ? 0 : spec.weight;
    if (spec.weight > 0) add(spec.code, weight, spec.message(findings.length));
  }

  const takeover = takeoverSignals(correlation, baseline, config);
  if (takeover.length > 0) add('takeover-pattern', 25, `account-takeover pattern: ${takeover.join('; ')}`);

  let vulnerabilityWindowSeconds: number | null = null;
  if (correlation.reEnrolment !== null) {
    const gap = correlation.reEnrolment.enable.timeMs - removal.timeMs;
    vulnerabilityWindowSeconds = Math.round(gap / 1000);
    add(
      're-enrolled',
      0,
      `a new MFA device was enabled ${minutes(gap)} later by ${describeActor(correlation.reEnrolment.enable)}`,
    );
  } else if (correlation.graceCovered) {
    add(
      'unresolved',
      15,
      `no new MFA device within the ${minutes(config.graceWindowMs)} grace window: MFA is still off`,
    );
  } else {
    add('grace-window-open', 0, 'no new MFA device yet; the data ends before the grace window closes');
  }

  const approval = findApproval(config.approvals, removal, target);
  if (approval !== null) {
    add(
      'approved',
      0,
      `matches approved change ${approval.ticket}${approval.approver === null ? '' : ` (approved by ${approval.approver})`}`,
    );
  }

  let score = baseRisk + reasons.reduce((sum, reason) => sum + (reason.weight ?? 0), 0);
  let classification: Classification;
  const risky = reasons.some((reason) => RISK_CODES.has(reason.code) && (reason.weight ?? 0) > 0);
  if (approval !== null) {
    classification = 'approved';
    if (!isRoot) score = Math.min(score, 20);
  } else if (takeover.length > 0) {
    classification = 'suspicious';
    score = Math.max(score, 70);
  } else if (correlation.reEnrolment !== null && !risky && !isRoot) {
    classification = 'rotation';
    score = Math.min(score, 15);
  } else if (correlation.reEnrolment === null) {
    classification = 'unresolved';
    if (correlation.graceCovered) score = Math.max(score, baseRisk + 15);
  } else {
    classification = 'suspicious';
  }
  if (isRoot) score = Math.max(score, 90);
  score = Math.max(0, Math.min(100, Math.round(score)));

  const related: RelatedEvent[] = correlation.related.map((finding) => ({
    eventId: finding.event.id,
    name: finding.event.name,
    time: finding.event.time,
    actor: finding.event.actor.arn ?? finding.event.actor.userName,
    relation: `${finding.kind} (${finding.when})`,
  }));
  if (correlation.reEnrolment !== null) {
    for (const event of [correlation.reEnrolment.create, correlation.reEnrolment.enable]) {
      if (event === null) continue;
      related.push({
        eventId: event.id,
        name: event.name,
        time: event.time,
        actor: event.actor.arn ?? event.actor.userName,
        relation: 're-enrolment (after)',
      });
    }
    related.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }

  // Strongest reasons first, so a table can show the top few.
  reasons.sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
  return { classification, riskScore: score, reasons, related, vulnerabilityWindowSeconds };
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

/**
 * Adds classification, risk, reasons, related events and correlation to every alert on an MFA removal,
 * and one correlated alert per burst. Other alerts pass through unchanged. Pure: same input, same output.
 */
export function triageAlerts(input: TriageInput): Alert[] {
  const correlations = correlateRemovals(input.events, input.config, input.coverageEndMs);
  const byEvent = new Map(correlations.map((correlation) => [correlation.removal.id, correlation]));
  const out: Alert[] = [];
  for (const alert of input.alerts) {
    const correlation = byEvent.get(alert.event.id);
    if (correlation === undefined || !isMfaRemoval(correlation.removal)) {
      out.push(alert);
      continue;
    }
    const assessment = assessRemoval(correlation, alert.rule.riskScore, input);
    out.push({
      ...alert,
      classification: assessment.classification,
      riskScore: assessment.riskScore,
      severity: severityFromRiskScore(assessment.riskScore),
      reasons: assessment.reasons,
      related: assessment.related,
      ...(correlation.burst === null
        ? {}
        : {
            correlation: {
              kind: 'burst',
              targets: correlation.burst.targets,
              windowSeconds: correlation.burst.windowSeconds,
            },
          }),
      ...(assessment.vulnerabilityWindowSeconds === null
        ? {}
        : { vulnerabilityWindowSeconds: assessment.vulnerabilityWindowSeconds }),
      investigation: investigation(correlation.removal, input.ecs),
    });
  }
  const bursts = new Set(
    correlations.flatMap((correlation) => (correlation.burst === null ? [] : [correlation.burst])),
  );
  for (const burst of bursts) {
    const first = burst.removals[0];
    if (first === undefined) continue;
    const base = input.burstAlert(first);
    out.push({
      ...base,
      classification: 'suspicious',
      reasons: [
        {
          code: 'burst',
          weight: 20,
          message: `${burst.targets.length} users lost MFA within ${burst.windowSeconds} s: ${burst.targets.join(', ')}`,
        },
      ],
      related: burst.removals.map((event) => ({
        eventId: event.id,
        name: event.name,
        time: event.time,
        actor: event.actor.arn ?? event.actor.userName,
        relation: 'burst member',
      })),
      correlation: { kind: 'burst', targets: burst.targets, windowSeconds: burst.windowSeconds },
      investigation: investigation(first, input.ecs),
    });
  }
  return out;
}
