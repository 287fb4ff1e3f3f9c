// The store's public face: one interface for SQLite and PostgreSQL, how to open it, its errors and helpers.

export {
  AUTO_RESOLUTIONS,
  CASE_STATES,
  CASE_TRANSITIONS,
  canTransition,
  isCaseState,
} from './case-lifecycle.ts';
export type { AutoResolution } from './case-lifecycle.ts';
export {
  ConflictError,
  InvalidTransitionError,
  NotFoundError,
  StoreError,
  StoreUnavailableError,
  isStoreError,
  isTransientStoreError,
} from './errors.ts';
export type { StoreErrorCode } from './errors.ts';
export { actorKeyOf, eventTargetKey, targetKeyOf } from './keys.ts';
export { defaultStorePath, openStore, parseStoreUrl, redactStoreUrl } from './open-store.ts';
export type { StoreLocation } from './open-store.ts';
export type * from './store.ts';
export { ALERT_SORTS } from './store.ts';
export type * from './baseline-sightings.ts';
export type * from './job-leases.ts';
export type * from './kpi-facts.ts';
export type * from './posture-snapshots.ts';
export type * from './removal-chains.ts';
export { POSTURE_SNAPSHOT_SOURCES } from './posture-snapshots.ts';
export type * from './response-actions.ts';
export type * from './session-links.ts';
export { RESPONSE_ACTION_STATES } from './response-actions.ts';
