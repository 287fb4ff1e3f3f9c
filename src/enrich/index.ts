// Enrichment: identity context, baselines, working hours, approvals, and the scoring that classifies each MFA removal.

export { findApproval } from './approvals.ts';
export {
  actorKey,
  Baseline,
  BaselineBuilder,
  baselineFromSightings,
  baselineSightings,
  clientFamily,
  userAgentFamily,
} from './baseline.ts';
export type { BaselineData, BaselineSighting, BaselineTransfer } from './baseline.ts';
export {
  assessRemoval,
  extendBurstAlert,
  BURST_LISTED_MEMBERS,
  BURST_LISTED_TARGETS,
  INVESTIGATION_FIELDS,
  judgedActors,
  triageAlerts,
} from './triage.ts';
export type { Assessment, TriageInput, TriageOptions } from './triage.ts';
export {
  ADMIN_RESET_MAX_SCORE,
  ADMIN_RESET_UNRESOLVED_MAX_SCORE,
  APPROVED_MAX_SCORE,
  decide,
  EVIDENCE,
  ROOT_MIN_SCORE,
  ROTATION_MAX_SCORE,
  TAKEOVER_MIN_SCORE,
  TAKEOVER_THRESHOLD,
} from './decision-table.ts';
export type { Decision, DecisionInput, EvidenceCode, EvidenceRole, EvidenceSpec } from './decision-table.ts';
export {
  isConsoleCall,
  isDelegatedSession,
  isIdentityCenterRole,
  isTemporaryNotConsole,
  sessionMfa,
} from './session.ts';
export type { SessionMfa } from './session.ts';
export { DEFAULT_TRIAGE_CONFIG } from './triage-config.ts';
export type { Approval, Owner, TriageConfig, WorkingHours } from './triage-config.ts';
export { isKnownTimeZone, isWithinWorkingHours, localTime } from './working-hours.ts';
