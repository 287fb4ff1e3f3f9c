// Public face of posture: collect snapshots (live, organization, offline), run the checks, build and render the audit report.

import type { Finding } from '../model/index.ts';
import type { AnalyzeMfaEnforcement, CheckContext, PostureConfig } from './checks/index.ts';
import { CHECKS, DEFAULT_POSTURE_CONFIG, runChecks } from './checks/index.ts';
import type { AccountSnapshot } from './collect/snapshot.ts';
import { analyzeMfaEnforcement } from './policy/index.ts';

export {
  CHECKS,
  DEFAULT_POSTURE_CONFIG,
  runChecks,
  policyRefsForUser,
  orphanMfaPolicies,
} from './checks/index.ts';
export type {
  AnalyzeMfaEnforcement,
  Check,
  CheckContext,
  FindingDraft,
  PostureConfig,
} from './checks/index.ts';
export { controlsFor, FRAMEWORKS } from './frameworks/controls.ts';
export {
  parseCredentialReportCsv,
  parseCredentialReportFile,
  CREDENTIAL_REPORT_COLUMNS,
  ROOT_USER,
} from './collect/credential-report.ts';
export { exportKindOf, loadOfflineFolder, loadOfflineSnapshot } from './collect/offline.ts';
export type {
  FolderEntry,
  ListFolder,
  OfflineFolderResult,
  OfflineInputs,
  OfflineResult,
  ReadText,
} from './collect/offline.ts';
export {
  awsErrorName,
  collectAccountLive,
  fetchCredentialReport,
  nothingCollected,
  realSleep,
} from './collect/live.ts';
export type { LiveCollectOptions, Sleep } from './collect/live.ts';
export { assumeRole } from './collect/assume-role.ts';
export type { AssumeRoleRequest } from './collect/assume-role.ts';
export {
  collectOrganization,
  DEFAULT_ORG_ROLE,
  listOrganizationAccounts,
  unreachableSnapshot,
} from './collect/organization.ts';
export type { OrgAccount, OrganizationAuditOptions, TemporaryCredentials } from './collect/organization.ts';
export {
  mfaDeviceKind,
  parseAuthorizationDetails,
  parseMfaDevices,
  parseVirtualMfaDevices,
} from './collect/parse-aws.ts';
export type * from './collect/snapshot.ts';
export { buildAuditReport, computeKpis, CREDENTIAL_REPORT_MAX_AGE_HOURS, plainDuration } from './summary.ts';
export type { AccountReport, AuditReport, Kpis } from './summary.ts';
export { AUDIT_FILE_EXTENSIONS, AUDIT_FORMATS, AUDIT_WRITERS, renderAudit } from './render.ts';
export type { AuditFormat, AuditWriterEntry, RenderOptions } from './render.ts';
export { toAsff } from './output/asff.ts';
export type { AsffOptions } from './output/asff.ts';
export { AUDIT_CSV_COLUMNS } from './output/csv.ts';
export { findingUid, readFirstSeen } from './output/finding-id.ts';
export type { FirstSeen } from './output/finding-id.ts';
export { OCSF_VERSION, toOcsfEvents } from './output/ocsf.ts';
export { analyzeMfaEnforcement, checkPolicyDocument, SELF_SERVICE_MFA_ACTIONS } from './policy/index.ts';
export type { EnforcementVerdict, StandalonePolicyReport } from './policy/index.ts';
export { BATCH_IMPORT_LIMIT, importFindings } from './output/security-hub-import.ts';
export type { FailedFinding, ImportOptions, ImportResult } from './output/security-hub-import.ts';

/** The real policy analyzer, with the audit's clock for time conditions. */
export function policyAnalyzer(now: Date): AnalyzeMfaEnforcement {
  return (input) => analyzeMfaEnforcement(input, { now });
}

/** Runs every registered check on one snapshot with the real analyzer. */
export function auditSnapshot(
  snapshot: AccountSnapshot,
  now: Date,
  config: PostureConfig = DEFAULT_POSTURE_CONFIG,
): Finding[] {
  const ctx: CheckContext = { now, config, analyze: policyAnalyzer(now) };
  return runChecks(CHECKS, snapshot, ctx);
}
export {
  applyPostureEvents,
  isPostureEvent,
  policyArnsToFetch,
  POSTURE_CREDENTIAL_EVENTS,
  POSTURE_EVENT_NAMES,
  POSTURE_EVENT_SOURCE,
  POSTURE_POLICY_EVENTS,
} from './events/apply-events.ts';
export type { AppliedEvents, PostureFact } from './events/apply-events.ts';
