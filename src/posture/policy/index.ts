// Public face of the IAM policy analyzer: parse policies, evaluate requests with IAM's logic, judge MFA enforcement.

export { parsePolicyDocument, parseConditionOperator, BASE_OPERATORS } from './document.ts';
export { evaluateRequest, loadPolicy, describeStatement, statementApplies } from './evaluate.ts';
export type { PolicySet, RequestDecision } from './evaluate.ts';
export {
  analyzeMfaEnforcement,
  checkPolicyDocument,
  fillResource,
  findUnattachedMfaPolicies,
  mfaContextKeys,
  STANDALONE_USER,
  wouldEnforceMfa,
} from './mfa-enforcement.ts';
export type { MfaContextName } from './mfa-enforcement.ts';
export type { ManagedPolicyUsage } from './pitfalls.ts';
export { SELF_ENROLMENT_PROBES, SELF_SERVICE_MFA_ACTIONS, SENSITIVE_ACTIONS } from './sensitive-actions.ts';
export { arnMatches, parseArn } from './arn.ts';
export { globMatches } from './wildcard.ts';
export type * from './types.ts';
