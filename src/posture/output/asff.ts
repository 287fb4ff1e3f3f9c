// The audit in the AWS Security Finding Format, as Security Hub's BatchImportFindings takes it: one finding per Security Hub control.

import type {
  AwsIamUserDetails,
  AwsSecurityFinding,
  ComplianceStatus,
  Partition,
  Resource,
  SeverityLabel,
} from '@aws-sdk/client-securityhub';
import type { Finding, FindingStatus, IamUserFacts, Severity } from '../../model/index.ts';
import { CHECKS } from '../checks/index.ts';
import type { AuditReport } from '../summary.ts';
import { requirementIds, securityHubControlsOf } from './controls.ts';
import type { FirstSeen } from './finding-id.ts';
import { findingUid, firstSeenOf } from './finding-id.ts';

export interface AsffOptions {
  /** The Security Hub region the findings are imported into (ProductArn, Resources[].Region). */
  readonly region: string;
  /**
   * The account that imports them (the caller of BatchImportFindings). With the default product ARN,
   * Security Hub requires AwsAccountId to be that account. Null: each finding's own account (import per account).
   */
  readonly importAccount?: string | null;
  readonly partition?: Partition;
  readonly productVersion?: string;
  readonly firstSeen?: FirstSeen;
}

const COMPLIANCE: Readonly<Record<FindingStatus, ComplianceStatus>> = {
  PASS: 'PASSED',
  FAIL: 'FAILED',
  ERROR: 'WARNING',
  NOT_APPLICABLE: 'NOT_AVAILABLE',
};
const SEVERITY: Readonly<Record<Severity, SeverityLabel>> = {
  info: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};
/** With no standard behind a check, its findings are best-practice checks, nothing more. */
const UNMAPPED_TYPE = 'Software and Configuration Checks/AWS Security Best Practices';

/** ASFF field limits (BatchImportFindings API reference, AwsSecurityFinding). */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function userDetails(user: IamUserFacts): AwsIamUserDetails {
  return {
    UserName: user.userName,
    ...(user.userId === undefined ? {} : { UserId: user.userId }),
    ...(user.path === undefined ? {} : { Path: user.path }),
    ...(user.createDate === undefined ? {} : { CreateDate: user.createDate }),
    ...(user.groups === undefined ? {} : { GroupList: [...user.groups] }),
    ...(user.attachedPolicies === undefined
      ? {}
      : {
          AttachedManagedPolicies: user.attachedPolicies.map((p) => ({
            PolicyArn: p.arn,
            PolicyName: p.name,
          })),
        }),
    ...(user.inlinePolicyNames === undefined
      ? {}
      : { UserPolicyList: user.inlinePolicyNames.map((name) => ({ PolicyName: name })) }),
    ...(user.permissionsBoundaryArn === undefined
      ? {}
      : {
          PermissionsBoundary: {
            PermissionsBoundaryArn: user.permissionsBoundaryArn,
            PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
          },
        }),
  };
}

function resource(f: Finding, account: string, options: AsffOptions): Resource {
  const partition = options.partition ?? 'aws';
  const base = { Partition: partition, Region: options.region };
  if (f.resource.type === 'AwsAccount' || f.resource.arn === null)
    return { Type: 'AwsAccount', Id: `AWS::::Account:${account}`, ...base };
  if (f.resource.type === 'AwsIamUser')
    return {
      Type: 'AwsIamUser',
      Id: f.resource.arn,
      ...base,
      ...(f.resource.iamUser === undefined
        ? {}
        : { Details: { AwsIamUser: userDetails(f.resource.iamUser) } }),
    };
  if (f.resource.type === 'AwsIamPolicy')
    return {
      Type: 'AwsIamPolicy',
      Id: f.resource.arn,
      ...base,
      Details: { AwsIamPolicy: { PolicyName: cut(f.resource.name, 128) } },
    };
  return { Type: 'Other', Id: f.resource.arn, ...base };
}

/**
 * The ASFF findings for one audit finding. Security Hub keeps one finding per control (consolidated control
 * findings), so a check mapped to IAM.5 and IAM.19 gives two, each with its Compliance.SecurityControlId;
 * a check mapped to no control gives one without it.
 */
export function toAsffFindings(f: Finding, report: AuditReport, options: AsffOptions): AwsSecurityFinding[] {
  const resourceAccount = f.resource.account ?? '000000000000';
  const account = options.importAccount ?? resourceAccount;
  const partition = options.partition ?? 'aws';
  const now = report.generatedAt;
  const firstSeen = firstSeenOf(f, options.firstSeen, now);
  const failed = f.status === 'FAIL' || f.status === 'ERROR';
  const check = CHECKS[f.checkId];
  const uid = findingUid(f);
  const controls = securityHubControlsOf(f);
  const requirements = requirementIds(f)
    .map((id) =>
      id.startsWith('CIS ') ? id.replace(/^CIS (\S+) /, 'CIS AWS Foundations Benchmark v$1/') : id,
    )
    .slice(0, 32);
  const base = (control: (typeof controls)[number] | null): AwsSecurityFinding => {
    const standards = control?.standards ?? [];
    const types = [...new Set(standards.map((s) => s.type))];
    return {
      SchemaVersion: '2018-10-08',
      Id: cut(control === null ? uid : `${uid}/${control.id}`, 512),
      ProductArn: `arn:${partition}:securityhub:${options.region}:${account}:product/${account}/default`,
      ProductName: 'mfaguard',
      CompanyName: 'mfaguard',
      GeneratorId: control === null ? `mfaguard/${f.checkId}` : `mfaguard/${f.checkId}/${control.id}`,
      AwsAccountId: account,
      Region: options.region,
      Types: types.length === 0 ? [UNMAPPED_TYPE] : types,
      CreatedAt: firstSeen,
      FirstObservedAt: firstSeen,
      LastObservedAt: now,
      UpdatedAt: now,
      Severity: { Label: failed ? SEVERITY[f.severity] : 'INFORMATIONAL', Original: f.severity },
      Title: cut(control === null ? (check?.title ?? f.checkId) : `${control.id} ${control.title}`, 256),
      Description: cut(f.message, 1024),
      Remediation: {
        Recommendation: {
          Text: cut(f.remediation, 512),
          ...(f.remediationUrl === undefined && control === null
            ? {}
            : { Url: control?.url ?? f.remediationUrl }),
        },
      },
      ProductFields: {
        'mfaguard/CheckId': f.checkId,
        'mfaguard/Status': f.status,
        'mfaguard/FindingUid': uid,
        'mfaguard/ResourceAccount': resourceAccount,
        ProviderName: 'mfaguard',
        ProviderVersion: options.productVersion ?? '0.1.0',
      },
      Resources: [resource(f, resourceAccount, options)],
      Compliance: {
        Status: COMPLIANCE[f.status],
        ...(control === null ? {} : { SecurityControlId: control.id }),
        ...(standards.length === 0
          ? {}
          : { AssociatedStandards: standards.map((s) => ({ StandardsId: s.standardsId })) }),
        ...(requirements.length === 0 ? {} : { RelatedRequirements: requirements }),
      },
      RecordState: 'ACTIVE',
      Workflow: { Status: f.status === 'PASS' ? 'RESOLVED' : 'NEW' },
    };
  };
  return controls.length === 0 ? [base(null)] : controls.map(base);
}

/** Every finding of the report as ASFF, in report order. */
export function toAsff(report: AuditReport, options: AsffOptions): AwsSecurityFinding[] {
  return report.findings.flatMap((f) => toAsffFindings(f, report, options));
}
