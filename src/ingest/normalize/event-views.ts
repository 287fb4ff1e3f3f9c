// The event as rules see it: the typed event now, the ECS view only when a rule first asks for it.

import type { CloudTrailEvent, EcsDocument, EventViews } from '../../model/index.ts';
import { toEcs } from './to-ecs.ts';

/** Wraps an event so that `ecs()` maps it at most once, however many KQL rules read it. */
export function createEventViews(event: CloudTrailEvent): EventViews {
  let ecs: EcsDocument | undefined;
  return {
    event,
    ecs(): EcsDocument {
      ecs ??= toEcs(event);
      return ecs;
    },
  };
}
