// The audit as OCSF 1.4.0 Compliance Finding events (class 2003) with the cloud profile, one per finding.

import type { Finding, FindingStatus, IamUserFacts, Severity } from '../../model/index.ts';
import { CHECKS } from '../checks/index.ts';
import type { AuditReport } from '../summary.ts';
import { findingUid, firstSeenOf } from './finding-id.ts';
import type { FirstSeen } from './finding-id.ts';
import { primaryControl, standardNames, requirementIds } from './controls.ts';

/**
 * 1.4.0, not 1.3.0: `evidences` joined the Compliance Finding class in OCSF 1.4.0 (ocsf-schema #1157), and
 * an event carrying it under 1.3.0 would fail a strict 1.3.0 validator. 1.4.0 only adds to 1.3.0.
 */
export const OCSF_VERSION = '1.4.0';

export interface OcsfOptions {
  /** The region the audit speaks for (`--region`, profile, environment); none rather than a made-up one. */
  readonly region?: string | null;
  readonly productVersion?: string;
  readonly firstSeen?: FirstSeen;
}

const SEVERITY: Readonly<Record<Severity, readonly [number, string]>> = {
  info: [1, 'Informational'],
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

/** compliance.status_id: a check that could not run did not yield a result — OCSF's "Warning". */
const COMPLIANCE_STATUS: Readonly<Record<FindingStatus, readonly [number, string]>> = {
  PASS: [1, 'Pass'],
  FAIL: [3, 'Fail'],
  ERROR: [2, 'Warning'],
  NOT_APPLICABLE: [99, 'Not Applicable'],
};

/** The finding's own workflow status: what failed or could not be judged is new; the rest needs no work. */
const FINDING_STATUS: Readonly<Record<FindingStatus, readonly [number, string]>> = {
  PASS: [4, 'Resolved'],
  FAIL: [1, 'New'],
  ERROR: [1, 'New'],
  NOT_APPLICABLE: [4, 'Resolved'],
};

function resourceData(user: IamUserFacts | undefined): Record<string, unknown> | undefined {
  if (user === undefined) return undefined;
  return {
    user_name: user.userName,
    ...(user.userId === undefined ? {} : { user_id: user.userId }),
    ...(user.path === undefined ? {} : { path: user.path }),
    ...(user.createDate === undefined ? {} : { create_date: user.createDate }),
    ...(user.groups === undefined ? {} : { groups: user.groups }),
    ...(user.attachedPolicies === undefined ? {} : { attached_policies: user.attachedPolicies }),
    ...(user.inlinePolicyNames === undefined ? {} : { inline_policies: user.inlinePolicyNames }),
    ...(user.permissionsBoundaryArn === undefined
      ? {}
      : { permissions_boundary: user.permissionsBoundaryArn }),
  };
}

/** One OCSF Compliance Finding event for one finding. */
export function toOcsfEvent(
  f: Finding,
  report: AuditReport,
  options: OcsfOptions = {},
): Record<string, unknown> {
  const time = Date.parse(report.generatedAt);
  const firstSeen = Date.parse(firstSeenOf(f, options.firstSeen, report.generatedAt));
  const [severityId, severity] = SEVERITY[f.severity];
  const [complianceId, complianceStatus] = COMPLIANCE_STATUS[f.status];
  const [statusId, status] = FINDING_STATUS[f.status];
  const control = primaryControl(f);
  const region = options.region ?? null;
  const data = resourceData(f.resource.iamUser);
  return {
    class_uid: 2003,
    class_name: 'Compliance Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200301,
    type_name: 'Compliance Finding: Create',
    time,
    severity_id: severityId,
    severity,
    status_id: statusId,
    status,
    status_code: f.status,
    status_detail: f.message,
    message: f.message,
    metadata: {
      version: OCSF_VERSION,
      profiles: ['cloud'],
      product: { name: 'mfaguard', vendor_name: 'mfaguard', version: options.productVersion ?? '0.1.0' },
      event_code: f.checkId,
      uid: findingUid(f),
    },
    finding_info: {
      uid: findingUid(f),
      title: CHECKS[f.checkId]?.title ?? f.checkId,
      desc: f.message,
      created_time: firstSeen,
      first_seen_time: firstSeen,
      last_seen_time: time,
      modified_time: time,
      types: ['Software and Configuration Checks'],
    },
    compliance: {
      ...(control === null ? {} : { control }),
      standards: standardNames(f),
      requirements: requirementIds(f),
      status_id: complianceId,
      status: complianceStatus,
      status_code: f.status,
      ...(f.status === 'ERROR' || f.status === 'NOT_APPLICABLE' ? { status_details: [f.message] } : {}),
    },
    remediation: {
      desc: f.remediation,
      ...(f.remediationUrl === undefined ? {} : { references: [f.remediationUrl] }),
    },
    resources: [
      {
        type: f.resource.type,
        name: f.resource.name,
        ...(f.resource.arn === null ? {} : { uid: f.resource.arn }),
        cloud_partition: /^arn:(aws[\w-]*):/.exec(f.resource.arn ?? '')?.[1] ?? 'aws',
        ...(data === undefined ? {} : { data }),
      },
    ],
    cloud: {
      provider: 'AWS',
      ...(region === null ? {} : { region }),
      ...(f.resource.account === null
        ? {}
        : { account: { uid: f.resource.account, type: 'AWS Account', type_id: 10 } }),
    },
    ...(f.evidence === undefined ? {} : { evidences: [{ data: f.evidence }] }),
  };
}

/** Every finding of the report, as a JSON array of OCSF events. */
export function toOcsfEvents(report: AuditReport, options: OcsfOptions = {}): Record<string, unknown>[] {
  return report.findings.map((f) => toOcsfEvent(f, report, options));
}
