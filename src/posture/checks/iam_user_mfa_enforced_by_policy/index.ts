// iam_user_mfa_enforced_by_policy: each user's effective policies deny sensitive work without MFA (console and access keys).

import type { Check, FindingDraft, MfaEnforcementInput, PolicyRef } from '../check.ts';
import { snapshotPartition, userResource } from '../check.ts';
import type {
  AccountSnapshot,
  AuthorizationDetails,
  IamUserDetail,
  PolicyDocument,
} from '../../collect/snapshot.ts';

const MFA_KEY = /aws:multifactorauth(present|age)/i;

/** Gathers every policy that applies to one user: inline, attached, the groups' policies, the boundary and SCPs. */
export function policyRefsForUser(
  user: IamUserDetail,
  details: AuthorizationDetails,
  snapshot: AccountSnapshot,
): { input: Omit<MfaEnforcementInput, 'accountId'>; missing: string[]; unreadable: string[] } {
  const documents = new Map(details.policies.map((p) => [p.arn, p]));
  const missing: string[] = [];
  const unreadable: string[] = user.problems.map((p) => `user ${user.userName}: ${p}`);
  const managed = (arn: string, name: string, source: PolicyRef['source'], via?: string): PolicyRef[] => {
    const document = documents.get(arn)?.defaultDocument ?? null;
    if (document === null) {
      missing.push(arn);
      return [];
    }
    return [{ name, arn, source, document, ...(via === undefined ? {} : { via }) }];
  };
  const identityPolicies: PolicyRef[] = [
    ...user.inlinePolicies.map((p): PolicyRef => ({
      name: p.name,
      source: 'user-inline',
      document: p.document,
    })),
    ...user.attachedPolicies.flatMap((p) => managed(p.arn, p.name, 'user-managed')),
  ];
  for (const groupName of user.groups) {
    const group = details.groups.find((g) => g.groupName === groupName);
    if (group === undefined) {
      // A group the user is in but the input does not describe: its policies are unknown, not absent.
      unreadable.push(`group ${groupName} is not in the authorization details`);
      continue;
    }
    unreadable.push(...group.problems.map((p) => `group ${groupName}: ${p}`));
    identityPolicies.push(
      ...group.inlinePolicies.map((p): PolicyRef => ({
        name: p.name,
        source: 'group-inline',
        via: groupName,
        document: p.document,
      })),
    );
    identityPolicies.push(
      ...group.attachedPolicies.flatMap((p) => managed(p.arn, p.name, 'group-managed', groupName)),
    );
  }
  const boundary =
    user.permissionsBoundaryArn === null
      ? []
      : managed(
          user.permissionsBoundaryArn,
          user.permissionsBoundaryArn.split('/').pop() ?? 'boundary',
          'permissions-boundary',
        );
  const scps: PolicyRef[] =
    snapshot.scps.state === 'collected'
      ? snapshot.scps.value.map((s): PolicyRef => ({
          name: s.name,
          source: 'scp',
          via: s.target,
          document: s.document,
          ...(s.arn === null ? {} : { arn: s.arn }),
        }))
      : [];
  return {
    input: {
      principalArn: user.arn,
      userName: user.userName,
      identityPolicies,
      ...(boundary[0] === undefined ? {} : { permissionsBoundary: boundary[0] }),
      ...(snapshot.scps.state === 'collected' ? { scps } : {}),
    },
    missing,
    unreadable,
  };
}

function mentionsMfa(document: PolicyDocument | null): boolean {
  return document !== null && MFA_KEY.test(JSON.stringify(document));
}

/** Managed policies that speak of MFA but apply to no one: they look like enforcement and enforce nothing. */
export function orphanMfaPolicies(details: AuthorizationDetails): AuthorizationDetails['policies'] {
  const used = new Set<string>([
    ...details.users.flatMap((u) => [
      ...u.attachedPolicies.map((p) => p.arn),
      ...(u.permissionsBoundaryArn === null ? [] : [u.permissionsBoundaryArn]),
    ]),
    ...details.groups.flatMap((g) => g.attachedPolicies.map((p) => p.arn)),
    ...details.roles.flatMap((r) => [
      ...r.attachedPolicyArns,
      ...(r.permissionsBoundaryArn === null ? [] : [r.permissionsBoundaryArn]),
    ]),
  ]);
  return details.policies.filter(
    (p) =>
      mentionsMfa(p.defaultDocument) &&
      !used.has(p.arn) &&
      (p.attachmentCount ?? 0) === 0 &&
      (p.permissionsBoundaryUsageCount ?? 0) === 0,
  );
}

function gaps(context: { readonly notDeniedActions?: readonly string[] } | null): string {
  return String(context?.notDeniedActions?.length ?? 'some');
}

export const iamUserMfaEnforcedByPolicy: Check = {
  id: 'iam_user_mfa_enforced_by_policy',
  title: "Each IAM user's policies deny sensitive actions without MFA (console sessions and access keys)",
  severity: 'medium',
  requires: ['authorization'],
  remediationUrl:
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage-mfa-only.html',
  remediation:
    'Attach an MFA enforcement policy to every human user (best through a group): Deny with `BoolIfExists aws:MultiFactorAuthPresent false` (or Null on the key for access keys) over everything but self-service MFA enrolment. `mfaguard guardrails` generates one; `mfaguard policy check` explains an existing one.',
  run(snapshot, ctx) {
    if (snapshot.authorization.state !== 'collected') return [];
    const details = snapshot.authorization.value;
    const out: FindingDraft[] = [];
    for (const policy of orphanMfaPolicies(details)) {
      const standalone =
        ctx.analyze === null || policy.defaultDocument === null
          ? null
          : ctx.analyze({
              // A stand-in user of the account: what the policy would do once attached to someone.
              principalArn: `arn:${snapshotPartition(snapshot)}:iam::${snapshot.accountId ?? '111122223333'}:user/mfaguard-policy-check`,
              userName: 'mfaguard-policy-check',
              accountId: snapshot.accountId ?? '111122223333',
              identityPolicies: [
                {
                  name: policy.name,
                  arn: policy.arn,
                  source: 'standalone',
                  document: policy.defaultDocument,
                },
              ],
            }).verdict;
      out.push({
        status: 'FAIL',
        resource: { type: 'AwsIamPolicy', name: policy.name, arn: policy.arn, account: snapshot.accountId },
        message: `Managed policy ${policy.name} uses aws:MultiFactorAuth* conditions but is attached to nobody, so it enforces MFA for no one.`,
        evidence: {
          pitfall: 'policy-attached-to-nobody',
          attachmentCount: policy.attachmentCount,
          ...(standalone === null ? {} : { verdictIfAttached: standalone }),
        },
      });
    }
    if (ctx.analyze === null) {
      out.push({
        status: 'ERROR',
        resource: {
          type: 'AwsAccount',
          name: snapshot.accountId ?? 'unknown account',
          arn: null,
          account: snapshot.accountId,
        },
        message: 'The policy analyzer is not available, so MFA enforcement by policy was not evaluated.',
      });
      return out;
    }
    for (const user of details.users) {
      const resource = userResource(snapshot, user.userName, user.arn);
      const { input, missing, unreadable } = policyRefsForUser(user, details, snapshot);
      const accountId = snapshot.accountId ?? /:iam::(\d{12}):/.exec(user.arn)?.[1] ?? '';
      const result = ctx.analyze({ ...input, accountId });
      const evidence = {
        verdict: result.verdict,
        console: result.console,
        accessKeys: result.accessKeys,
        explanation: result.explanation,
        findings: result.findings,
        policies: input.identityPolicies.map(
          (p) => `${p.source}:${p.name}${p.via === undefined ? '' : ` (via ${p.via})`}`,
        ),
        ...(missing.length === 0 ? {} : { missingDocuments: missing }),
        ...(unreadable.length === 0 ? {} : { unreadable }),
      };
      // A policy we could not read can only add Denies, never take one away: "enforced" stands, anything
      // less cannot be told apart from a gap in the input.
      if (result.verdict !== 'enforced' && unreadable.length > 0)
        out.push({
          status: 'ERROR',
          resource,
          message: `MFA enforcement by policy for IAM user ${user.userName} could not be judged: part of the user's policies could not be read (${unreadable[0] ?? ''}).`,
          evidence,
        });
      else if (result.verdict === 'enforced')
        out.push({
          status: 'PASS',
          resource,
          message: `IAM user ${user.userName}'s policies deny sensitive actions without MFA, for console sessions and access keys.`,
          evidence,
        });
      else if (result.verdict === 'partial')
        out.push({
          status: 'FAIL',
          severity: 'low',
          resource,
          message: `IAM user ${user.userName}'s policies enforce MFA only partly: without MFA, ${gaps(result.console)} sensitive action(s) are not denied in a console session and ${gaps(result.accessKeys)} with an access key.`,
          evidence,
        });
      else
        out.push({
          status: 'FAIL',
          resource,
          message: `IAM user ${user.userName}'s policies do not require MFA for sensitive actions.`,
          evidence,
        });
    }
    return out;
  },
};
