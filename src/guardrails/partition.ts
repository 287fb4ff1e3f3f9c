// Policy ARNs in the partition the template is deployed to: `aws`, `aws-cn` or `aws-us-gov` decided by AWS, not by us.

import { UsageError } from '../model/index.ts';
import type { Partition } from '../model/index.ts';
import { block, expr, template } from './hcl.ts';
import type { HclBlock, HclExpression, HclValue } from './hcl.ts';

/** What the policy builders write: the standard partition, which the templates below swap for the deployed one. */
const STANDARD = 'arn:aws:';

/**
 * The value with every `arn:aws:…` string in `partition`: the JSON format has no deploy-time partition to refer
 * to, so its ARNs are written for the partition the user names.
 */
export function inPartition(value: unknown, partition: Partition): unknown {
  if (partition === 'aws') return value;
  if (typeof value === 'string')
    return value.startsWith(STANDARD) ? `arn:${partition}:${value.slice(STANDARD.length)}` : value;
  if (Array.isArray(value)) return value.map((item) => inPartition(item, partition));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, inPartition(item, partition)]),
    );
  return value;
}

/**
 * A break-glass role given as an ARN of another partition than the literal ARNs around it: a policy that mixes
 * partitions exempts nobody, so say so rather than write it. (A standard-partition ARN follows `partition`, as the
 * templates' `${AWS::Partition}` makes it follow the deployed one.)
 */
export function checkRolePartition(role: string, partition: Partition): void {
  if (!role.startsWith('arn:') || role.startsWith(STANDARD)) return;
  const given = role.split(':')[1] ?? '';
  if (given !== partition)
    throw new UsageError(
      `--break-glass-role is an ARN of partition '${given.slice(0, 20)}' but the ARNs are written for '${partition}'; add --partition ${given.slice(0, 20)}`,
    );
}

/** The value with every `arn:aws:…` string turned into `Fn::Sub` on `${AWS::Partition}` (IAM's `${…}` kept literal). */
export function cfnPartitioned(value: unknown): unknown {
  if (typeof value === 'string')
    return value.startsWith(STANDARD)
      ? { 'Fn::Sub': `arn:\${AWS::Partition}:${value.slice(STANDARD.length).replaceAll('${', '${!')}` }
      : value;
  if (Array.isArray(value)) return value.map(cfnPartitioned);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cfnPartitioned(item)]));
  return value;
}

/**
 * Terraform's partition, read by a `data "aws_partition"` of the given name. Each generated file names its own, so
 * the files of `guardrails all --out DIR` can share one module without declaring the same data source twice.
 */
export function tfPartition(name: string): { readonly data: HclBlock; readonly partition: HclExpression } {
  return {
    data: block('data', ['aws_partition', name], []),
    partition: expr(`data.aws_partition.${name}.partition`),
  };
}

/** The value (plain JSON) with every `arn:aws:…` string a template on the partition (`${…}` kept literal). */
export function tfPartitioned(value: unknown, partition: HclExpression): HclValue {
  if (typeof value === 'string')
    return value.startsWith(STANDARD)
      ? template('arn:', partition, `:${value.slice(STANDARD.length)}`)
      : value;
  if (Array.isArray(value)) return value.map((item) => tfPartitioned(item, partition));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, tfPartitioned(item, partition)]),
    );
  return value as HclValue;
}
