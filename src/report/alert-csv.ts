// The CSV view of alerts: documented columns, RFC 4180 quoting and CRLF line ends (csv-stringify), no cell that
// starts a formula.

import type { Alert } from '../model/index.ts';
import { csvRecords } from './csv.ts';

export interface CsvColumn {
  readonly name: string;
  readonly description: string;
  readonly value: (alert: Alert) => string | number | boolean | null | undefined;
}

/** The CSV columns, in order. The README's alert-schema section lists the same names. */
export const CSV_COLUMNS: readonly CsvColumn[] = [
  { name: 'alert_id', description: 'alert id, deterministic from rule id and event id', value: (a) => a.id },
  { name: 'event_time', description: 'eventTime as delivered (ISO-8601, UTC)', value: (a) => a.event.time },
  { name: 'severity', description: 'info | low | medium | high | critical', value: (a) => a.severity },
  { name: 'risk_score', description: 'risk score 0-100', value: (a) => a.riskScore },
  { name: 'rule_id', description: 'id of the rule that fired', value: (a) => a.rule.id },
  { name: 'rule_name', description: 'name of the rule that fired', value: (a) => a.rule.name },
  {
    name: 'classification',
    description: 'triage classification, empty before triage',
    value: (a) => a.classification,
  },
  {
    name: 'reasons',
    description: 'triage reasons, `; `-separated, highest weight first',
    value: (a) =>
      a.reasons === undefined
        ? undefined
        : orderedReasons(a)
            .map((r) => r.message)
            .join('; '),
  },
  { name: 'event_id', description: 'CloudTrail eventID', value: (a) => a.event.id },
  { name: 'event_name', description: 'CloudTrail eventName', value: (a) => a.event.name },
  { name: 'event_source', description: 'CloudTrail eventSource', value: (a) => a.event.source },
  { name: 'outcome', description: 'success | failure | unknown', value: (a) => a.event.outcome },
  { name: 'error_code', description: 'errorCode of a failed call', value: (a) => a.event.errorCode },
  { name: 'account', description: 'recipient account id', value: (a) => a.event.account },
  { name: 'region', description: 'awsRegion', value: (a) => a.event.region },
  { name: 'actor_type', description: 'userIdentity.type', value: (a) => a.actor.type },
  { name: 'actor_arn', description: 'userIdentity.arn', value: (a) => a.actor.arn },
  {
    name: 'actor_user_name',
    description: 'IAM user, role session or `root`',
    value: (a) => a.actor.userName,
  },
  { name: 'access_key_id', description: 'access key used', value: (a) => a.actor.accessKeyId },
  {
    name: 'access_key_kind',
    description: 'temporary (ASIA) | long-term (AKIA)',
    value: (a) => a.actor.accessKeyKind,
  },
  {
    name: 'mfa_authenticated',
    description: 'session was MFA-authenticated (true/false/empty)',
    value: (a) => a.actor.mfaAuthenticated,
  },
  {
    name: 'console_session',
    description: 'session credential came from the console',
    value: (a) => a.actor.consoleSession,
  },
  { name: 'source_ip', description: 'sourceIPAddress', value: (a) => a.actor.sourceIp },
  { name: 'user_agent', description: 'userAgent (attacker-controlled)', value: (a) => a.actor.userAgent },
  { name: 'target_user_name', description: 'IAM user the call was about', value: (a) => a.target.userName },
  {
    name: 'target_serial_number',
    description: 'MFA device serial number / ARN',
    value: (a) => a.target.serialNumber,
  },
  {
    name: 'correlation_targets',
    description:
      "a burst's own alert: all target users, `; `-separated (its members name the burst's alert instead)",
    value: (a) => a.correlation?.targets?.join('; '),
  },
  {
    name: 'burst_alert_id',
    description: "a removal in a burst: the id of the burst's alert, which lists every target",
    value: (a) => a.correlation?.burstAlertId,
  },
  {
    name: 'vulnerability_window_seconds',
    description: 'seconds from MFA removal to re-enrolment, where known',
    value: (a) => a.vulnerabilityWindowSeconds,
  },
  {
    name: 'incident',
    description:
      'eventID of the MFA removal whose incident the alert belongs to (the removal itself, or its deleted or new device, a follow-up)',
    value: (a) => a.incident?.removalEventId,
  },
  {
    name: 'location',
    description: 'file, S3 URL or stream the record came from',
    value: (a) => a.event.location,
  },
  {
    name: 'record_index',
    description: 'zero-based record index inside that location',
    value: (a) => a.event.index,
  },
  { name: 'title', description: 'one-line description', value: (a) => a.title },
];

export function orderedReasons(alert: Alert): NonNullable<Alert['reasons']> {
  const reasons = alert.reasons ?? [];
  // Stable sort: equal weights keep triage's order.
  return [...reasons].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
}

export function csvHeader(): string {
  return csvRecords([CSV_COLUMNS.map((c) => c.name)]);
}

export function csvRow(alert: Alert): string {
  return csvRecords([CSV_COLUMNS.map((c) => c.value(alert))]);
}
