// What a KQL query asks of a document: the fields it names, and the exact values a field must hold for it to match.

import { fieldName, isFieldPattern } from './ast.ts';
import type { KqlNode, KqlValueExpr } from './ast.ts';

/** Field names the query reads, in order of first use; nested names are prefixed, patterns kept with `*`. */
export function referencedFields(node: KqlNode): string[] {
  const seen = new Set<string>();
  const visit = (n: KqlNode, prefix: string): void => {
    switch (n.type) {
      case 'and':
      case 'or':
        for (const child of n.children) visit(child, prefix);
        return;
      case 'not':
        visit(n.child, prefix);
        return;
      case 'field':
      case 'range':
        seen.add(prefix + fieldName(n.field));
        return;
      case 'nested':
        visit(n.query, `${prefix}${fieldName(n.field)}.`);
        return;
      case 'text':
      case 'all':
        return;
    }
  };
  visit(node, '');
  return [...seen];
}

/**
 * The values `field` must equal (exactly, no wildcard) for the query to match, or null when the query does not
 * pin it. Sound for keyword fields: `a and b` intersects, `a or b` unites only when both sides pin, `not` pins nothing.
 */
export function requiredValues(node: KqlNode, field: string): ReadonlySet<string> | null {
  switch (node.type) {
    case 'and': {
      let result: Set<string> | null = null;
      for (const child of node.children) {
        const pinned = requiredValues(child, field);
        if (pinned === null) continue;
        result = result === null ? new Set(pinned) : intersect(result, pinned);
      }
      return result;
    }
    case 'or': {
      const result = new Set<string>();
      for (const child of node.children) {
        const pinned = requiredValues(child, field);
        if (pinned === null) return null;
        for (const value of pinned) result.add(value);
      }
      return result;
    }
    case 'field':
      if (isFieldPattern(node.field) || fieldName(node.field) !== field) return null;
      return exactValues(node.values);
    case 'not':
    case 'range':
    case 'nested':
    case 'text':
    case 'all':
      return null;
  }
}

function exactValues(expr: KqlValueExpr): Set<string> | null {
  switch (expr.type) {
    case 'value':
      if (expr.value.kind === 'quoted') return new Set([expr.value.text]);
      return expr.value.parts.length === 1 ? new Set([expr.value.parts[0]!]) : null;
    case 'or': {
      const result = new Set<string>();
      for (const child of expr.children) {
        const values = exactValues(child);
        if (values === null) return null;
        for (const value of values) result.add(value);
      }
      return result;
    }
    case 'and': {
      let result: Set<string> | null = null;
      for (const child of expr.children) {
        const values = exactValues(child);
        if (values === null) continue;
        result = result === null ? values : intersect(result, values);
      }
      return result;
    }
    case 'not':
      return null;
  }
}

function intersect(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  const result = new Set<string>();
  for (const value of a) if (b.has(value)) result.add(value);
  return result;
}
