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
