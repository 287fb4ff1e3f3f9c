// Writes a KQL tree back as query text that parses to the same tree (escaping what Kibana's grammar needs).

import type { KqlNode, KqlValue, KqlValueExpr } from './ast.ts';
import { KQL_SPECIAL_CHARACTERS, isKqlSpace } from './parse.ts';

export function printKql(node: KqlNode): string {
  switch (node.type) {
    case 'all':
      return '';
    case 'or':
      return node.children
        .map((child) => (child.type === 'or' ? `(${printKql(child)})` : printKql(child)))
        .join(' or ');
    case 'and':
      return node.children
        .map((child) =>
          child.type === 'or' || child.type === 'and' ? `(${printKql(child)})` : printKql(child),
        )
        .join(' and ');
    case 'not':
      return `not ${node.child.type === 'or' || node.child.type === 'and' || node.child.type === 'not' ? `(${printKql(node.child)})` : printKql(node.child)}`;
    case 'field':
      return `${printKqlValue(node.field)}: ${printValues(node.values, true)}`;
    case 'range':
      return `${printKqlValue(node.field)} ${node.operator} ${printKqlValue(node.value)}`;
    case 'nested':
      return `${printKqlValue(node.field)}: { ${printKql(node.query)} }`;
    case 'text':
      return printKqlValue(node.value);
  }
}

function printValues(values: KqlValueExpr, top: boolean): string {
  switch (values.type) {
    case 'value':
      return printKqlValue(values.value);
    case 'or': {
      const inner = values.children
        .map((child) => (child.type === 'or' ? `(${printValues(child, false)})` : printValues(child, false)))
        .join(' or ');
      return top ? `(${inner})` : inner;
    }
    case 'and': {
      const inner = values.children
        .map((child) =>
          child.type === 'or' || child.type === 'and'
            ? `(${printValues(child, false)})`
            : printValues(child, false),
        )
        .join(' and ');
      return top ? `(${inner})` : inner;
    }
    case 'not': {
      const child =
        values.child.type === 'value'
          ? printValues(values.child, false)
          : `(${printValues(values.child, false)})`;
      return top ? `(not ${child})` : `not ${child}`;
    }
  }
}

/** One value or field name as KQL text: quoted with `\\` and `\"` escaped, or unquoted with `*` between parts. */
export function printKqlValue(value: KqlValue): string {
  if (value.kind === 'quoted') return `"${value.text.replace(/[\\"]/g, '\\$&')}"`;
  const printed = value.parts
    .map((part, i) => escapeUnquotedPart(part, i === value.parts.length - 1))
    .join('*');
  // An empty unquoted literal only arises from escaped whitespace that Kibana trims away.
  return printed === '' ? '\\t' : printed;
}

/** `last`: the part ends the literal, so whatever the printer writes next (often a space) follows it. */
function escapeUnquotedPart(part: string, last: boolean): string {
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (KQL_SPECIAL_CHARACTERS.includes(c)) out += `\\${c}`;
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (c === '\n') out += '\\n';
    else if (isKqlSpace(c) && keywordAt(part, i + 1, last) !== null) {
      const word = keywordAt(part, i + 1, last)!;
      out += `${c}\\${word}`;
      i += word.length;
    } else if (
      (c === 'n' || c === 'N') &&
      part.slice(i, i + 3).toLowerCase() === 'not' &&
      (isKqlSpace(part[i + 3]) || (last && i + 3 === part.length))
    ) {
      // `\not` would read as an escaped newline followed by "ot", so the n goes as a unicode escape.
      out += (c === 'n' ? '\\u006e' : '\\u004e') + part.slice(i + 1, i + 3);
      i += 2;
    } else out += c;
  }
  return out;
}

/** `or` or `and` (as written) when it starts at `at` and is followed by whitespace (or ends the literal). */
function keywordAt(text: string, at: number, last: boolean): string | null {
  for (const word of ['or', 'and']) {
    const written = text.slice(at, at + word.length);
    const end = at + word.length;
    if (written.toLowerCase() === word && (isKqlSpace(text[end]) || (last && end === text.length)))
      return written;
  }
  return null;
}
