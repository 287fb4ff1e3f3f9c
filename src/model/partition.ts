// AWS partitions: which one an ARN or a region belongs to, so the ARNs mfaguard builds are valid in China and GovCloud.

/** The partitions a user can name (`guardrails --partition`, `respond.partition`): standard, China, GovCloud (US). */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** The partition an ARN names (`aws`, `aws-cn`, `aws-us-gov`, …); null when the text is not an ARN. */
export function partitionOfArn(arn: string | null | undefined): string | null {
  return /^arn:(aws[a-z-]*):/.exec(arn ?? '')?.[1] ?? null;
}

/** The partition a region is in; the standard `aws` for an unknown or missing region. */
export function partitionOfRegion(region: string | null | undefined): string {
  if (region === null || region === undefined) return 'aws';
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** The partition of a CloudTrail record's principal, else of its region (IAM and STS never cross partitions). */
export function partitionOf(arn: string | null | undefined, region: string | null | undefined): string {
  return partitionOfArn(arn) ?? partitionOfRegion(region);
}
