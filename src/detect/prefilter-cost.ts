// What a rule costs a scan, estimated from its prefilter alone: how large a share of a typical trail's records it makes
// scan parse (and can alert on). Said in `rules list` and `rules validate`, so a user sees which rules slow a scan
// before running one.

import type { ValuePin } from '../model/index.ts';
import type { RulePrefilter } from './record-needles.ts';

/**
 * `low`: only the records of a few calls, or those holding a rare value, are parsed. `medium`: a whole service's
 * records, or a call among the most frequent. `high`: a value most records hold (a role session's identity type):
 * most records are parsed, and the rule may alert on each. `full`: no needle at all, every record is parsed.
 */
export type PrefilterCost = 'low' | 'medium' | 'high' | 'full';

export interface PrefilterCostEstimate {
  readonly cost: PrefilterCost;
  /** Why, in words for the user (rule-controlled text inside: escape it for the sink). */
  readonly why: string;
}

/**
 * Calls among the most frequent in CloudTrail (session and identity probes, S3 and KMS data events, EC2 describes):
 * a rule on one of them parses a large share of a busy account's records.
 */
const BUSY_NAMES = new Set(
  [
    'AssumeRole',
    'AssumeRoleWithWebIdentity',
    'AssumeRoleWithSAML',
    'GetCallerIdentity',
    'GetSessionToken',
    'GetObject',
    'PutObject',
    'HeadObject',
    'ListObjects',
    'ListObjectsV2',
    'Decrypt',
    'Encrypt',
    'GenerateDataKey',
    'DescribeInstances',
    'ListBuckets',
    'GetBucketAcl',
    'GetBucketLocation',
  ].map((name) => name.toLowerCase()),
);

/** Services whose records are a large share of most trails (every role session goes through STS). */
const BUSY_SOURCES = new Set([
  'sts.amazonaws.com',
  's3.amazonaws.com',
  'ec2.amazonaws.com',
  'kms.amazonaws.com',
]);

/**
 * Values most records hold, by JSON key (lower-cased, as pins are): the identity types of nearly every call, and the
 * ARN part of every role session.
 */
const COMMON_VALUES: Readonly<Record<string, readonly string[]>> = {
  type: ['assumedrole', 'iamuser', 'awsservice'],
  arn: [':assumed-role/', 'assumed-role', ':assumed-role', 'assumed-role/'],
};

/** A fragment this short is in many records' values whatever the field. */
const SHORT_FRAGMENT = 3;

export function estimatePrefilterCost(pin: RulePrefilter): PrefilterCostEstimate {
  switch (pin.kind) {
    case 'names': {
      const busy = pin.values.filter((name) => BUSY_NAMES.has(name.toLowerCase()));
      return busy.length === 0
        ? { cost: 'low', why: 'parses only the records of these calls' }
        : {
            cost: 'medium',
            why: `${busy.join(', ')}: among the most frequent calls, a large share of records is parsed`,
          };
    }
    case 'sources': {
      const busy = pin.values.filter((source) => BUSY_SOURCES.has(source.toLowerCase()));
      return busy.length === 0
        ? { cost: 'medium', why: 'parses every record of the service (all of its calls, not a few)' }
        : {
            cost: 'high',
            why: `${busy.join(', ')}: among the busiest services, a large share of records is parsed`,
          };
    }
    case 'values': {
      const common = pin.pins.flatMap(commonFragments);
      if (common.length > 0)
        return {
          cost: 'high',
          why: `${common.join(', ')}: most records hold it, so most are parsed and the rule may alert on each`,
        };
      return {
        cost: 'low',
        why: "every record's bytes are searched for the value; only the records holding it are parsed",
      };
    }
    case 'none':
      return {
        cost: 'full',
        why: 'no needle: every record is parsed while the rule is loaded (the --strict speed)',
      };
  }
}

/** The fragments of a pin that most records' values hold, described (`type contains "assumedrole"`). */
function commonFragments(pin: ValuePin): string[] {
  const common = COMMON_VALUES[pin.key.toLowerCase()] ?? [];
  return [...pin.fragments]
    .filter((fragment) => common.includes(fragment) || fragment.length <= SHORT_FRAGMENT)
    .map((fragment) => `${pin.key} contains ${JSON.stringify(fragment)}`);
}
