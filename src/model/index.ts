// Shared types and errors: the vocabulary every stage speaks. Imports nothing from the rest of mfaguard.

export type * from './alert.ts';
export type * from './case.ts';
export type * from './cloudtrail.ts';
export type * from './finding.ts';
export type * from './issue.ts';
export type * from './rule.ts';
export { CLASSIFICATIONS, CLASSIFICATIONS_WORST_FIRST, worstClassification } from './alert.ts';
export { AUTO_RESOLUTIONS, CASE_STATES, CASE_TRANSITIONS, canTransition, isCaseState } from './case.ts';
export { ExternalError, InternalError, UsageError } from './errors.ts';
export { IAM_POLICY_CHANGE_EVENTS } from './iam-events.ts';
export { PARTITIONS, partitionOf, partitionOfArn, partitionOfRegion } from './partition.ts';
export type { Partition } from './partition.ts';
export { SEVERITIES, isSeverity, severityFromRiskScore, severityRank } from './severity.ts';
export type { Severity } from './severity.ts';
export { EARLIEST_TIME_MS, LATEST_TIME_MS, isPrintableTime, printableIso } from './time.ts';
