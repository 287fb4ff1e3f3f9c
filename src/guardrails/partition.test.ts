// Generated templates in aws-us-gov and aws-cn: every ARN takes the deployed partition, and the analyzer agrees.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { analyzeMfaEnforcement } from '../posture/index.ts';
import { generateGuardrail } from './generate.ts';
import { buildMfaEnforcementPolicy, buildQuarantinePolicy } from './policies.ts';

/** What CloudFormation does with the template's `Fn::Sub` on `${AWS::Partition}` when deployed in `partition`. */
function deployCfn(value: unknown, partition: string): unknown {
  if (Array.isArray(value)) return value.map((item) => deployCfn(item, partition));
  if (value !== null && typeof value === 'object') {
    const sub = (value as Record<string, unknown>)['Fn::Sub'];
    if (typeof sub === 'string')
      return sub
        .replaceAll('${AWS::Partition}', partition)
        .replaceAll('${BreakGlassRoleName}', 'BreakGlass')
        .replaceAll('${!', '${');
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deployCfn(item, partition)]));
  }
  return value;
}

/** Every string of the value that looks like an ARN. */
function arns(value: unknown): string[] {
  return JSON.stringify(value).match(/arn:[^"]*/g) ?? [];
}

const inPartition = (document: unknown, partition: string): unknown =>
  JSON.parse(JSON.stringify(document).replaceAll('arn:aws:', `arn:${partition}:`));

type Cfn = { Resources: Record<string, { Properties: Record<string, unknown> }> };
const resources = (kind: 'policy' | 'quarantine' | 'scp'): Cfn['Resources'] =>
  (parse(generateGuardrail(kind, 'cloudformation').content) as Cfn).Resources;

for (const partition of ['aws-us-gov', 'aws-cn']) {
  describe(`guardrails deployed in ${partition}`, () => {
    it('CloudFormation: the enforcement and quarantine policies name ARNs of that partition only', () => {
      const enforce = deployCfn(
        resources('policy')['EnforceMfaPolicy']!.Properties['PolicyDocument'],
        partition,
      );
      assert.deepEqual(enforce, inPartition(buildMfaEnforcementPolicy(), partition));
      const quarantine = deployCfn(
        resources('quarantine')['QuarantinePolicy']!.Properties['PolicyDocument'],
        partition,
      );
      assert.deepEqual(quarantine, inPartition(buildQuarantinePolicy(), partition));
      const all = [...arns(enforce), ...arns(quarantine)];
      assert.ok(all.length >= 4);
      assert.deepEqual(
        all.filter((arn) => !arn.startsWith(`arn:${partition}:`)),
        [],
      );
      assert.ok(
        all.includes(`arn:${partition}:iam::*:user/\${aws:username}`),
        'the IAM variable stays literal',
      );
    });

    it('CloudFormation: the SCP exempts the break-glass role of that partition', () => {
      const scp = deployCfn(resources('scp'), partition);
      assert.deepEqual(arns(scp).sort(), [
        `arn:${partition}:iam::*:role/*/BreakGlass`,
        `arn:${partition}:iam::*:role/BreakGlass`,
      ]);
    });

    it("the analyzer judges the deployed policy for a user of that partition: enforced, the user's own MFA manageable", () => {
      const user = {
        principalArn: `arn:${partition}:iam::111122223333:user/alice`,
        userName: 'alice',
        accountId: '111122223333',
      };
      const judge = (document: unknown) =>
        analyzeMfaEnforcement(
          { ...user, identityPolicies: [{ name: 'enforce', source: 'user-inline', document }] },
          {
            now: new Date('2026-01-01T00:00:00Z'),
            region: partition === 'aws-cn' ? 'cn-north-1' : 'us-gov-west-1',
          },
        );
      const deployed = judge(
        deployCfn(resources('policy')['EnforceMfaPolicy']!.Properties['PolicyDocument'], partition),
      );
      assert.equal(deployed.verdict, 'enforced');
      assert.deepEqual(
        deployed.findings.map((finding) => finding.code),
        [],
      );
      // The standard partition's ARNs miss this user's own resources: the analyzer sees the difference.
      assert.notDeepEqual(
        judge(buildMfaEnforcementPolicy()).findings.map((finding) => finding.code),
        [],
      );
    });
  });
}

describe('guardrails in Terraform, any partition', () => {
  it('policies take the partition from data.aws_partition, one data source per file', () => {
    const policy = generateGuardrail('policy', 'terraform').content;
    assert.match(policy, /data "aws_partition" "mfaguard_enforce_mfa" \{\s*\}/);
    assert.ok(
      policy.includes(
        '"arn:${data.aws_partition.mfaguard_enforce_mfa.partition}:iam::*:user/$${aws:username}"',
      ),
    );
    const quarantine = generateGuardrail('quarantine', 'terraform').content;
    assert.ok(
      quarantine.includes(
        '"arn:${data.aws_partition.mfaguard_quarantine.partition}:iam::*:user/$${aws:username}"',
      ),
    );
    const scp = generateGuardrail('scp', 'terraform').content;
    assert.ok(
      scp.includes(
        '"arn:${data.aws_partition.mfaguard_deny_mfa_removal.partition}:iam::*:role/${var.mfaguard_break_glass_role}"',
      ),
    );
    for (const content of [policy, quarantine, scp]) assert.doesNotMatch(content, /arn:aws:/);
  });
});
