// Turns (rule, event) into the alert of the documented schema, with a deterministic id and a one-line title.

import { createHash } from 'node:crypto';
import type { Alert, CloudTrailEvent, CompiledRule, Reason, RuleMeta } from '../model/index.ts';
import { hasSeverityMapping } from './rule-extras.ts';

export interface AlertExtra {
  /** For aggregate rules: the hit's summary and the events that made it. */
  readonly aggregate?: { readonly summary: string; readonly eventIds: readonly string[] };
}

/**
 * The rule block of every alert the rule raises: the same for all of them, so a scan can carry an alert without it
 * and put it back from the rule set (see app/alert-line.ts).
 */
export function alertRule(meta: RuleMeta): Alert['rule'] {
  return {
    id: meta.id,
    name: meta.name,
    format: meta.format,
    severity: meta.severity,
    riskScore: meta.riskScore,
    mitre: meta.mitre,
  };
}

/** Deterministic from (rule id, event id), so the same event never alerts twice for one rule, on any worker. */
export function alertId(ruleId: string, eventId: string): string {
  return createHash('sha256').update(ruleId).update('\u0000').update(eventId).digest('hex').slice(0, 32);
}

export function buildAlert(rule: CompiledRule, event: CloudTrailEvent, extra: AlertExtra = {}): Alert {
  const meta = rule.meta;
  const assessed = hasSeverityMapping(rule) ? rule.assess(event) : null;
  const reasons: Reason[] = assessed === null ? [] : [{ code: 'severity-mapping', message: assessed.reason }];
  const actor = event.actor;
  return {
    id: alertId(meta.id, event.id),
    rule: alertRule(meta),
    severity: assessed?.severity ?? meta.severity,
    riskScore: assessed?.riskScore ?? meta.riskScore,
    title: alertTitle(meta.name, event),
    event: {
      id: event.id,
      name: event.name,
      source: event.source,
      time: event.time,
      outcome: event.outcome,
      errorCode: event.errorCode,
      account: event.account,
      region: event.region,
      location: event.origin.location,
      index: event.origin.index,
    },
    actor: {
      arn: actor.arn,
      type: actor.type,
      userName: actor.userName,
      accessKeyId: actor.accessKeyId,
      accessKeyKind: actor.accessKeyKind,
      sourceIp: event.sourceIp,
      userAgent: event.userAgent,
      mfaAuthenticated: actor.mfaAuthenticated,
      consoleSession: actor.consoleSession,
    },
    target: { userName: event.target.userName, serialNumber: event.target.serialNumber },
    ...(extra.aggregate === undefined
      ? {}
      : { aggregate: { summary: extra.aggregate.summary, eventIds: [...extra.aggregate.eventIds] } }),
    ...(reasons.length === 0 ? {} : { reasons }),
  };
}

const MAX_PART = 120;

/** Event-specific wording where we know the event, the rule's name otherwise. Raw text: escape at the sink. */
export function alertTitle(ruleName: string, event: CloudTrailEvent): string {
  const by = actorLabel(event);
  const failed = event.outcome === 'failure';
  const refusal = failed ? ` (refused: ${part(event.errorCode ?? event.errorMessage ?? 'failure')})` : '';
  const targetUser = targetLabel(event);
  const serial = event.target.serialNumber === null ? '' : ` ${part(event.target.serialNumber)}`;
  switch (event.name) {
    case 'DeactivateMFADevice':
      return failed
        ? `Attempt to deactivate MFA device for ${targetUser} by ${by}${refusal}`
        : `MFA device deactivated for ${targetUser} by ${by}`;
    case 'DeleteVirtualMFADevice':
      return failed
        ? `Attempt to delete virtual MFA device${serial} by ${by}${refusal}`
        : `Virtual MFA device${serial} deleted by ${by}`;
    case 'CreateVirtualMFADevice': {
      const name = requestText(event, 'virtualMFADeviceName');
      return `Virtual MFA device${name === null ? '' : ` ${part(name)}`} created by ${by}${keyNote(event)}${refusal}`;
    }
    case 'EnableMFADevice':
      return `MFA device${serial} enabled for ${targetUser} by ${by}${keyNote(event)}${refusal}`;
    case 'ConsoleLogin': {
      const mfa = event.mfaUsed === true ? ' with MFA' : event.mfaUsed === false ? ' without MFA' : '';
      const from = event.sourceIp === null ? '' : ` from ${part(event.sourceIp)}`;
      return `${failed ? 'Failed console sign-in' : 'Console sign-in'} by ${by}${mfa}${from}`;
    }
    default:
      return `${part(ruleName)}: ${part(event.name)} by ${by}${refusal}`;
  }
}

function actorLabel(event: CloudTrailEvent): string {
  const actor = event.actor;
  const who =
    actor.type === 'Root'
      ? 'root'
      : (actor.userName ?? actor.principalId ?? actor.invokedBy ?? 'an unknown identity');
  const kind = actor.type === 'IAMUser' || actor.type === 'Root' ? '' : `${actor.type} `;
  return actor.arn === null ? `${kind}${part(who)}` : `${kind}${part(who)} (${part(actor.arn)})`;
}

function targetLabel(event: CloudTrailEvent): string {
  const user = event.target.userName;
  // Normalisation names root `root` (CloudTrail writes "AWS ROOT USER", or nothing when root acts on itself).
  if (user === 'root' && event.actor.type === 'Root') return 'the root user';
  if (user !== null) return `user ${part(user)}`;
  return event.target.serialNumber === null ? 'an unnamed user' : `device ${part(event.target.serialNumber)}`;
}

function keyNote(event: CloudTrailEvent): string {
  if (event.actor.accessKeyKind !== 'temporary') return '';
  return event.actor.consoleSession
    ? ' in a console session'
    : ' with temporary credentials outside the console';
}

function requestText(event: CloudTrailEvent, key: string): string | null {
  const value = event.requestParameters?.[key];
  return typeof value === 'string' ? value : null;
}

function part(text: string): string {
  return text.length > MAX_PART ? `${text.slice(0, MAX_PART - 1)}…` : text;
}
