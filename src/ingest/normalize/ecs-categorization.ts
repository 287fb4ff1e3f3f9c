// Elastic's ECS categorisation of CloudTrail actions (event.category / event.type), kept as data.

export interface EcsCategorization {
  readonly category: readonly string[];
  readonly type: readonly string[];
}

/** Actions grouped by the categorisation Elastic's AWS integration gives them; every other action is type `info`. */
const GROUPS: readonly (readonly [category: string, types: readonly string[], actions: readonly string[]])[] =
  [
    ['authentication', ['info'], ['AssumeRole', 'ConsoleLogin']],
    ['file', ['creation'], ['CreateBucket']],
    ['file', ['deletion'], ['DeleteBucket']],
    [
      'iam',
      ['admin', 'change'],
      [
        'SetDefaultPolicyVersion',
        'SetSecurityTokenServicePreferences',
        'UpdateAccountPasswordPolicy',
        'UpdateRole',
      ],
    ],
    ['iam', ['admin', 'creation'], ['CreateKeyPair']],
    [
      'iam',
      ['group', 'change'],
      [
        'AddUserToGroup',
        'AttachGroupPolicy',
        'DeleteGroupPolicy',
        'DetachGroupPolicy',
        'PutGroupPolicy',
        'RemoveUserFromGroup',
        'UpdateGroup',
      ],
    ],
    ['iam', ['group', 'creation'], ['CreateGroup']],
    ['iam', ['group', 'deletion'], ['DeleteGroup']],
    [
      'iam',
      ['group', 'info'],
      ['GetGroup', 'GetGroupPolicy', 'ListAttachedGroupPolicies', 'ListGroupPolicies', 'ListGroups'],
    ],
    [
      'iam',
      ['user', 'change'],
      [
        'AttachUserPolicy',
        'ChangePassword',
        'CreateAccessKey',
        'CreateVirtualMFADevice',
        'DeactivateMFADevice',
        'DeleteAccessKey',
        'DeleteSSHPublicKey',
        'DeleteUserPermissionsBoundary',
        'DeleteUserPolicy',
        'DeleteVirtualMFADevice',
        'DetachUserPolicy',
        'EnableMFADevice',
        'PutUserPermissionsBoundary',
        'PutUserPolicy',
        'TagUser',
        'UntagUser',
        'UpdateAccessKey',
        'UpdateLoginProfile',
        'UpdateSSHPublicKey',
        'UpdateUser',
      ],
    ],
    ['iam', ['user', 'creation'], ['CreateUser']],
    ['iam', ['user', 'deletion'], ['DeleteUser']],
    [
      'iam',
      ['user', 'info'],
      [
        'GetUser',
        'GetUserPolicy',
        'ListAttachedUserPolicies',
        'ListGroupsForUser',
        'ListUserPolicies',
        'ListUsers',
        'ListUserTags',
      ],
    ],
  ];

export const ECS_CATEGORIZATION: ReadonlyMap<string, EcsCategorization> = new Map(
  GROUPS.flatMap(([category, type, actions]) =>
    actions.map(
      (action) =>
        [
          action,
          Object.freeze({ category: Object.freeze([category]), type: Object.freeze([...type]) }),
        ] as const,
    ),
  ),
);
