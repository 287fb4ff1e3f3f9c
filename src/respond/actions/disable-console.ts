// Disable console sign-in: delete the user's login profile. Not undoable (the password is gone), so quarantine is preferred.

import { NotUndoableError } from '../action.ts';
import type { ResponseAction } from '../action.ts';
import { asExternal, isNoSuchEntity } from '../iam-calls.ts';

export const disableConsoleAction: ResponseAction = {
  kind: 'disable-console',
  title: 'Disable console sign-in (delete the login profile)',
  targetKinds: ['user'],
  undoable: false,
  caution:
    'cannot be undone: the console password is deleted and a new one must be set and handed over; prefer quarantine',
  permissions: { apply: ['iam:DeleteLoginProfile', 'iam:GetLoginProfile'], undo: [] },
  plan(target) {
    return [
      {
        api: 'DeleteLoginProfile',
        input: { UserName: target.name },
        description: `delete the console password of ${target.name} (not undoable)`,
      },
    ];
  },
  async resolve(iam, target) {
    try {
      const { GetLoginProfileCommand } = await import('@aws-sdk/client-iam');
      await iam.send(new GetLoginProfileCommand({ UserName: target.name }));
    } catch (error) {
      if (isNoSuchEntity(error)) return { calls: [], notes: [`${target.name} has no console password`] };
      throw asExternal({ api: 'GetLoginProfile' }, error);
    }
    return { calls: [{ api: 'DeleteLoginProfile', input: { UserName: target.name } }], notes: [] };
  },
  undo(applied) {
    if (applied.length === 0) return [];
    throw new NotUndoableError(
      'a deleted console password cannot be restored: set a new one (CreateLoginProfile) and hand it to the owner',
    );
  },
};
