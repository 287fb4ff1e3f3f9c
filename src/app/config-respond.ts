// The `respond:` section of the configuration: the response policy, checked with every problem named by path.

import { CLASSIFICATIONS } from '../model/index.ts';
import type { Classification } from '../model/index.ts';
// The policy and action names only: respond/index.ts also loads the IAM SDK, which `scan` must not pay for.
import { ACTION_KINDS, isActionKind } from '../respond/action.ts';
import { DEFAULT_RESPOND_CONFIG } from '../respond/policy.ts';
import type { ApprovalRole, RespondConfig, RespondRule } from '../respond/policy.ts';
import type { Checker } from './config.ts';

const APPROVALS: readonly ApprovalRole[] = ['none', 'responder', 'admin'];

export function parseRespond(check: Checker, value: unknown): RespondConfig {
  const section =
    check.object(['respond'], value, [
      'breakGlassRoles',
      'liftOnReEnrolment',
      'mode',
      'protected',
      'quarantinePolicy',
      'rateLimit',
      'rules',
    ]) ?? {};
  const d = DEFAULT_RESPOND_CONFIG;
  const mode = section['mode'] ?? d.mode;
  if (mode !== 'dry-run' && mode !== 'enforce')
    check.problem(['respond', 'mode'], `expected dry-run or enforce, got ${JSON.stringify(mode)}`);
  const policy = section['quarantinePolicy'] ?? d.quarantinePolicy;
  if (
    typeof policy !== 'string' ||
    !/^(arn:aws[\w-]*:iam::(\d{12}|\{account\}):policy\/[\w+=,.@/-]+|[\w+=,.@-]{1,128})$/.test(policy)
  )
    check.problem(
      ['respond', 'quarantinePolicy'],
      'expected a managed policy name (mfaguard-quarantine) or ARN (arn:aws:iam::{account}:policy/NAME)',
    );
  const lift = section['liftOnReEnrolment'] ?? d.liftOnReEnrolment;
  if (typeof lift !== 'boolean') check.problem(['respond', 'liftOnReEnrolment'], 'expected true or false');
  const rate = check.object(['respond', 'rateLimit'], section['rateLimit'], ['count', 'window']) ?? {};
  const rules = section['rules'] === undefined ? d.rules : parseRules(check, section['rules']);
  return {
    mode: mode === 'enforce' ? 'enforce' : 'dry-run',
    rules,
    quarantinePolicy: typeof policy === 'string' ? policy : d.quarantinePolicy,
    protected: check.strings(['respond', 'protected'], section['protected']),
    breakGlassRoles: check.strings(['respond', 'breakGlassRoles'], section['breakGlassRoles']),
    rateLimit: {
      count: check.count(['respond', 'rateLimit', 'count'], rate['count'], d.rateLimit.count, 0, 10_000),
      windowMs: check.duration(['respond', 'rateLimit', 'window'], rate['window'], d.rateLimit.windowMs),
    },
    liftOnReEnrolment: lift === true,
  };
}

function parseRules(check: Checker, value: unknown): RespondRule[] {
  if (!Array.isArray(value)) {
    check.problem(['respond', 'rules'], 'expected a list of rules ({ when, actions, after, approve })');
    return [];
  }
  return value.flatMap((item, index): RespondRule[] => {
    const path = ['respond', 'rules', index];
    const rule = check.object(path, item, ['actions', 'after', 'approve', 'when']);
    if (rule === null) return [];
    const when = check.strings([...path, 'when'], rule['when']);
    const actions = check.strings([...path, 'actions'], rule['actions']);
    when.forEach((name, at) => {
      if (!(CLASSIFICATIONS as readonly string[]).includes(name))
        check.problem(
          [...path, 'when', at],
          `unknown classification '${name}'`,
          `use ${CLASSIFICATIONS.join(', ')}`,
        );
    });
    actions.forEach((name, at) => {
      if (!isActionKind(name))
        check.problem([...path, 'actions', at], `unknown action '${name}'`, `use ${ACTION_KINDS.join(', ')}`);
    });
    if (when.length === 0) check.problem([...path, 'when'], 'name at least one classification');
    if (actions.length === 0) check.problem([...path, 'actions'], 'name at least one action');
    const approve = rule['approve'] ?? 'none';
    if (!(APPROVALS as readonly unknown[]).includes(approve))
      check.problem([...path, 'approve'], `expected ${APPROVALS.join(', ')}, got ${JSON.stringify(approve)}`);
    return [
      {
        classifications: when.filter((name): name is Classification =>
          (CLASSIFICATIONS as readonly string[]).includes(name),
        ),
        actions: actions.filter(isActionKind),
        delayMs: check.duration([...path, 'after'], rule['after'], 0),
        approval: (APPROVALS as readonly unknown[]).includes(approve) ? (approve as ApprovalRole) : 'none',
      },
    ];
  });
}
