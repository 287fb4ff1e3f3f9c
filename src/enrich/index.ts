// Enrichment: identity context, baselines, working hours, approvals, and the scoring that classifies each MFA removal.

export { findApproval } from './approvals.ts';
export { actorKey, Baseline, BaselineBuilder, clientFamily, userAgentFamily } from './baseline.ts';
export type { BaselineData, BaselineTransfer } from './baseline.ts';
export { assessRemoval, INVESTIGATION_FIELDS, triageAlerts } from './triage.ts';
export type { Assessment, TriageInput } from './triage.ts';
export { DEFAULT_TRIAGE_CONFIG } from './triage-config.ts';
export type { Approval, Owner, TriageConfig, WorkingHours } from './triage-config.ts';
export { isKnownTimeZone, isWithinWorkingHours, localTime } from './working-hours.ts';
