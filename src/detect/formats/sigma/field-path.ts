// Sigma field names over raw CloudTrail: dotted paths through nested objects and arrays.

import type { RawRecord } from '../../../model/index.ts';

/** What a path found in a record: whether it exists at all, and its leaf values (arrays flattened). */
export interface Resolved {
  readonly present: boolean;
  readonly values: readonly unknown[];
}

const ABSENT: Resolved = { present: false, values: [] };

export type FieldResolver = (record: RawRecord) => Resolved;

/**
 * Compiles `a.b.c` to a resolver. At each level a key that itself contains dots (`"a.b"`) is tried as well,
 * because CloudTrail copies some request keys verbatim; arrays on the way are walked element by element,
 * so `requestParameters.containerDefinitions.command` reaches every command of every container.
 */
export function compileFieldPath(path: string): FieldResolver {
  const segments = path.split('.');
  // Candidate keys starting at each depth: the single segment first, then the dotted joins.
  const keysAt: { key: string; next: number }[][] = segments.map((_, i) => {
    const out: { key: string; next: number }[] = [];
    for (let j = i; j < segments.length; j++)
      out.push({ key: segments.slice(i, j + 1).join('.'), next: j + 1 });
    return out;
  });
  if (segments.length === 1) {
    const key = path;
    return (record) => {
      if (!Object.hasOwn(record, key)) return ABSENT;
      const values: unknown[] = [];
      pushLeaf(record[key], values);
      return { present: true, values };
    };
  }
  return (record) => {
    const values: unknown[] = [];
    let present = false;
    const walk = (node: unknown, depth: number): void => {
      if (depth === segments.length) {
        present = true;
        pushLeaf(node, values);
        return;
      }
      if (Array.isArray(node)) {
        for (const el of node) walk(el, depth);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const obj = node as Record<string, unknown>;
      for (const { key, next } of keysAt[depth] ?? []) {
        if (Object.hasOwn(obj, key)) walk(obj[key], next);
      }
    };
    walk(record, 0);
    return present ? { present, values } : ABSENT;
  };
}

function pushLeaf(node: unknown, out: unknown[]): void {
  if (Array.isArray(node)) {
    for (const el of node) pushLeaf(el, out);
  } else {
    out.push(node);
  }
}

const jsonCache = new WeakMap<object, string>();

/**
 * The text a string match sees for a leaf: strings as they are, numbers and booleans as written in JSON,
 * objects as compact JSON (so `requestParameters|contains: 'Suspended'` searches the whole object, as a
 * SIEM searching the raw record would). Null has no text.
 */
export function leafText(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object': {
      if (value === null) return null;
      let text = jsonCache.get(value);
      if (text === undefined) {
        text = JSON.stringify(value);
        jsonCache.set(value, text);
      }
      return text;
    }
    case 'function':
    case 'symbol':
    case 'undefined':
      return null;
  }
}

const scalarCache = new WeakMap<object, readonly string[]>();

/** Every scalar value in the record as text: what an unbound keyword searches. */
export function scalarTexts(record: RawRecord): readonly string[] {
  let out = scalarCache.get(record);
  if (out !== undefined) return out;
  const acc: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || node === undefined) return;
    if (typeof node === 'object') {
      for (const v of Array.isArray(node) ? node : Object.values(node)) walk(v);
      return;
    }
    const text = leafText(node);
    if (text !== null) acc.push(text);
  };
  walk(record);
  out = acc;
  scalarCache.set(record, out);
  return out;
}
