// IAM's evaluation logic for one request: explicit deny anywhere wins; SCPs (every level), the permissions boundary and identity policies must all allow.

import { evaluateConditions } from './conditions.ts';
import { parsePolicyDocument } from './document.ts';
import { resolveVariables } from './variables.ts';
import { arnMatches } from './arn.ts';
import { globMatches } from './wildcard.ts';
import type {
  Decision,
  LoadedPolicy,
  ParsedStatement,
  PolicyRef,
  RequestContext,
  StatementRef,
  Truth,
} from './types.ts';

export interface PolicySet {
  readonly identity: readonly LoadedPolicy[];
  readonly boundary?: LoadedPolicy;
  readonly scps?: readonly LoadedPolicy[];
}

export function loadPolicy(ref: PolicyRef): LoadedPolicy {
  const where = `${ref.source} policy '${ref.name}'${ref.via === undefined ? '' : ` via ${ref.via}`}`;
  return { ref, parsed: parsePolicyDocument(ref.document, where) };
}

export function statementRef(policy: LoadedPolicy, statement: ParsedStatement): StatementRef {
  return {
    policy: policy.ref.name,
    ...(policy.ref.arn === undefined ? {} : { arn: policy.ref.arn }),
    source: policy.ref.source,
    ...(policy.ref.via === undefined ? {} : { via: policy.ref.via }),
    index: statement.index,
    ...(statement.sid === undefined ? {} : { sid: statement.sid }),
  };
}

export function describeStatement(ref: StatementRef): string {
  const which =
    ref.sid === undefined || ref.sid === '' ? `statement #${ref.index + 1}` : `statement '${ref.sid}'`;
  return `${which} of ${ref.source} policy '${ref.policy}'${ref.via === undefined ? '' : ` (via ${ref.via})`}`;
}

export function actionMatches(statement: ParsedStatement, action: string): boolean {
  if (statement.actions !== undefined)
    return statement.actions.some((pattern) => globMatches(pattern, action, true));
  return !(statement.notActions ?? []).some((pattern) => globMatches(pattern, action, true));
}

function or(values: readonly Truth[]): Truth {
  if (values.includes(true)) return true;
  return values.includes('unknown') ? 'unknown' : false;
}

/**
 * Does the statement's Resource / NotResource name the request's resource? Each pattern is compared segment
 * by segment after substituting policy variables (a 2008-10-17 or version-less policy keeps `${...}` as
 * plain text, in NotResource as in Resource): an unknown variable makes the answer undecidable, an absent
 * one makes the pattern match nothing.
 */
export function resourceMatches(
  statement: ParsedStatement,
  request: RequestContext,
  substitute: boolean,
): Truth {
  const test = (pattern: string): Truth => {
    const r = resolveVariables(pattern, request.keys, substitute);
    if (r.kind === 'unknown') return 'unknown';
    if (r.kind === 'absent') return false;
    return arnMatches(r.text, request.resource);
  };
  if (statement.resources !== undefined) return or(statement.resources.map(test));
  // NotResource: the statement reaches what none of the patterns names.
  const named = or((statement.notResources ?? []).map(test));
  return named === 'unknown' ? 'unknown' : !named;
}

/** Whether the statement's Action / NotAction and Resource / NotResource reach the request, conditions aside. */
export function statementReaches(
  statement: ParsedStatement,
  request: RequestContext,
  substitute: boolean,
): Truth {
  if (!actionMatches(statement, request.action)) return false;
  return resourceMatches(statement, request, substitute);
}

/** Whether a statement applies to the request: action, resource and every condition. */
export function statementApplies(
  statement: ParsedStatement,
  request: RequestContext,
  substitute: boolean,
): Truth {
  const resource = statementReaches(statement, request, substitute);
  if (resource === false) return false;
  const conditions: Truth = statement.conditionInvalid
    ? 'unknown'
    : evaluateConditions(statement.conditions, request.keys, substitute);
  if (conditions === false) return false;
  return resource === true && conditions === true ? true : 'unknown';
}

/** `2012-10-17` substitutes policy variables; `2008-10-17` and a missing Version keep `${...}` as text. */
export function substitutesVariables(policy: LoadedPolicy): boolean {
  return policy.parsed.version === '2012-10-17';
}

interface Scan {
  denies: StatementRef[];
  allows: StatementRef[];
  undecidedDenies: StatementRef[];
  assumedAllows: StatementRef[];
}

function scan(policies: readonly LoadedPolicy[], request: RequestContext): Scan {
  const out: Scan = { denies: [], allows: [], undecidedDenies: [], assumedAllows: [] };
  for (const policy of policies) {
    const substitute = substitutesVariables(policy);
    for (const statement of policy.parsed.items) {
      const applies = statementApplies(statement, request, substitute);
      if (applies === false) continue;
      const ref = statementRef(policy, statement);
      if (statement.effect === 'Deny') {
        if (applies === true) out.denies.push(ref);
        else out.undecidedDenies.push(ref);
      } else {
        out.allows.push(ref);
        if (applies === 'unknown') out.assumedAllows.push(ref);
      }
    }
  }
  return out;
}

export interface RequestDecision extends Decision {
  /** Deny statements whose conditions we could not decide: not counted as denying. */
  readonly undecidedDenies: StatementRef[];
}

/**
 * Decides one request the way IAM does for an IAM user in its own account (no resource-based or session
 * policies): an explicit Deny in any policy wins; otherwise every SCP level, the permissions boundary
 * (when there is one) and the identity policies must each allow, or the request is implicitly denied.
 * Conservative where a condition is undecidable: such a Deny is not counted, such an Allow is assumed.
 */
export function evaluateRequest(set: PolicySet, request: RequestContext): RequestDecision {
  const identity = scan(set.identity, request);
  const boundary = set.boundary === undefined ? null : scan([set.boundary], request);
  const levels = new Map<string, LoadedPolicy[]>();
  for (const scp of set.scps ?? []) {
    const level = scp.ref.via ?? '(organization)';
    levels.set(level, [...(levels.get(level) ?? []), scp]);
  }
  const scpScans = [...levels.entries()].map(([level, policies]) => ({
    level,
    result: scan(policies, request),
  }));
  const all = [identity, ...(boundary === null ? [] : [boundary]), ...scpScans.map((s) => s.result)];
  const denies = all.flatMap((s) => s.denies);
  const undecidedDenies = all.flatMap((s) => s.undecidedDenies);
  const notes: string[] = [];
  for (const ref of undecidedDenies) {
    notes.push(
      `${describeStatement(ref)} may deny ${request.action}, but its conditions cannot be decided here; not counted`,
    );
  }
  if (denies.length > 0) return { decision: 'explicit-deny', statements: denies, notes, undecidedDenies };
  for (const { level, result } of scpScans) {
    if (result.allows.length === 0) {
      notes.push(`no SCP at ${level} allows ${request.action}: implicit deny`);
      return { decision: 'implicit-deny', statements: [], notes, undecidedDenies };
    }
  }
  if (boundary !== null && boundary.allows.length === 0) {
    notes.push(`the permissions boundary does not allow ${request.action}: implicit deny`);
    return { decision: 'implicit-deny', statements: [], notes, undecidedDenies };
  }
  if (identity.allows.length === 0) {
    notes.push(`no identity policy allows ${request.action}: implicit deny`);
    return { decision: 'implicit-deny', statements: [], notes, undecidedDenies };
  }
  for (const ref of [...identity.assumedAllows, ...(boundary?.assumedAllows ?? [])]) {
    notes.push(
      `${describeStatement(ref)} is assumed to allow ${request.action}: its conditions cannot be decided here`,
    );
  }
  return { decision: 'allow', statements: identity.allows, notes, undecidedDenies };
}
