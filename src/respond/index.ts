// Public face of the response: actions behind one interface, their registry, and the IAM calls they make.

export { ACTION_KINDS, describeTarget, isActionKind, NotUndoableError } from './action.ts';
export type {
  ActionContext,
  ActionKind,
  IamCall,
  PlannedStep,
  ResolvedAction,
  ResponseAction,
  ResponseTarget,
} from './action.ts';
export { sendAll, sendIdempotent } from './iam-calls.ts';
export { RESPONSE_ACTIONS } from './registry.ts';
export { REVOKE_POLICY_NAME, revokeOlderSessionsPolicy } from './actions/revoke-sessions.ts';
export {
  DEFAULT_RESPOND_CONFIG,
  DEFAULT_ROLE_SESSION_NAME,
  quarantinePolicyArn,
  responderRoleArn,
  rulesFor,
} from './policy.ts';
export type { ApprovalRole, RespondConfig, RespondRule, ResponderRole } from './policy.ts';
export { adminHold, protectedReason, rateLimited } from './safeguards.ts';
export type { AdminFact, PostureView } from './safeguards.ts';
export { assumedRoleOf, createResponder } from './responder.ts';
export type { Responder, ResponderDeps, ResponderLogEntry, ResponseOutcome } from './responder.ts';
export { adminFactsOf, postureFromSnapshots } from './posture.ts';
