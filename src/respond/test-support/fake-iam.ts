// A stateful IAM behind aws-sdk-client-mock for the respond tests: attachments, access keys, login profiles, role policies.

import {
  AttachUserPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteRolePolicyCommand,
  DetachUserPolicyCommand,
  GetLoginProfileCommand,
  IAMClient,
  IAMServiceException,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { AccessKeyMetadata } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClientStub } from 'aws-sdk-client-mock';

export interface FakeIamState {
  /** user -> attached managed policy ARNs */
  readonly attached: Map<string, Set<string>>;
  /** user -> access keys */
  readonly keys: Map<string, AccessKeyMetadata[]>;
  /** users with a console password */
  readonly loginProfiles: Set<string>;
  /** `role/policyName` -> document */
  readonly rolePolicies: Map<string, string>;
}

export interface FakeIam {
  readonly state: FakeIamState;
  readonly mock: AwsClientStub<IAMClient>;
  readonly client: IAMClient;
  /** Names of the write calls made, in order (reads are left out). */
  readonly writes: string[];
}

/** IAM's answer when mfaguard's role may not attach the quarantine policy: permanent, so the action fails at once. */
export const accessDenied = (): IAMServiceException =>
  new IAMServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message:
      'User: arn:aws:sts::111122223333:assumed-role/mfaguard/x is not authorized to perform: iam:AttachUserPolicy',
  });

const noSuchEntity = (message: string): NoSuchEntityException =>
  new NoSuchEntityException({ message, $metadata: { httpStatusCode: 404 } });

/** Shapes as in the IAM API reference: ListAttachedUserPolicies pages with IsTruncated/Marker, keys with CreateDate. */
export function fakeIam(
  initial: Partial<FakeIamState> = {},
  options: { readonly afterWrite?: (api: string) => void } = {},
): FakeIam {
  const state: FakeIamState = {
    attached: initial.attached ?? new Map<string, Set<string>>(),
    keys: initial.keys ?? new Map<string, AccessKeyMetadata[]>(),
    loginProfiles: initial.loginProfiles ?? new Set(),
    rolePolicies: initial.rolePolicies ?? new Map<string, string>(),
  };
  const writes: string[] = [];
  const wrote = (entry: string): void => {
    writes.push(entry);
    options.afterWrite?.(entry);
  };
  const mock = mockClient(IAMClient);
  mock.on(ListAttachedUserPoliciesCommand).callsFake((input: { UserName: string; Marker?: string }) => {
    const arns = [...(state.attached.get(input.UserName) ?? [])];
    // One policy a page, to exercise pagination.
    const at = input.Marker === undefined ? 0 : Number(input.Marker);
    const page = arns.slice(at, at + 1);
    return {
      AttachedPolicies: page.map((arn) => ({ PolicyArn: arn, PolicyName: arn.split('/').pop() })),
      IsTruncated: at + 1 < arns.length,
      ...(at + 1 < arns.length ? { Marker: String(at + 1) } : {}),
    };
  });
  mock.on(AttachUserPolicyCommand).callsFake((input: { UserName: string; PolicyArn: string }) => {
    const set = state.attached.get(input.UserName) ?? new Set<string>();
    set.add(input.PolicyArn);
    state.attached.set(input.UserName, set);
    wrote('AttachUserPolicy');
    return {};
  });
  mock.on(DetachUserPolicyCommand).callsFake((input: { UserName: string; PolicyArn: string }) => {
    wrote('DetachUserPolicy');
    if (!(state.attached.get(input.UserName)?.delete(input.PolicyArn) ?? false))
      throw noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
    return {};
  });
  mock.on(ListAccessKeysCommand).callsFake((input: { UserName: string }) => ({
    AccessKeyMetadata: (state.keys.get(input.UserName) ?? []).map((key) => ({ ...key })),
    IsTruncated: false,
  }));
  mock
    .on(UpdateAccessKeyCommand)
    .callsFake((input: { UserName: string; AccessKeyId: string; Status: 'Active' | 'Inactive' }) => {
      wrote(`UpdateAccessKey:${input.AccessKeyId}:${input.Status}`);
      const key = (state.keys.get(input.UserName) ?? []).find((k) => k.AccessKeyId === input.AccessKeyId);
      if (key === undefined)
        throw noSuchEntity(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
      key.Status = input.Status;
      return {};
    });
  mock.on(GetLoginProfileCommand).callsFake((input: { UserName: string }) => {
    if (!state.loginProfiles.has(input.UserName))
      throw noSuchEntity(`Login Profile for User ${input.UserName} cannot be found.`);
    return {
      LoginProfile: { UserName: input.UserName, CreateDate: new Date(0), PasswordResetRequired: false },
    };
  });
  mock.on(DeleteLoginProfileCommand).callsFake((input: { UserName: string }) => {
    wrote('DeleteLoginProfile');
    if (!state.loginProfiles.delete(input.UserName))
      throw noSuchEntity(`Login Profile for User ${input.UserName} cannot be found.`);
    return {};
  });
  mock
    .on(PutRolePolicyCommand)
    .callsFake((input: { RoleName: string; PolicyName: string; PolicyDocument: string }) => {
      wrote('PutRolePolicy');
      state.rolePolicies.set(`${input.RoleName}/${input.PolicyName}`, input.PolicyDocument);
      return {};
    });
  mock.on(DeleteRolePolicyCommand).callsFake((input: { RoleName: string; PolicyName: string }) => {
    wrote('DeleteRolePolicy');
    if (!state.rolePolicies.delete(`${input.RoleName}/${input.PolicyName}`))
      throw noSuchEntity(`The role policy with name ${input.PolicyName} cannot be found.`);
    return {};
  });
  return { state, mock, client: new IAMClient({ region: 'us-east-1' }), writes };
}

/** Carol's access keys in the end-to-end stories: her own, and one the intruder created a minute after the removal. */
export function carolAndIntruderKeys(): Map<string, AccessKeyMetadata[]> {
  return new Map([
    [
      'carol',
      [
        {
          UserName: 'carol',
          AccessKeyId: 'AKIACAROL',
          Status: 'Active',
          CreateDate: new Date('2026-01-01T00:00:00Z'),
        },
        {
          UserName: 'carol',
          AccessKeyId: 'AKIAINTRUDER',
          Status: 'Active',
          CreateDate: new Date('2026-11-18T02:15:00Z'),
        },
      ],
    ],
  ]);
}
