// What every response action is: a plan (the AWS calls it would make), the exact calls to make, their undo, its permissions.

import type { IAMClient } from '@aws-sdk/client-iam';
import { ConflictError } from '../store/errors.ts';

export const ACTION_KINDS = ['disable-console', 'quarantine', 'revoke-sessions'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export function isActionKind(value: unknown): value is ActionKind {
  return typeof value === 'string' && (ACTION_KINDS as readonly string[]).includes(value);
}

/** Whom an action changes: the case's IAM user, or the role a remover acted through. */
export interface ResponseTarget {
  readonly kind: 'user' | 'role';
  readonly account: string | null;
  readonly name: string;
}

/**
 * The IAM writes mfaguard makes, with request shapes as in the IAM API reference. Recorded on the action before
 * any is sent, so a restart resends exactly these (each is idempotent, see iam-calls.ts) and undo reverses exactly these.
 */
export type IamCall =
  | { readonly api: 'AttachUserPolicy'; readonly input: { UserName: string; PolicyArn: string } }
  | { readonly api: 'DetachUserPolicy'; readonly input: { UserName: string; PolicyArn: string } }
  | {
      readonly api: 'UpdateAccessKey';
      readonly input: { UserName: string; AccessKeyId: string; Status: 'Active' | 'Inactive' };
    }
  | {
      readonly api: 'PutRolePolicy';
      readonly input: { RoleName: string; PolicyName: string; PolicyDocument: string };
    }
  | { readonly api: 'DeleteRolePolicy'; readonly input: { RoleName: string; PolicyName: string } }
  | { readonly api: 'DeleteLoginProfile'; readonly input: { UserName: string } };

/** One line of a plan: an AWS call (the input may name a set IAM must list first) and what it does, in words. */
export interface PlannedStep {
  readonly api: string;
  readonly input: Readonly<Record<string, string>>;
  readonly description: string;
}

export interface ActionContext {
  /** When the MFA device was removed: access keys created after it are presumed the intruder's. */
  readonly removalAtMs: number;
  /** Now: role sessions issued before this are revoked. */
  readonly nowMs: number;
  /** The quarantine managed policy in the target's account (see `quarantinePolicyArn` in config.ts). */
  readonly quarantinePolicyArn: string;
}

/** The exact writes to make, read from IAM at apply time, plus what was found and left alone. */
export interface ResolvedAction {
  readonly calls: readonly IamCall[];
  readonly notes: readonly string[];
}

export interface ResponseAction {
  readonly kind: ActionKind;
  readonly title: string;
  readonly targetKinds: readonly ResponseTarget['kind'][];
  readonly undoable: boolean;
  /** Shown with every plan of this action (e.g. why it cannot be undone); null when there is nothing to warn of. */
  readonly caution: string | null;
  /** IAM actions the service's credentials need, listed in docs/respond.md. */
  readonly permissions: { readonly apply: readonly string[]; readonly undo: readonly string[] };
  /** Pure: what it would change, for a dry run; no AWS call. */
  plan(target: ResponseTarget, context: ActionContext): PlannedStep[];
  /** Reads IAM (never writes) and returns the writes to make. */
  resolve(iam: IAMClient, target: ResponseTarget, context: ActionContext): Promise<ResolvedAction>;
  /** The writes that reverse `applied`, in order; throws NotUndoableError when there are none. */
  undo(applied: readonly IamCall[]): IamCall[];
}

/** Asked to undo what cannot be undone (a deleted console password): the user's request, HTTP 409 / exit 2. */
export class NotUndoableError extends ConflictError {
  override readonly name = 'NotUndoableError';
}

export function describeTarget(target: ResponseTarget): string {
  return `${target.kind} ${target.account === null ? '' : `${target.account}/`}${target.name}`;
}
