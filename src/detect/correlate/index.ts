// Correlation: each MFA removal's incident, by target, device serial and caller, and bursts of removals by one caller.

export {
  actorId,
  assignMembers,
  byTime,
  correlateRemovals,
  CREDENTIAL_LIST_CALLS,
  findBursts,
  incidentMembers,
  incidentReach,
  isCallerUser,
  isMfaRemoval,
  MFA_DEVICE_EVENTS,
  PRECURSOR_NAMES,
  resolveTarget,
  SESSION_PROBES,
  targetKey,
  targetUserName,
} from './correlate.ts';
export type {
  Burst,
  CorrelationWindows,
  RelatedFinding,
  RelatedKind,
  RemovalCorrelation,
} from './correlate.ts';
export { BURST_RULE } from './burst-rule.ts';
