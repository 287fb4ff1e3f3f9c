// IAM calls that change which policies apply to a user: triage weighs them as privilege changes, posture re-runs
// the policy analysis for them. One list, so the kept event slice and posture's updates never drift.

export const IAM_POLICY_CHANGE_EVENTS = [
  'AddUserToGroup',
  'AttachGroupPolicy',
  'AttachUserPolicy',
  'CreatePolicyVersion',
  'DeleteGroupPolicy',
  'DeleteUserPermissionsBoundary',
  'DeleteUserPolicy',
  'DetachGroupPolicy',
  'DetachUserPolicy',
  'PutGroupPolicy',
  'PutUserPermissionsBoundary',
  'PutUserPolicy',
  'RemoveUserFromGroup',
  'SetDefaultPolicyVersion',
] as const;
