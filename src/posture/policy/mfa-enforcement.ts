// Answers "does policy really enforce MFA for this user?" in the two no-MFA contexts, with the deciding statements and named pitfalls.

import type { InputIssue } from '../../model/index.ts';
import { describeStatement, evaluateRequest, loadPolicy } from './evaluate.ts';
import type { PolicySet } from './evaluate.ts';
import { findStatementPitfalls, MFA_AGE_KEY, MFA_PRESENT_KEY, referencesMfa } from './pitfalls.ts';
import type { ManagedPolicyUsage } from './pitfalls.ts';
import { SENSITIVE_ACTIONS } from './sensitive-actions.ts';
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
 * model (source IP, region, tags...) is left out, so a condition on it is undecidable, never guessed.
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

export function fillResource(
  template: string,
  input: Pick<MfaEnforcementInput, 'principalArn' | 'accountId'>,
): string {
  return template.replaceAll('{principalArn}', input.principalArn).replaceAll('{accountId}', input.accountId);
}

function verdictOf(denied: number, total: number): EnforcementVerdict {
  if (total > 0 && denied === total) return 'enforced';
  return denied === 0 ? 'not-enforced' : 'partial';
}

function refKey(ref: StatementRef): string {
  return `${ref.source}\u0000${ref.via ?? ''}\u0000${ref.policy}\u0000${ref.index}`;
}

interface ContextRun {
  readonly verdict: ContextVerdict;
  readonly notDenied: string[];
  readonly notes: string[];
  readonly undecided: StatementRef[];
}

function runContext(
  set: PolicySet,
  context: MfaContextName,
  input: MfaEnforcementInput,
  actions: readonly SensitiveAction[],
  now: Date | undefined,
): ContextRun {
  const keys = mfaContextKeys(context, input, now);
  const deniedActions: string[] = [];
  const allowedActions: string[] = [];
  const notDenied: string[] = [];
  const deciding = new Map<string, StatementRef>();
  const undecided = new Map<string, StatementRef>();
  const notes = new Set<string>();
  for (const sensitive of actions) {
    const decision = evaluateRequest(set, {
      action: sensitive.action,
      resource: fillResource(sensitive.resource, input),
      keys,
    });
    for (const ref of decision.undecidedDenies) undecided.set(refKey(ref), ref);
    for (const note of decision.notes)
      if (decision.decision !== 'allow' || note.includes('assumed')) notes.add(note);
    if (decision.decision === 'explicit-deny') {
      deniedActions.push(sensitive.action);
      for (const ref of decision.statements) deciding.set(refKey(ref), ref);
    } else {
      notDenied.push(sensitive.action);
      if (decision.decision === 'allow') allowedActions.push(sensitive.action);
    }
  }
  return {
    verdict: {
      verdict: verdictOf(deniedActions.length, actions.length),
      deniedActions,
      allowedActions,
      decidingStatements: [...deciding.values()],
    },
    notDenied,
    notes: [...notes],
    undecided: [...undecided.values()],
  };
}

function combine(a: EnforcementVerdict, b: EnforcementVerdict): EnforcementVerdict {
  if (a === 'enforced' && b === 'enforced') return 'enforced';
  if (a === 'not-enforced' && b === 'not-enforced') return 'not-enforced';
  return 'partial';
}

function list(items: readonly string[], max = 6): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function explainContext(name: MfaContextName, run: ContextRun, total: number): string[] {
  const lines: string[] = [];
  const v = run.verdict;
  lines.push(
    `${CONTEXT_LABEL[name]}: ${v.verdict} — ${v.deniedActions.length} of ${total} sensitive actions end in an explicit Deny`,
  );
  if (v.decidingStatements.length > 0) {
    lines.push(`  denied by ${v.decidingStatements.map(describeStatement).join('; ')}`);
  }
  if (run.notDenied.length > 0) {
    const allowed = v.allowedActions.length;
    lines.push(
      `  not denied: ${list(run.notDenied)}${allowed > 0 ? ` (${allowed} of them allowed outright today)` : ' (only implicitly denied today)'}`,
    );
  }
  for (const note of run.notes.slice(0, 4)) lines.push(`  ${note}`);
  return lines;
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
  options: MfaEnforcementOptions = {},
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

  const consoleRun = runContext(set, 'console', input, actions, options.now);
  const keysRun = runContext(set, 'accessKeys', input, actions, options.now);
  const mfaRun = runContext(set, 'withMfa', input, actions, options.now);
  const verdict = combine(consoleRun.verdict.verdict, keysRun.verdict.verdict);

  const issues: InputIssue[] = all.flatMap((p) => p.parsed.issues);
  const findings: PolicyPitfall[] = [];
  for (const policy of all) {
    const errors = policy.parsed.issues.filter((i) => i.level === 'error');
    if (errors.length > 0) {
      findings.push({
        code: 'invalid-policy',
        level: 'error',
        message: `${policy.ref.source} policy '${policy.ref.name}' has ${errors.length} problem(s) (first: ${errors[0]?.message ?? ''}); what could not be read is not counted as denying anything`,
      });
    }
    for (const pitfall of findStatementPitfalls(policy, actions)) {
      // Requiring MFA in an Allow is only a problem when no Deny does the enforcing.
      if (pitfall.code === 'mfa-only-in-allow' && verdict === 'enforced') continue;
      findings.push(pitfall);
    }
  }
  const undecided = new Map<string, StatementRef>();
  for (const ref of [...consoleRun.undecided, ...keysRun.undecided]) undecided.set(refKey(ref), ref);
  for (const ref of undecided.values()) {
    findings.push({
      code: 'undecidable-condition',
      level: 'warning',
      message: `${describeStatement(ref)} is a Deny whose conditions depend on values mfaguard cannot know offline (or on an unknown policy variable); it is not counted as enforcing MFA`,
      statement: ref,
    });
  }
  const lockouts = new Map<string, StatementRef>();
  for (const ref of mfaRun.verdict.decidingStatements) {
    const policy = all.find(
      (p) => p.ref.name === ref.policy && p.ref.source === ref.source && p.ref.via === ref.via,
    );
    const statement = policy?.parsed.items.find((s) => s.index === ref.index);
    if (statement !== undefined && referencesMfa(statement)) lockouts.set(refKey(ref), ref);
  }
  for (const ref of lockouts.values()) {
    findings.push({
      code: 'locks-out-mfa-users',
      level: 'warning',
      message: `${describeStatement(ref)} is an MFA condition that also denies sessions WITH MFA (present, age 300 s): MFA users are locked out of ${list(mfaRun.verdict.deniedActions)}`,
      statement: ref,
    });
  }

  const explanation = [
    `MFA enforcement by policy for ${input.userName}: ${verdict}. Only an explicit Deny counts — an implicit deny disappears as soon as someone attaches a broader Allow.`,
    ...explainContext('console', consoleRun, actions.length),
    ...explainContext('accessKeys', keysRun, actions.length),
    `${CONTEXT_LABEL.withMfa}: ${mfaRun.verdict.allowedActions.length} of ${actions.length} sensitive actions allowed, ${mfaRun.verdict.deniedActions.length} explicitly denied`,
    ...findings.filter((f) => f.level !== 'note').map((f) => `pitfall ${f.code}: ${f.message}`),
  ];
  if (all.length === 0)
    explanation.push('no policies at all: nothing is allowed, and nothing is explicitly denied');
  return {
    verdict,
    console: consoleRun.verdict,
    accessKeys: keysRun.verdict,
    withMfa: mfaRun.verdict,
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
  options: MfaEnforcementOptions = {},
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
    findings: result.findings,
    issues: result.issues,
    explanation: result.explanation,
  };
}

/** True when the document, attached to a user, would make MFA enforced or partly enforced. */
export function wouldEnforceMfa(document: unknown, options: MfaEnforcementOptions = {}): EnforcementVerdict {
  return checkPolicyDocument(document, 'candidate', options).verdict;
}

/**
 * For the audit: managed policies that would enforce MFA (fully or in part) but are attached to nobody
 * (neither as a policy nor as a permissions boundary) — the protection exists on paper only.
 */
export function findUnattachedMfaPolicies(
  policies: readonly ManagedPolicyUsage[],
  options: MfaEnforcementOptions = {},
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
