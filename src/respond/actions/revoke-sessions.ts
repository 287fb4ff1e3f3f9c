// Revoke sessions: a role gets an inline deny on tokens issued before now; a user loses the access keys created after the removal.

import type { IamCall, ResponseAction } from '../action.ts';
import { asExternal } from '../iam-calls.ts';

/**
 * Our own name, not the console's `AWSRevokeOlderSessions`: an undo deletes only what mfaguard put there, never a
 * revocation someone made by hand in the console.
 */
export const REVOKE_POLICY_NAME = 'MfaguardRevokeOlderSessions';

/** The console's "Revoke active sessions" policy: deny everything to credentials issued before `at`. */
export function revokeOlderSessionsPolicy(atMs: number): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'MfaguardRevokeOlderSessions',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': new Date(atMs).toISOString() } },
      },
    ],
  });
}

export const revokeSessionsAction: ResponseAction = {
  kind: 'revoke-sessions',
  title: 'Revoke sessions and the access keys created after the removal',
  targetKinds: ['role', 'user'],
  undoable: true,
  caution:
    'on a role this ends the sessions of everyone using it; a user loses only the keys created after the removal',
  permissions: {
    apply: ['iam:PutRolePolicy', 'iam:ListAccessKeys', 'iam:UpdateAccessKey'],
    undo: ['iam:DeleteRolePolicy', 'iam:UpdateAccessKey'],
  },
  plan(target, context) {
    if (target.kind === 'role') {
      return [
        {
          api: 'PutRolePolicy',
          input: {
            RoleName: target.name,
            PolicyName: REVOKE_POLICY_NAME,
            PolicyDocument: revokeOlderSessionsPolicy(context.nowMs),
          },
          description: `deny every session of role ${target.name} issued before ${new Date(context.nowMs).toISOString()}`,
        },
      ];
    }
    const after = new Date(context.removalAtMs).toISOString();
    return [
      {
        api: 'UpdateAccessKey',
        input: {
          UserName: target.name,
          AccessKeyId: `(each active key created after ${after})`,
          Status: 'Inactive',
        },
        description: `deactivate the access keys of ${target.name} created after the MFA removal (${after})`,
      },
    ];
  },
  async resolve(iam, target, context) {
    if (target.kind === 'role') {
      return {
        calls: [
          {
            api: 'PutRolePolicy',
            input: {
              RoleName: target.name,
              PolicyName: REVOKE_POLICY_NAME,
              PolicyDocument: revokeOlderSessionsPolicy(context.nowMs),
            },
          },
        ],
        notes: [],
      };
    }
    const calls: IamCall[] = [];
    const notes: string[] = [];
    try {
      const { paginateListAccessKeys } = await import('@aws-sdk/client-iam');
      for await (const page of paginateListAccessKeys({ client: iam }, { UserName: target.name })) {
        for (const key of page.AccessKeyMetadata ?? []) {
          if (key.AccessKeyId === undefined) continue;
          const created = key.CreateDate?.getTime() ?? Number.NaN;
          if (!(created >= context.removalAtMs)) continue;
          // Only keys active now: one already inactive is left alone, so an undo never revives it.
          if (key.Status !== 'Active') {
            notes.push(`${key.AccessKeyId} was already ${key.Status ?? 'inactive'}`);
            continue;
          }
          calls.push({
            api: 'UpdateAccessKey',
            input: { UserName: target.name, AccessKeyId: key.AccessKeyId, Status: 'Inactive' },
          });
        }
      }
    } catch (error) {
      throw asExternal({ api: 'ListAccessKeys' }, error);
    }
    if (calls.length === 0 && notes.length === 0) notes.push('no access key was created after the removal');
    return { calls, notes };
  },
  undo(applied) {
    return applied.flatMap((call): IamCall[] => {
      if (call.api === 'UpdateAccessKey')
        return [{ api: 'UpdateAccessKey', input: { ...call.input, Status: 'Active' } }];
      if (call.api === 'PutRolePolicy')
        return [
          {
            api: 'DeleteRolePolicy',
            input: { RoleName: call.input.RoleName, PolicyName: call.input.PolicyName },
          },
        ];
      return [];
    });
  },
};
