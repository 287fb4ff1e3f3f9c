// A small writer for Terraform's HCL: attributes, nested blocks, and values with `${` escaped so IAM policy variables stay literal.

/** An HCL expression written as-is (a reference such as `aws_iam_role.x.arn`, or a quoted template). */
export class HclExpression {
  constructor(readonly hcl: string) {}
}

/** `jsonencode(value)`, rendered at the indentation where it is used. */
export class HclJsonEncode {
  constructor(readonly value: HclValue) {}
}

export type HclValue =
  | string
  | number
  | boolean
  | null
  | HclExpression
  | HclJsonEncode
  | readonly HclValue[]
  | { readonly [key: string]: HclValue };

export interface HclBlock {
  readonly type: string;
  readonly labels: readonly string[];
  readonly body: readonly (readonly [string, HclValue] | HclBlock)[];
}

export function expr(hcl: string): HclExpression {
  return new HclExpression(hcl);
}

function isBlock(item: readonly [string, HclValue] | HclBlock): item is HclBlock {
  return !Array.isArray(item);
}

/**
 * A quoted HCL string. `${` and `%{` start interpolation and directives in HCL, so they are doubled
 * (`$${aws:username}` reaches AWS as `${aws:username}`).
 */
export function hclString(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
  return `"${escaped}"`;
}

/** A string with Terraform interpolations kept: `parts` alternate literal text and expressions. */
export function template(...parts: (string | HclExpression)[]): HclExpression {
  const body = parts
    .map((p) => (typeof p === 'string' ? hclString(p).slice(1, -1) : `\${${p.hcl}}`))
    .join('');
  return expr(`"${body}"`);
}

function key(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) ? name : hclString(name);
}

export function hclValue(value: HclValue, indent = 0): string {
  const pad = '  '.repeat(indent + 1);
  const end = '  '.repeat(indent);
  if (value === null) return 'null';
  if (typeof value === 'string') return hclString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof HclExpression) return value.hcl;
  if (value instanceof HclJsonEncode) return `jsonencode(${hclValue(value.value, indent)})`;
  if (Array.isArray(value)) {
    const items = value as readonly HclValue[];
    if (items.length === 0) return '[]';
    if (items.every((v) => typeof v !== 'object' || v === null))
      return `[${items.map((v) => hclValue(v)).join(', ')}]`;
    return `[\n${items.map((v) => `${pad}${hclValue(v, indent + 1)},`).join('\n')}\n${end}]`;
  }
  const entries = Object.entries(value as { readonly [key: string]: HclValue });
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${pad}${key(k)} = ${hclValue(v, indent + 1)}`).join('\n')}\n${end}}`;
}

export function hclBlock(block: HclBlock, indent = 0): string {
  const pad = '  '.repeat(indent + 1);
  const end = '  '.repeat(indent);
  const header = [block.type, ...block.labels.map((l) => hclString(l))].join(' ');
  const lines = block.body.map((item) =>
    isBlock(item)
      ? `${pad}${hclBlock(item, indent + 1)}`
      : `${pad}${item[0]} = ${hclValue(item[1], indent + 1)}`,
  );
  return `${header} {\n${lines.join('\n')}\n${end}}`;
}

export function block(type: string, labels: readonly string[], body: HclBlock['body']): HclBlock {
  return { type, labels, body };
}

/** `jsonencode({...})` of a JSON value (a policy document, an event pattern). */
export function jsonencode(value: HclValue): HclJsonEncode {
  return new HclJsonEncode(value);
}
