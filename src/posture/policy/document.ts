// Reads an IAM policy document (object, JSON text or IAM's URL-encoded JSON) into typed statements, collecting every problem.

import type { InputIssue } from '../../model/index.ts';
import type { ConditionClause, ConditionOperator, Effect, ParsedPolicy, ParsedStatement } from './types.ts';

/** Condition operators without the `IfExists` suffix or a set prefix. */
export const BASE_OPERATORS: readonly string[] = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
];

const BASE_BY_LOWER = new Map(BASE_OPERATORS.map((name) => [name.toLowerCase(), name]));

const STATEMENT_FIELDS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
  'Principal',
  'NotPrincipal',
]);
const DOCUMENT_FIELDS = new Set(['Version', 'Id', 'Statement']);

function shorten(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Splits `ForAnyValue:StringLikeIfExists` into its parts; null when the name is not an IAM operator. */
export function parseConditionOperator(name: string): ConditionOperator | null {
  let rest = name;
  let set: ConditionOperator['set'] = null;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === 'forallvalues') set = 'ForAllValues';
    else if (prefix === 'foranyvalue') set = 'ForAnyValue';
    else return null;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.toLowerCase().endsWith('ifexists')) {
    ifExists = true;
    rest = rest.slice(0, -'ifexists'.length);
  }
  const base = BASE_BY_LOWER.get(rest.toLowerCase());
  if (base === undefined) return null;
  // `NullIfExists` is meaningless: Null already tests for existence.
  if (base === 'Null' && (ifExists || set !== null)) return null;
  return { name, set, base, ifExists };
}

/** Turns the text IAM returns (JSON, or JSON URL-encoded as in GetAccountAuthorizationDetails) into a value. */
function decodeDocumentText(text: string): { value?: unknown; error?: string } {
  const trimmed = text.trim();
  try {
    return { value: JSON.parse(trimmed) };
  } catch (first) {
    if (/%[0-9a-fA-F]{2}/.test(trimmed)) {
      try {
        return { value: JSON.parse(decodeURIComponent(trimmed)) };
      } catch (second) {
        return { error: `neither JSON nor URL-encoded JSON (${(second as Error).message})` };
      }
    }
    return { error: `not JSON (${(first as Error).message})` };
  }
}

function readStringList(
  value: unknown,
  path: string,
  field: string,
  where: string,
  issues: InputIssue[],
): string[] | null {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) {
    issues.push({
      level: 'error',
      code: 'empty-list',
      location: where,
      path,
      message: `${field} is an empty list`,
    });
    return null;
  }
  const out: string[] = [];
  for (const [i, item] of list.entries()) {
    if (typeof item !== 'string' || item === '') {
      issues.push({
        level: 'error',
        code: 'bad-value',
        location: where,
        path: Array.isArray(value) ? `${path}[${i}]` : path,
        message: `${field} must hold non-empty strings; got ${shorten(item)}`,
      });
      return null;
    }
    out.push(item);
  }
  return out;
}

function checkActionNames(
  actions: readonly string[],
  path: string,
  where: string,
  issues: InputIssue[],
): boolean {
  let ok = true;
  for (const action of actions) {
    if (action === '*') continue;
    if (!/^[A-Za-z0-9-]+:[A-Za-z0-9*?_-]*$/.test(action)) {
      ok = false;
      issues.push({
        level: 'error',
        code: 'bad-action',
        location: where,
        path,
        message: `action ${shorten(action)} is not 'service:ActionName' (wildcards * and ? allowed) or '*'`,
        hint: 'write e.g. "iam:CreateAccessKey" or "s3:Get*"',
      });
    }
  }
  return ok;
}

function readConditionValue(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return null;
}

function readConditions(
  value: unknown,
  path: string,
  where: string,
  issues: InputIssue[],
): { clauses: ConditionClause[]; invalid: boolean } {
  const clauses: ConditionClause[] = [];
  let invalid = false;
  if (!isRecord(value)) {
    issues.push({
      level: 'error',
      code: 'bad-condition',
      location: where,
      path,
      message: `Condition must be an object of operator -> {key: value}; got ${shorten(value)}`,
    });
    return { clauses, invalid: true };
  }
  for (const [operatorName, block] of Object.entries(value)) {
    const operator = parseConditionOperator(operatorName);
    const operatorPath = `${path}.${operatorName}`;
    if (operator === null) {
      invalid = true;
      issues.push({
        level: 'error',
        code: 'unknown-condition-operator',
        location: where,
        path: operatorPath,
        message: `unknown condition operator ${shorten(operatorName)}`,
        hint: 'IAM operators are e.g. Bool, BoolIfExists, Null, StringEquals, StringLike, NumericLessThan, ArnNotLike, with optional ForAllValues:/ForAnyValue: prefixes',
      });
      continue;
    }
    if (
      operator.base + (operator.ifExists ? 'IfExists' : '') !==
      operatorName.replace(/^For(All|Any)Values?:/i, '')
    ) {
      issues.push({
        level: 'warning',
        code: 'condition-operator-case',
        location: where,
        path: operatorPath,
        message: `condition operator ${shorten(operatorName)} is not spelled as IAM spells it ('${operator.base}${operator.ifExists ? 'IfExists' : ''}')`,
      });
    }
    if (!isRecord(block)) {
      invalid = true;
      issues.push({
        level: 'error',
        code: 'bad-condition',
        location: where,
        path: operatorPath,
        message: `${operatorName} must map condition keys to values; got ${shorten(block)}`,
      });
      continue;
    }
    for (const [key, raw] of Object.entries(block)) {
      const keyPath = `${operatorPath}.${key}`;
      const list = Array.isArray(raw) ? (raw as unknown[]) : [raw];
      const values: string[] = [];
      let bad = list.length === 0;
      for (const item of list) {
        const text = readConditionValue(item);
        if (text === null) bad = true;
        else values.push(text);
      }
      if (!bad && (operator.base === 'Bool' || operator.base === 'Null')) {
        bad = values.some((v) => v.toLowerCase() !== 'true' && v.toLowerCase() !== 'false');
      }
      if (!bad && operator.base.startsWith('Numeric')) {
        bad = values.some((v) => v.trim() === '' || !Number.isFinite(Number(v)));
      }
      if (!bad && operator.base.startsWith('Date')) {
        bad = values.some((v) => parseDateValue(v) === null);
      }
      if (bad) {
        invalid = true;
        issues.push({
          level: 'error',
          code: 'bad-condition-value',
          location: where,
          path: keyPath,
          message: `${operatorName} ${key}: ${expectedValue(operator.base)}; got ${shorten(raw)}`,
        });
        continue;
      }
      clauses.push({ operator, key, keyLower: key.toLowerCase(), values });
    }
  }
  return { clauses, invalid };
}

function expectedValue(base: string): string {
  if (base === 'Bool' || base === 'Null') return `expected "true" or "false" (or a list of them)`;
  if (base.startsWith('Numeric')) return 'expected a number (or a list of numbers)';
  if (base.startsWith('Date')) return 'expected an ISO 8601 date or epoch seconds';
  return 'expected a string (or a list of strings)';
}

/** A date condition value: ISO 8601 or epoch seconds, as milliseconds; null when unreadable. */
export function parseDateValue(value: string): number | null {
  const trimmed = value.trim();
  if (/^\d{1,12}$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return null;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : ms;
}

/** Action or NotAction, exactly one (both null after an issue). */
function readStatementActions(
  raw: Record<string, unknown>,
  path: string,
  where: string,
  issues: InputIssue[],
): { actions: string[] | null; notActions: string[] | null } {
  let actions: string[] | null = null;
  let notActions: string[] | null = null;
  if (raw.Action !== undefined && raw.NotAction !== undefined) {
    issues.push({
      level: 'error',
      code: 'action-and-notaction',
      location: where,
      path,
      message: 'a statement has both Action and NotAction; IAM accepts exactly one',
    });
  } else if (raw.Action !== undefined) {
    actions = readStringList(raw.Action, `${path}.Action`, 'Action', where, issues);
    if (actions !== null && !checkActionNames(actions, `${path}.Action`, where, issues)) actions = null;
  } else if (raw.NotAction !== undefined) {
    notActions = readStringList(raw.NotAction, `${path}.NotAction`, 'NotAction', where, issues);
    if (notActions !== null && !checkActionNames(notActions, `${path}.NotAction`, where, issues))
      notActions = null;
  } else {
    issues.push({
      level: 'error',
      code: 'action-missing',
      location: where,
      path,
      message: 'a statement needs Action or NotAction',
    });
  }
  return { actions, notActions };
}

/** Resource or NotResource, exactly one; a trust policy's statement (with a Principal) implies its resource. */
function readStatementResources(
  raw: Record<string, unknown>,
  hasPrincipal: boolean,
  path: string,
  where: string,
  issues: InputIssue[],
): { resources: string[] | null; notResources: string[] | null } {
  let resources: string[] | null = null;
  let notResources: string[] | null = null;
  if (raw.Resource !== undefined && raw.NotResource !== undefined) {
    issues.push({
      level: 'error',
      code: 'resource-and-notresource',
      location: where,
      path,
      message: 'a statement has both Resource and NotResource; IAM accepts exactly one',
    });
  } else if (raw.Resource !== undefined) {
    resources = readStringList(raw.Resource, `${path}.Resource`, 'Resource', where, issues);
  } else if (raw.NotResource !== undefined) {
    notResources = readStringList(raw.NotResource, `${path}.NotResource`, 'NotResource', where, issues);
  } else if (hasPrincipal) {
    // A trust policy names no Resource: the role (or resource) the policy is attached to is implied.
    resources = ['*'];
  } else {
    issues.push({
      level: 'error',
      code: 'resource-missing',
      location: where,
      path,
      message: 'an identity policy statement needs Resource or NotResource',
      hint: 'add "Resource": "*" or the ARNs the statement is about',
    });
  }
  return { resources, notResources };
}

function readStatement(
  raw: unknown,
  index: number,
  path: string,
  where: string,
  issues: InputIssue[],
): ParsedStatement | null {
  if (!isRecord(raw)) {
    issues.push({
      level: 'error',
      code: 'bad-statement',
      location: where,
      path,
      message: `a statement must be an object; got ${shorten(raw)}`,
    });
    return null;
  }
  for (const field of Object.keys(raw)) {
    if (!STATEMENT_FIELDS.has(field)) {
      const known = [...STATEMENT_FIELDS].find((f) => f.toLowerCase() === field.toLowerCase());
      issues.push({
        level: 'error',
        code: 'unknown-field',
        location: where,
        path: `${path}.${field}`,
        message: `unknown statement field ${shorten(field)}`,
        ...(known === undefined ? {} : { hint: `IAM spells it '${known}'` }),
      });
    }
  }
  let sid: string | undefined;
  if (raw.Sid !== undefined) {
    if (typeof raw.Sid === 'string') sid = raw.Sid;
    else
      issues.push({
        level: 'warning',
        code: 'bad-sid',
        location: where,
        path: `${path}.Sid`,
        message: `Sid must be a string; got ${shorten(raw.Sid)}`,
      });
  }
  let effect: Effect | null = null;
  if (raw.Effect === 'Allow' || raw.Effect === 'Deny') {
    effect = raw.Effect;
  } else {
    issues.push({
      level: 'error',
      code: 'bad-effect',
      location: where,
      path: `${path}.Effect`,
      message: `Effect must be "Allow" or "Deny"; got ${raw.Effect === undefined ? 'nothing' : shorten(raw.Effect)}`,
    });
  }
  const { actions, notActions } = readStatementActions(raw, path, where, issues);
  const hasPrincipal = raw.Principal !== undefined || raw.NotPrincipal !== undefined;
  const { resources, notResources } = readStatementResources(raw, hasPrincipal, path, where, issues);
  let conditions: ConditionClause[] = [];
  let conditionInvalid = false;
  if (raw.Condition !== undefined) {
    const read = readConditions(raw.Condition, `${path}.Condition`, where, issues);
    conditions = read.clauses;
    conditionInvalid = read.invalid;
  }
  if (
    effect === null ||
    (actions === null && notActions === null) ||
    (resources === null && notResources === null)
  ) {
    return null;
  }
  return {
    index,
    ...(sid === undefined ? {} : { sid }),
    effect,
    ...(actions === null ? {} : { actions }),
    ...(notActions === null ? {} : { notActions }),
    ...(resources === null ? {} : { resources }),
    ...(notResources === null ? {} : { notResources }),
    conditions,
    conditionInvalid,
    hasPrincipal,
  };
}

/**
 * Validates and reads a policy document. Never throws: what cannot be read becomes an issue naming
 * where and why, and the statements that could be read are returned. A statement with an unreadable
 * Condition is kept but marked undecidable, so a Deny we cannot evaluate is never counted as enforcing.
 */
export function parsePolicyDocument(document: unknown, where: string): ParsedPolicy {
  const issues: InputIssue[] = [];
  let value = document;
  if (typeof document === 'string') {
    const decoded = decodeDocumentText(document);
    if (decoded.error !== undefined) {
      issues.push({
        level: 'error',
        code: 'not-json',
        location: where,
        message: `policy document is ${decoded.error}; starts with ${shorten(document.slice(0, 40))}`,
      });
      return { items: [], issues, version: null };
    }
    value = decoded.value;
  }
  if (!isRecord(value)) {
    issues.push({
      level: 'error',
      code: 'not-object',
      location: where,
      message: `a policy document must be a JSON object with a Statement; got ${shorten(value)}`,
    });
    return { items: [], issues, version: null };
  }
  for (const field of Object.keys(value)) {
    if (!DOCUMENT_FIELDS.has(field)) {
      issues.push({
        level: 'warning',
        code: 'unknown-field',
        location: where,
        path: field,
        message: `unknown policy field ${shorten(field)}`,
      });
    }
  }
  let version: string | null = null;
  if (value.Version === undefined) {
    issues.push({
      level: 'warning',
      code: 'version-missing',
      location: where,
      path: 'Version',
      message:
        'no Version: IAM then reads the policy as 2008-10-17, where policy variables such as ${aws:username} are plain text',
      hint: 'add "Version": "2012-10-17"',
    });
  } else if (value.Version === '2012-10-17' || value.Version === '2008-10-17') {
    version = value.Version;
  } else {
    issues.push({
      level: 'error',
      code: 'bad-version',
      location: where,
      path: 'Version',
      message: `Version must be "2012-10-17" (or the old "2008-10-17"); got ${shorten(value.Version)}`,
    });
  }
  if (value.Statement === undefined) {
    issues.push({
      level: 'error',
      code: 'statement-missing',
      location: where,
      path: 'Statement',
      message: 'the policy has no Statement',
    });
    return { items: [], issues, version };
  }
  const rawStatements = Array.isArray(value.Statement) ? (value.Statement as unknown[]) : [value.Statement];
  const items: ParsedStatement[] = [];
  for (const [i, raw] of rawStatements.entries()) {
    const path = Array.isArray(value.Statement) ? `Statement[${i}]` : 'Statement';
    const statement = readStatement(raw, i, path, where, issues);
    if (statement !== null) items.push(statement);
  }
  if (version === '2008-10-17') {
    for (const statement of items) {
      const text = statementVariableText(statement);
      if (text === null) continue;
      issues.push({
        level: 'warning',
        code: 'variables-in-2008-policy',
        location: where,
        path: Array.isArray(value.Statement) ? `Statement[${statement.index}]` : 'Statement',
        message: `Version "2008-10-17" does not substitute policy variables: ${shorten(text)} is compared as plain text and names nothing`,
        hint: 'use "Version": "2012-10-17"',
      });
    }
  }
  return { items, issues, version };
}

/** The first Resource, NotResource or condition value holding a `${...}` policy variable, or null. */
export function statementVariableText(statement: ParsedStatement): string | null {
  const texts = [
    ...(statement.resources ?? []),
    ...(statement.notResources ?? []),
    ...statement.conditions.flatMap((c) => c.values),
  ];
  return texts.find((t) => /\$\{[^}]*\}/.test(t)) ?? null;
}
