// Cases and the figures over them: scan KPIs, keeping a case in step with its alerts, owners, and signed verification links.

export {
  ANSWERED_CLASSIFICATIONS,
  awaitsGraceWindow,
  caseFieldsFromAlerts,
  decisiveAlerts,
  isMfaRemoval,
  isRemovalAlert,
  isRootCase,
  nextCaseAction,
} from './case-sync.ts';
export type { CaseAction } from './case-sync.ts';
export { CLASSIFICATIONS, computeRemovalKpis, percentile, removalsOf } from './kpi.ts';
export type { MonthFigures, RemovalKpis } from './kpi.ts';
export {
  MAX_TREND_BUCKETS,
  PROVISIONED_WITHOUT_MFA_KIND,
  TREND_BUCKETS,
  bucketStart,
  bucketStarts,
  computeKpiTrends,
  postureFigures,
  removalOutcome,
  removalRemediatedAt,
} from './kpi-trends.ts';
export type {
  DenialCounts,
  KpiTrends,
  KpiTrendsInput,
  KpiTrendsQuery,
  PostureFigures,
  PosturePoint,
  PostureSnapshotSummary,
  RemovalCounts,
  RemovalOutcome,
  TrendBucket,
  TrendPoint,
  WindowBin,
} from './kpi-trends.ts';
export {
  ACCESS_DENIAL_CODES,
  classifyDenial,
  denialFactOf,
  denyingPolicy,
  mfaDenialKind,
  mfaDenials,
} from './mfa-denials.ts';
export type { DenialFact, MfaDenial, MfaDenialKind } from './mfa-denials.ts';
export {
  DEFAULT_OWNER_TAG_KEYS,
  chainOwnerLookups,
  configOwnerLookup,
  isPlausibleEmail,
  tagOwnerLookup,
} from './owners.ts';
export type { OwnerLookup, OwnerTarget } from './owners.ts';
export {
  MIN_SECRET_BYTES,
  caseLink,
  checkVerificationToken,
  newVerificationNonce,
  signVerificationToken,
  verificationLink,
  verificationTokenHash,
} from './verification-token.ts';
export type { TokenCheck, VerificationClaims } from './verification-token.ts';
export type { NoticeContext } from './case-notifications.ts';
export { caseClosing, inspectVerificationLink } from './verification-link.ts';
export type { CaseClosing, VerificationLinkState } from './verification-link.ts';
export {
  SYSTEM_ACTOR,
  answeredNotices,
  askOwner,
  escalateCase,
  escalateWithNotice,
  openedNotices,
  resolveExplained,
  resolveNoted,
  markVerifying,
  openOrAttachCase,
  recordOwnerAnswer,
  reopenAfterDenial,
  resolveCase,
  syncCaseFields,
  transitionByResponder,
  updateByResponder,
} from './lifecycle.ts';
export type { CaseActor, CaseChange, CaseStore } from './lifecycle.ts';
