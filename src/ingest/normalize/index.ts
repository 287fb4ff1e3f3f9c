// Public face of normalisation: raw CloudTrail record -> typed event, and the typed event's ECS (Elastic) view.

export { normalizeRecord } from './normalize-record.ts';
export type { NormalizeResult } from './normalize-record.ts';
export { toEcs } from './to-ecs.ts';
export { ECS_FIELDS, ecsFieldType, isEcsField } from './ecs-fields.ts';
export type { EcsFieldType } from './ecs-fields.ts';
export { createEventViews } from './event-views.ts';
export { isIpAddress } from './ip-address.ts';
export { parseIsoTime } from './event-time.ts';
export { SYNTHETIC_ID_PREFIX } from './synthetic-id.ts';
