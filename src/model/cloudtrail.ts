// The typed CloudTrail event every stage after normalisation works on, and the raw record it came from.

/** A CloudTrail record exactly as delivered (after JSON parsing), before any interpretation. */
export type RawRecord = Record<string, unknown>;

/** Where a record came from, so every issue and alert can point back at it. */
export interface Origin {
  /** File path, `s3://bucket/key`, `stdin`, or a message id. */
  readonly location: string;
  /** Zero-based index of the record inside that location. */
  readonly index: number;
}

/** `temporary` for ASIA… keys (STS), `long-term` for AKIA… keys (IAM users, root). */
export type AccessKeyKind = 'temporary' | 'long-term';

/** The CloudTrail `userIdentity.type` values we know; anything else is kept verbatim. */
export type IdentityType =
  | 'Root'
  | 'IAMUser'
  | 'AssumedRole'
  | 'FederatedUser'
  | 'AWSAccount'
  | 'AWSService'
  | 'IdentityCenterUser'
  | 'SAMLUser'
  | 'WebIdentityUser'
  | 'Directory'
  | 'Unknown';

export interface SessionIssuer {
  readonly type: string | null;
  readonly arn: string | null;
  readonly userName: string | null;
  readonly principalId: string | null;
  readonly accountId: string | null;
}

/** Who made the call. */
export interface Actor {
  readonly type: IdentityType | (string & {});
  readonly arn: string | null;
  /** IAM user name, role session name for assumed roles, `root` for Root. */
  readonly userName: string | null;
  readonly principalId: string | null;
  readonly accountId: string | null;
  readonly accessKeyId: string | null;
  readonly accessKeyKind: AccessKeyKind | null;
  /** `sessionContext.attributes.mfaAuthenticated`; null when the record does not say. */
  readonly mfaAuthenticated: boolean | null;
  /** True when the session credential came from a console sign-in (`sessionCredentialFromConsole` or invokedBy signin). */
  readonly consoleSession: boolean;
  readonly invokedBy: string | null;
  readonly sessionIssuer: SessionIssuer | null;
}

/** Whom the call was about: the IAM user and MFA device named in the request. */
export interface Target {
  readonly userName: string | null;
  readonly serialNumber: string | null;
}

export type Outcome = 'success' | 'failure' | 'unknown';

export interface CloudTrailEvent {
  /** `eventID`; the dedupe key. */
  readonly id: string;
  /** `eventName`. */
  readonly name: string;
  /** `eventSource`, e.g. `iam.amazonaws.com`. */
  readonly source: string;
  /** `eventTime` as delivered (ISO-8601). */
  readonly time: string;
  /** `eventTime` in epoch milliseconds. */
  readonly timeMs: number;
  /** `eventType`: AwsApiCall, AwsConsoleSignIn, AwsServiceEvent, ... */
  readonly type: string | null;
  readonly category: string | null;
  /** `recipientAccountId`, falling back to the actor's account. */
  readonly account: string | null;
  readonly region: string | null;
  /** `sourceIPAddress` as delivered: an IP address or a service name such as `signin.amazonaws.com`. */
  readonly sourceIp: string | null;
  /** True when `sourceIp` is an IPv4/IPv6 literal. */
  readonly sourceIpIsAddress: boolean;
  readonly userAgent: string | null;
  readonly outcome: Outcome;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly actor: Actor;
  readonly target: Target;
  /** Sign-ins only: `additionalEventData.MFAUsed` (Yes/No, any case); null when absent. */
  readonly mfaUsed: boolean | null;
  /** Sign-ins only: the `responseElements.ConsoleLogin` value (Success/Failure). */
  readonly consoleLoginResult: string | null;
  readonly readOnly: boolean | null;
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  readonly responseElements: Readonly<Record<string, unknown>> | null;
  readonly additionalEventData: Readonly<Record<string, unknown>> | null;
  readonly origin: Origin;
  /** The record as delivered, for rules over raw CloudTrail paths (Sigma) and for evidence. */
  readonly raw: RawRecord;
}
