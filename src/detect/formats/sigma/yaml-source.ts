// Rule YAML read once with positions kept, so every problem can name its line and column.

import { LineCounter, isMap, isScalar, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface YamlProblem extends Position {
  readonly message: string;
  readonly code: string;
}

export interface SourceDocument {
  readonly value: unknown;
  /** Where the value at `path` starts; for a quoted scalar, the first character inside the quotes. */
  valueAt(path: readonly (string | number)[]): Position | null;
  /** Where the map key at the end of `path` starts. */
  keyAt(path: readonly (string | number)[]): Position | null;
}

export type YamlRead =
  | { readonly ok: true; readonly documents: readonly SourceDocument[] }
  | { readonly ok: false; readonly problems: readonly YamlProblem[] };

export function readYaml(text: string): YamlRead {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  const problems: YamlProblem[] = [];
  for (const doc of list) {
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0]);
      problems.push({
        line: pos.line,
        column: pos.col,
        code: e.code,
        message: e.message.split('\n')[0] ?? e.message,
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const position = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const documents = list
    .filter((doc) => doc.contents !== null)
    .map((doc): SourceDocument => ({
      value: doc.toJS({ maxAliasCount: 100 }) as unknown,
      valueAt(path) {
        const node = doc.getIn(path, true);
        if (!isNodeWithRange(node)) return null;
        const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
        return position(node.range[0] + (quoted ? 1 : 0));
      },
      keyAt(path) {
        const parent = path.length <= 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
        if (!isMap(parent)) return null;
        const last = path[path.length - 1];
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        const key = pair?.key;
        return isNodeWithRange(key) ? position(key.range[0]) : null;
      },
    }));
  return { ok: true, documents };
}

function isNodeWithRange(node: unknown): node is { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && 'range' in node && Array.isArray(node.range);
}
