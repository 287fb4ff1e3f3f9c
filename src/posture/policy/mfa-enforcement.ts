// Answers "does policy really enforce MFA for this user?" in the two no-MFA contexts, with the deciding statements and named pitfalls.

import type { InputIssue } from '../../model/index.ts';
import { parseArn } from './arn.ts';
import {
  describeStatement,
  evaluateRequest,
  loadPolicy,
  statementReaches,
  substitutesVariables,
} from './evaluate.ts';
import type { PolicySet, RequestDecision } from './evaluate.ts';
import { findStatementPitfalls, MFA_AGE_KEY, MFA_PRESENT_KEY, referencesMfa } from './pitfalls.ts';
import type { ManagedPolicyUsage, SetOutcome } from './pitfalls.ts';
import { SELF_ENROLMENT_PROBES, SENSITIVE_ACTIONS } from './sensitive-actions.ts';
import type {
  ContextVerdict,
  EnforcementVerdict,
  LoadedPolicy,
  MfaEnforcementInput,
  MfaEnforcementOptions,
  MfaEnforcementResult,
  PolicyPitfall,
  SensitiveAction,
  StandalonePolicyReport,
  StatementRef,
} from './types.ts';

export type MfaContextName = 'console' | 'accessKeys' | 'withMfa';

const CONTEXT_LABEL: Readonly<Record<MfaContextName, string>> = {
  console: 'console session without MFA',
  accessKeys: 'long-term access key',
  withMfa: 'session with MFA',
};

/**
 * The request context for each case. What we know is set (or set absent with null); everything we do not
 * model (source IP, requested region, tags...) is left out, so a condition on it is undecidable, never
 * guessed. `aws:CurrentTime` and `aws:EpochTime` are in every request, so they come from the clock given.
 */
export function mfaContextKeys(
  context: MfaContextName,
  input: Pick<MfaEnforcementInput, 'principalArn' | 'userName' | 'accountId'>,
  now?: Date,
): Map<string, readonly string[] | null> {
  const keys = new Map<string, readonly string[] | null>([
    ['aws:username', [input.userName]],
    ['aws:principalarn', [input.principalArn]],
    ['aws:principalaccount', [input.accountId]],
    ['aws:principaltype', ['User']],
    ['aws:viaawsservice', ['false']],
    ['aws:calledvia', null],
  ]);
  if (now !== undefined) {
    keys.set('aws:currenttime', [now.toISOString()]);
    keys.set('aws:epochtime', [String(Math.floor(now.getTime() / 1000))]);
  }
  switch (context) {
    case 'console':
      keys.set(MFA_PRESENT_KEY, ['false']);
      keys.set(MFA_AGE_KEY, null);
      break;
    case 'accessKeys':
      keys.set(MFA_PRESENT_KEY, null);
      keys.set(MFA_AGE_KEY, null);
      keys.set('aws:tokenissuetime', null);
      break;
    case 'withMfa':
      keys.set(MFA_PRESENT_KEY, ['true']);
      keys.set(MFA_AGE_KEY, ['300']);
      break;
    default: {
      const never: never = context;
      throw new Error(`unknown context ${String(never)}`);
    }
  }
  return keys;
}

/** The partition of the user's ARN (`aws`, `aws-cn`, `aws-us-gov`), `aws` when it cannot be read. */
function partitionOf(principalArn: string): string {
  return parseArn(principalArn)?.partition || 'aws';
}

/** Fills a typed sample resource in for the user analysed (see SENSITIVE_ACTIONS). */
export function fillResource(
  template: string,
  input: Pick<MfaEnforcementInput, 'principalArn' | 'accountId' | 'userName'>,
  region = DEFAULT_REGION,
): string {
  return template
    .replaceAll('{principalArn}', input.principalArn)
    .replaceAll('{partition}', partitionOf(input.principalArn))
    .replaceAll('{accountId}', input.accountId)
    .replaceAll('{region}', region)
    .replaceAll('{userName}', input.userName);
}

const DEFAULT_REGION = 'us-east-1';

function verdictOf(denied: number, total: number): EnforcementVerdict {
  if (total > 0 && denied === total) return 'enforced';
  return denied === 0 ? 'not-enforced' : 'partial';
}

function refKey(ref: StatementRef): string {
  return `${ref.source}\u0000${ref.via ?? ''}\u0000${ref.arn ?? ''}\u0000${ref.policy}\u0000${ref.index}`;
}

interface ActionOutcome {
  readonly action: string;
  readonly resource: string;
  readonly decision: RequestDecision;
}

interface ContextRun {
  readonly verdict: ContextVerdict;
  readonly outcomes: readonly ActionOutcome[];
  readonly notes: string[];
  readonly undecided: StatementRef[];
}

function runContext(
  set: PolicySet,
  context: MfaContextName,
  input: MfaEnforcementInput,
  actions: readonly SensitiveAction[],
  options: MfaEnforcementOptions,
): ContextRun {
  const keys = mfaContextKeys(context, input, options.now);
  const deniedActions: string[] = [];
  const notDeniedActions: string[] = [];
  const allowedActions: string[] = [];
  const outcomes: ActionOutcome[] = [];
  const deciding = new Map<string, StatementRef>();
  const undecided = new Map<string, StatementRef>();
  const notes = new Set<string>();
  for (const sensitive of actions) {
    const resource = fillResource(sensitive.resource, input, options.region);
    const decision = evaluateRequest(set, { action: sensitive.action, resource, keys });
    outcomes.push({ action: sensitive.action, resource, decision });
    for (const ref of decision.undecidedDenies) undecided.set(refKey(ref), ref);
    for (const note of decision.notes)
      if (decision.decision !== 'allow' || note.includes('assumed')) notes.add(note);
    if (decision.decision === 'explicit-deny') {
      deniedActions.push(sensitive.action);
      for (const ref of decision.statements) deciding.set(refKey(ref), ref);
    } else {
      notDeniedActions.push(sensitive.action);
      if (decision.decision === 'allow') allowedActions.push(sensitive.action);
    }
  }
  return {
    verdict: {
      verdict: verdictOf(deniedActions.length, actions.length),
      deniedActions,
      notDeniedActions,
      allowedActions,
      decidingStatements: [...deciding.values()],
    },
    outcomes,
    notes: [...notes],
    undecided: [...undecided.values()],
  };
}

function combine(a: EnforcementVerdict, b: EnforcementVerdict): EnforcementVerdict {
  if (a === 'enforced' && b === 'enforced') return 'enforced';
  if (a === 'not-enforced' && b === 'not-enforced') return 'not-enforced';
  return 'partial';
}

function list(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.join(', ');
}

function explainContext(name: MfaContextName, run: ContextRun, total: number): string[] {
  const v = run.verdict;
  const lines = [
    `${CONTEXT_LABEL[name]}: ${v.verdict} — ${v.deniedActions.length} of ${total} sensitive actions end in an explicit Deny`,
    `  denied: ${list(v.deniedActions)}`,
  ];
  if (v.decidingStatements.length > 0)
    lines.push(`    by ${v.decidingStatements.map(describeStatement).join('; ')}`);
  const implicit = v.notDeniedActions.filter((a) => !v.allowedActions.includes(a));
  lines.push(`  not denied: ${list(v.notDeniedActions)}`);
  if (v.notDeniedActions.length > 0)
    lines.push(
      `    allowed outright today: ${list(v.allowedActions)}; only implicitly denied: ${list(implicit)}`,
    );
  for (const note of run.notes) lines.push(`  ${note}`);
  return lines;
}

/** The whole-set view the pitfall judgements need (see SetOutcome in pitfalls.ts). */
function setOutcome(
  runs: Readonly<Record<MfaContextName, ContextRun>>,
  actions: readonly SensitiveAction[],
  input: MfaEnforcementInput,
  options: MfaEnforcementOptions,
): SetOutcome {
  const denied = (context: MfaContextName, action: string): boolean =>
    runs[context].verdict.deniedActions.includes(action);
  const by = (context: MfaContextName, ref: StatementRef, kind: 'explicit-deny' | 'allow'): string[] =>
    runs[context].outcomes
      .filter(
        (o) => o.decision.decision === kind && o.decision.statements.some((s) => refKey(s) === refKey(ref)),
      )
      .map((o) => o.action);
  const keys = mfaContextKeys('console', input, options.now);
  return {
    sensitive: actions,
    deniedIn: denied,
    deniedBy: (context, ref) => by(context, ref, 'explicit-deny'),
    allowedBy: (context, ref) => by(context, ref, 'allow'),
    reachedBy: (policy, statement) =>
      actions
        .filter(
          (a) =>
            statementReaches(
              statement,
              { action: a.action, resource: fillResource(a.resource, input, options.region), keys },
              substitutesVariables(policy),
            ) === true,
        )
        .map((a) => a.action),
  };
}

/**
 * Can a user without MFA enrol one? Each self-enrolment step is tried in the context it is used in; a step
 * that is denied without MFA but not with it (an MFA-conditioned Deny) blocks enrolment for good.
 */
function enrolmentBlockers(
  set: PolicySet,
  input: MfaEnforcementInput,
  options: MfaEnforcementOptions,
): PolicyPitfall[] {
  const withMfa = mfaContextKeys('withMfa', input, options.now);
  const blocked: { action: string; why: string; statements: StatementRef[] }[] = [];
  for (const probe of SELF_ENROLMENT_PROBES) {
    const resource = fillResource(probe.resource, input, options.region);
    const without = evaluateRequest(set, {
      action: probe.action,
      resource,
      keys: mfaContextKeys(probe.context, input, options.now),
    });
    if (without.decision !== 'explicit-deny') continue;
    const withDecision = evaluateRequest(set, { action: probe.action, resource, keys: withMfa });
    if (withDecision.decision === 'explicit-deny') continue;
    blocked.push({ action: probe.action, why: probe.why, statements: without.statements });
  }
  if (blocked.length === 0) return [];
  // Without EnableMFADevice or ListMFADevices no device of any kind can be enrolled; the others close one path.
  const fatal = blocked.some((b) => b.action === 'iam:EnableMFADevice' || b.action === 'iam:ListMFADevices');
  const statements = new Map<string, StatementRef>();
  for (const b of blocked) for (const ref of b.statements) statements.set(refKey(ref), ref);
  const first = [...statements.values()][0];
  return [
    {
      code: 'denies-mfa-self-enrolment',
      level: fatal ? 'error' : 'warning',
      message: `${[...statements.values()].map(describeStatement).join('; ')} denies, without MFA, what a user needs to get MFA: ${blocked.map((b) => `${b.action} (${b.why})`).join('; ')}. ${fatal ? 'Users without MFA can never enrol a device.' : 'Users without MFA lose that path to MFA.'} Exempt these actions from the Deny (NotAction), on the user's own resources`,
      ...(first === undefined ? {} : { statement: first }),
    },
  ];
}

/**
 * Judges whether MFA is enforced by policy for one IAM user. Only an explicit Deny counts: an action
 * that is merely not allowed (implicit deny) becomes possible the day someone attaches
 * AdministratorAccess, so "MFA enforced by policy" means a Deny that still bites then.
 * Per context: enforced when every sensitive action is explicitly denied, partial when some are,
 * not-enforced when none are. Overall: enforced only when both no-MFA contexts are.
 */
export function analyzeMfaEnforcement(
  input: MfaEnforcementInput,
  options: MfaEnforcementOptions,
): MfaEnforcementResult {
  const actions = options.sensitiveActions ?? SENSITIVE_ACTIONS;
  const identity = input.identityPolicies.map(loadPolicy);
  const boundary =
    input.permissionsBoundary === undefined ? undefined : loadPolicy(input.permissionsBoundary);
  const scps = (input.scps ?? []).map(loadPolicy);
  const set: PolicySet = {
    identity,
    ...(boundary === undefined ? {} : { boundary }),
    ...(scps.length > 0 ? { scps } : {}),
  };
  const all: LoadedPolicy[] = [...identity, ...(boundary === undefined ? [] : [boundary]), ...scps];

  const runs = {
    console: runContext(set, 'console', input, actions, options),
    accessKeys: runContext(set, 'accessKeys', input, actions, options),
    withMfa: runContext(set, 'withMfa', input, actions, options),
  };
  const verdict = combine(runs.console.verdict.verdict, runs.accessKeys.verdict.verdict);

  const issues: InputIssue[] = all.flatMap((p) => p.parsed.issues);
  const findings: PolicyPitfall[] = [];
  const outcome = setOutcome(runs, actions, input, options);
  for (const policy of all) {
    const errors = policy.parsed.issues.filter((i) => i.level === 'error');
    if (errors.length > 0) {
      findings.push({
        code: 'invalid-policy',
        level: 'error',
        message: `${policy.ref.source} policy '${policy.ref.name}' has ${errors.length} problem(s) (first: ${errors[0]?.message ?? ''}); what could not be read is not counted as denying anything`,
      });
    }
    findings.push(...findStatementPitfalls(policy, outcome));
  }
  findings.push(...enrolmentBlockers(set, input, options));
  const undecided = new Map<string, StatementRef>();
  for (const ref of [...runs.console.undecided, ...runs.accessKeys.undecided])
    undecided.set(refKey(ref), ref);
  for (const ref of undecided.values()) {
    findings.push({
      code: 'undecidable-condition',
      level: 'warning',
      message: `${describeStatement(ref)} is a Deny whose conditions depend on values mfaguard cannot know offline (or on an unknown policy variable); it is not counted as enforcing MFA`,
      statement: ref,
    });
  }
  const lockouts = new Map<string, StatementRef>();
  for (const ref of runs.withMfa.verdict.decidingStatements) {
    const policy = all.find(
      (p) =>
        p.ref.name === ref.policy &&
        p.ref.source === ref.source &&
        p.ref.via === ref.via &&
        p.ref.arn === ref.arn,
    );
    const statement = policy?.parsed.items.find((s) => s.index === ref.index);
    if (statement !== undefined && referencesMfa(statement)) lockouts.set(refKey(ref), ref);
  }
  for (const ref of lockouts.values()) {
    findings.push({
      code: 'locks-out-mfa-users',
      level: 'warning',
      message: `${describeStatement(ref)} is an MFA condition that also denies sessions WITH MFA (present, age 300 s): MFA users are locked out of ${list(outcome.deniedBy('withMfa', ref))}`,
      statement: ref,
    });
  }

  const explanation = [
    `MFA enforcement by policy for ${input.userName}: ${verdict}. Only an explicit Deny counts — an implicit deny disappears as soon as someone attaches a broader Allow.`,
    ...explainContext('console', runs.console, actions.length),
    ...explainContext('accessKeys', runs.accessKeys, actions.length),
    `${CONTEXT_LABEL.withMfa}: ${runs.withMfa.verdict.allowedActions.length} of ${actions.length} sensitive actions allowed, ${runs.withMfa.verdict.deniedActions.length} explicitly denied`,
    ...findings.filter((f) => f.level !== 'note').map((f) => `pitfall ${f.code}: ${f.message}`),
  ];
  if (all.length === 0)
    explanation.push('no policies at all: nothing is allowed, and nothing is explicitly denied');
  return {
    verdict,
    console: runs.console.verdict,
    accessKeys: runs.accessKeys.verdict,
    withMfa: runs.withMfa.verdict,
    findings,
    issues,
    explanation,
  };
}

/** The stand-in user a standalone document is evaluated for (its `${aws:username}` resolves to this name). */
export const STANDALONE_USER = {
  principalArn: 'arn:aws:iam::111122223333:user/mfaguard-policy-check',
  userName: 'mfaguard-policy-check',
  accountId: '111122223333',
} as const;

/** `mfaguard policy check`: one document as the only identity policy of a stand-in user. */
export function checkPolicyDocument(
  document: unknown,
  name: string,
  options: MfaEnforcementOptions,
): StandalonePolicyReport {
  const result = analyzeMfaEnforcement(
    { ...STANDALONE_USER, identityPolicies: [{ name, source: 'standalone', document }] },
    options,
  );
  return {
    file: name,
    mfaEnforced: {
      console: result.console.verdict === 'enforced',
      accessKeys: result.accessKeys.verdict === 'enforced',
    },
    verdict: result.verdict,
    console: result.console.verdict,
    accessKeys: result.accessKeys.verdict,
    contexts: {
      console: {
        deniedActions: result.console.deniedActions,
        notDeniedActions: result.console.notDeniedActions,
      },
      accessKeys: {
        deniedActions: result.accessKeys.deniedActions,
        notDeniedActions: result.accessKeys.notDeniedActions,
      },
    },
    findings: result.findings,
    issues: result.issues,
    explanation: result.explanation,
  };
}

/** True when the document, attached to a user, would make MFA enforced or partly enforced. */
export function wouldEnforceMfa(document: unknown, options: MfaEnforcementOptions): EnforcementVerdict {
  return checkPolicyDocument(document, 'candidate', options).verdict;
}

/**
 * For the audit: managed policies that would enforce MFA (fully or in part) but are attached to nobody
 * (neither as a policy nor as a permissions boundary) — the protection exists on paper only.
 */
export function findUnattachedMfaPolicies(
  policies: readonly ManagedPolicyUsage[],
  options: MfaEnforcementOptions,
): PolicyPitfall[] {
  const out: PolicyPitfall[] = [];
  for (const policy of policies) {
    if (policy.attachmentCount > 0 || (policy.permissionsBoundaryUsageCount ?? 0) > 0) continue;
    const verdict = wouldEnforceMfa(policy.document, options);
    if (verdict === 'not-enforced') continue;
    out.push({
      code: 'policy-attached-to-nobody',
      level: 'warning',
      message: `managed policy '${policy.name}'${policy.arn === undefined ? '' : ` (${policy.arn})`} would ${verdict === 'enforced' ? 'enforce' : 'partly enforce'} MFA but is attached to no user, group or role: it protects nobody`,
    });
  }
  return out;
}
