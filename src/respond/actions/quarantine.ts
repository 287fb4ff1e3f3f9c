// Quarantine: attach the guardrails quarantine policy to the user (deny everything but enrolling a device); undo detaches it.

import type { IamCall, ResponseAction } from '../action.ts';
import { userHasPolicy } from '../iam-calls.ts';

export const quarantineAction: ResponseAction = {
  kind: 'quarantine',
  title: 'Quarantine the user until a new MFA device is enrolled',
  targetKinds: ['user'],
  undoable: true,
  caution: null,
  permissions: {
    apply: ['iam:AttachUserPolicy', 'iam:ListAttachedUserPolicies'],
    undo: ['iam:DetachUserPolicy'],
  },
  plan(target, context) {
    return [
      {
        api: 'AttachUserPolicy',
        input: { UserName: target.name, PolicyArn: context.quarantinePolicyArn },
        description: `attach the quarantine policy to ${target.name}: everything but enrolling a new MFA device is denied`,
      },
    ];
  },
  async resolve(iam, target, context) {
    // Attached before mfaguard acted (by a person, or another tool): left alone, and so never detached by an undo.
    if (await userHasPolicy(iam, target.name, context.quarantinePolicyArn))
      return { calls: [], notes: [`${context.quarantinePolicyArn} was already attached to ${target.name}`] };
    return {
      calls: [
        { api: 'AttachUserPolicy', input: { UserName: target.name, PolicyArn: context.quarantinePolicyArn } },
      ],
      notes: [],
    };
  },
  undo(applied) {
    return applied.flatMap((call): IamCall[] =>
      call.api === 'AttachUserPolicy' ? [{ api: 'DetachUserPolicy', input: { ...call.input } }] : [],
    );
  },
};
