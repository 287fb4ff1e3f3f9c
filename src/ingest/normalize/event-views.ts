// The event as rules see it: the typed event now, the ECS view only when a rule first asks for it, and then only
// as much of it as the rule reads.

import type { CloudTrailEvent, EcsDocument, EcsValue, EventViews } from '../../model/index.ts';
import { addEcsDetails, ECS_FIELD_RESOLVERS, isEcsDetailField, toEcsCore } from './to-ecs.ts';

/**
 * A document that maps the cheap core of the ECS view on first read, and the costly details (flattened request
 * parameters, related entities, TLS...) only when a detail field is read or the keys are listed. A rule that
 * pins no event name is checked against every event; this keeps it from paying for the whole mapping each time.
 */
/** How a field is produced: by its own resolver, by the core mapping, or only by the details. Cached per name. */
const enum FieldKind {
  Resolver,
  Core,
  Detail,
}
const fieldKinds = new Map<string, FieldKind>();

function kindOf(field: string): FieldKind {
  let kind = fieldKinds.get(field);
  if (kind === undefined) {
    kind = ECS_FIELD_RESOLVERS.has(field)
      ? FieldKind.Resolver
      : isEcsDetailField(field)
        ? FieldKind.Detail
        : FieldKind.Core;
    // Field names come from rules, so the map stays as small as the rule set's vocabulary.
    fieldKinds.set(field, kind);
  }
  return kind;
}

function lazyEcsDocument(event: CloudTrailEvent): EcsDocument {
  let core: Record<string, EcsValue> | null = null;
  let full = false;
  const document = (): Record<string, EcsValue> => (core ??= toEcsCore(event));
  const complete = (): Record<string, EcsValue> => {
    const doc = document();
    if (!full) {
      addEcsDetails(doc, event);
      full = true;
    }
    return doc;
  };
  const target: Record<string, EcsValue> = {};
  return new Proxy(target, {
    get: (_target, key) => {
      if (typeof key !== 'string') return undefined;
      if (full) return core![key];
      const kind = kindOf(key);
      if (kind === FieldKind.Resolver && core === null) return ECS_FIELD_RESOLVERS.get(key)!(event);
      return (kind === FieldKind.Detail ? complete() : document())[key];
    },
    has: (_target, key) =>
      typeof key === 'string' && key in (isEcsDetailField(key) ? complete() : document()),
    ownKeys: () => Reflect.ownKeys(complete()),
    getOwnPropertyDescriptor: (_target, key) => {
      const doc = complete();
      if (typeof key !== 'string' || !Object.hasOwn(doc, key)) return undefined;
      return { value: doc[key], writable: false, enumerable: true, configurable: true };
    },
    set: () => false,
    deleteProperty: () => false,
    defineProperty: () => false,
  });
}

/** Wraps an event so that `ecs()` maps it at most once, however many KQL rules read it. */
export function createEventViews(event: CloudTrailEvent): EventViews {
  let ecs: EcsDocument | undefined;
  return {
    event,
    ecs(): EcsDocument {
      ecs ??= lazyEcsDocument(event);
      return ecs;
    },
  };
}
