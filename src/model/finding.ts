// What a posture check produces: one result per check and resource, mapped to framework controls.

import type { Severity } from './severity.ts';

/** cdk-nag's three outcomes plus ERROR: a check that could not run is never a silent pass. */
export type FindingStatus = 'PASS' | 'FAIL' | 'NOT_APPLICABLE' | 'ERROR';

export interface FindingResource {
  /** ASFF resource type: AwsAccount, AwsIamUser, AwsIamPolicy, AwsIamRootUser... */
  readonly type: string;
  readonly name: string;
  readonly arn: string | null;
  readonly account: string | null;
  /** What the snapshot knows of an IAM user resource, for Security Hub's `Details.AwsIamUser`. */
  readonly iamUser?: IamUserFacts;
}

/** An IAM user as the credential report and authorization details describe it; every field where known. */
export interface IamUserFacts {
  readonly userName: string;
  readonly userId?: string;
  readonly path?: string;
  /** ISO 8601. */
  readonly createDate?: string;
  readonly groups?: readonly string[];
  readonly attachedPolicies?: readonly { readonly name: string; readonly arn: string }[];
  readonly inlinePolicyNames?: readonly string[];
  readonly permissionsBoundaryArn?: string;
}

/** One control of one framework version, e.g. CIS AWS Foundations 7.0 `2.10` or Security Hub `IAM.5`. */
export interface ControlRef {
  /** `cis-aws` or `aws-securityhub`. */
  readonly framework: string;
  /** Benchmark version (`7.0`, `1.4`...) or the standard's name for Security Hub (`fsbp`). */
  readonly version: string;
  readonly id: string;
}

export interface Finding {
  readonly checkId: string;
  readonly status: FindingStatus;
  readonly severity: Severity;
  readonly resource: FindingResource;
  readonly controls: readonly ControlRef[];
  /** One sentence naming the resource (contains user names: escape at the sink). */
  readonly message: string;
  readonly remediation: string;
  /** Where the fix is documented. */
  readonly remediationUrl?: string;
  /** The facts the status rests on, for the JSON report and for people who ask "why?". */
  readonly evidence?: Readonly<Record<string, unknown>>;
}
