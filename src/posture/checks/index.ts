// The registry of posture checks, id -> check, in alphabetical order; each id is its folder's name (prowler's layout).

import type { Check } from './check.ts';
import { iamAdministratorAccessWithMfa } from './iam_administrator_access_with_mfa/index.ts';
import { iamNoRootAccessKey } from './iam_no_root_access_key/index.ts';
import { iamRootHardwareMfaEnabled } from './iam_root_hardware_mfa_enabled/index.ts';
import { iamRootMfaEnabled } from './iam_root_mfa_enabled/index.ts';
import { iamRotateAccessKey90Days } from './iam_rotate_access_key_90_days/index.ts';
import { iamUserAccesskeyUnused } from './iam_user_accesskey_unused/index.ts';
import { iamUserConsoleAccessUnused } from './iam_user_console_access_unused/index.ts';
import { iamUserHardwareMfaEnabled } from './iam_user_hardware_mfa_enabled/index.ts';
import { iamUserMfaEnabledConsoleAccess } from './iam_user_mfa_enabled_console_access/index.ts';
import { iamUserMfaEnforcedByPolicy } from './iam_user_mfa_enforced_by_policy/index.ts';
import { iamUserTwoActiveAccessKey } from './iam_user_two_active_access_key/index.ts';

export const CHECKS: Readonly<Record<string, Check>> = {
  iam_administrator_access_with_mfa: iamAdministratorAccessWithMfa,
  iam_no_root_access_key: iamNoRootAccessKey,
  iam_root_hardware_mfa_enabled: iamRootHardwareMfaEnabled,
  iam_root_mfa_enabled: iamRootMfaEnabled,
  iam_rotate_access_key_90_days: iamRotateAccessKey90Days,
  iam_user_accesskey_unused: iamUserAccesskeyUnused,
  iam_user_console_access_unused: iamUserConsoleAccessUnused,
  iam_user_hardware_mfa_enabled: iamUserHardwareMfaEnabled,
  iam_user_mfa_enabled_console_access: iamUserMfaEnabledConsoleAccess,
  iam_user_mfa_enforced_by_policy: iamUserMfaEnforcedByPolicy,
  iam_user_two_active_access_key: iamUserTwoActiveAccessKey,
};

export type {
  AnalyzeMfaEnforcement,
  Check,
  CheckContext,
  FindingDraft,
  MfaEnforcementInput,
  MfaEnforcementResult,
  PolicyRef,
  PostureConfig,
} from './check.ts';
export { DEFAULT_POSTURE_CONFIG } from './check.ts';
export { runChecks } from './run.ts';
export { orphanMfaPolicies, policyRefsForUser } from './iam_user_mfa_enforced_by_policy/index.ts';
