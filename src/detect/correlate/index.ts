// Correlation: windows per actor, target and account around each MFA removal.

export { correlateRemovals, isMfaRemoval, targetKey, targetUserName } from './correlate.ts';
export type {
  Burst,
  CorrelationWindows,
  ReEnrolment,
  RelatedFinding,
  RelatedKind,
  RemovalCorrelation,
} from './correlate.ts';
export { BURST_RULE } from './burst-rule.ts';
