// The event as rules see it: the typed event now, the ECS view only when a rule first asks for it, and then only
// as much of it as the rule reads.

import type { CloudTrailEvent, EcsDocument, EcsValue, EventViews } from '../../model/index.ts';
import {
  addEcsDetails,
  ECS_FIELD_RESOLVERS,
  ecsDetailSection,
  ecsDetailSectionOf,
  isEcsDetailField,
  toEcsCore,
} from './to-ecs.ts';

/** How a field is produced: by its own resolver, by the core mapping, by one detail section, or only by the details. */
const enum FieldKind {
  Resolver,
  Core,
  Section,
  Detail,
}
interface FieldSource {
  readonly kind: FieldKind;
  /** The detail section, for `FieldKind.Section`. */
  readonly section: string;
}
/** Cached per name; field names come from rules, so the map stays as small as the rule set's vocabulary. */
const fieldSources = new Map<string, FieldSource>();

function sourceOf(field: string): FieldSource {
  let source = fieldSources.get(field);
  if (source === undefined) {
    const section = ecsDetailSectionOf(field);
    source = {
      kind: ECS_FIELD_RESOLVERS.has(field)
        ? FieldKind.Resolver
        : section !== null
          ? FieldKind.Section
          : isEcsDetailField(field)
            ? FieldKind.Detail
            : FieldKind.Core,
      section: section ?? '',
    };
    fieldSources.set(field, source);
  }
  return source;
}

/**
 * A document that maps the cheap core of the ECS view on first read, one detail object (its text and flattened
 * copy) when a field of it is read, and the rest of the details (related entities, TLS...) only when another
 * detail field is read or the keys are listed. A rule that pins no event name is checked against every event;
 * this keeps it from paying for the whole mapping each time.
 */
function lazyEcsDocument(event: CloudTrailEvent): EcsDocument {
  let core: Record<string, EcsValue> | null = null;
  let full = false;
  let sections: Map<string, Map<string, EcsValue>> | null = null;
  const document = (): Record<string, EcsValue> => (core ??= toEcsCore(event));
  const complete = (): Record<string, EcsValue> => {
    const doc = document();
    if (!full) {
      addEcsDetails(doc, event);
      full = true;
    }
    return doc;
  };
  const section = (name: string): Map<string, EcsValue> => {
    sections ??= new Map();
    let fields = sections.get(name);
    if (fields === undefined) {
      fields = ecsDetailSection(event, name);
      sections.set(name, fields);
    }
    return fields;
  };
  const target: Record<string, EcsValue> = {};
  return new Proxy(target, {
    get: (_target, key) => {
      if (typeof key !== 'string') return undefined;
      if (full) return core![key];
      const source = sourceOf(key);
      switch (source.kind) {
        case FieldKind.Resolver:
          return core === null ? ECS_FIELD_RESOLVERS.get(key)!(event) : core[key];
        case FieldKind.Section:
          return section(source.section).get(key);
        case FieldKind.Detail:
          return complete()[key];
        case FieldKind.Core:
          return document()[key];
      }
    },
    has: (_target, key) => {
      if (typeof key !== 'string') return false;
      if (full) return key in core!;
      const source = sourceOf(key);
      if (source.kind === FieldKind.Section) return section(source.section).has(key);
      return key in (source.kind === FieldKind.Detail ? complete() : document());
    },
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
