// The `posture` section's settings, apart from the audit code so that loading a configuration loads no AWS SDK.

/** The `posture` section: how `serve` audits, and how long a new console user may go without MFA. */
export interface PostureServeConfig {
  /** Pause between scheduled audits. */
  readonly intervalMs: number;
  /** Audit every active account of the organization (needs the management or a delegated administrator account). */
  readonly organization: boolean;
  /** Further accounts to audit, each through `roleName`; the caller's own account is always audited. */
  readonly accounts: readonly string[];
  /** The role assumed in the other accounts. */
  readonly roleName: string;
  /** A user who gets a console password and has no MFA device this long after is "provisioned without MFA". */
  readonly provisionedGraceMs: number;
}

export const DEFAULT_POSTURE_SERVE_CONFIG: PostureServeConfig = {
  intervalMs: 24 * 3_600_000,
  organization: false,
  accounts: [],
  roleName: 'OrganizationAccountAccessRole',
  provisionedGraceMs: 24 * 3_600_000,
};
