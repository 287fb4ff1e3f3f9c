// The store's part of the response: one row per action planned on a case, through planned -> applying -> applied/failed -> undone.

/**
 * `planned`: recorded, waiting (dry run, an approval, a delay, a safeguard; see `hold`) or due. `applying`: claimed by a
 * worker under a lease; its IAM calls are recorded before any is sent, so a worker killed here leaves a row another
 * worker resends once the lease runs out (each call is idempotent). `refused`: a safeguard forbids it outright
 * (break-glass, protected); it is never applied.
 */
export type ResponseActionState = 'planned' | 'applying' | 'applied' | 'failed' | 'undone' | 'refused';

export const RESPONSE_ACTION_STATES: readonly ResponseActionState[] = [
  'planned',
  'applying',
  'applied',
  'failed',
  'undone',
  'refused',
];

export interface StoredResponseAction {
  readonly id: string;
  readonly caseId: string;
  readonly kind: string;
  readonly targetKind: 'user' | 'role';
  readonly account: string | null;
  readonly targetName: string;
  readonly state: ResponseActionState;
  /** Why a planned action waits (`dry-run`, `approval`, `delay`, `rate-limit`, `last-admin`, ...); null: due. */
  readonly hold: string | null;
  /** The hold or refusal in words, for the case page. */
  readonly holdReason: string | null;
  /** The steps as planned (what a dry run shows). */
  readonly plan: unknown;
  /** The IAM writes resolved at apply time, recorded before the first is sent; null until then. */
  readonly calls: unknown;
  readonly notes: readonly string[];
  /** Why it was planned: the rule and the classification that triggered it. */
  readonly reason: string;
  readonly requestedBy: string;
  readonly approvedBy: string | null;
  /** Not applied before this time (the rule's delay). */
  readonly notBefore: number;
  readonly attempts: number;
  readonly leaseOwner: string | null;
  readonly leaseUntil: number | null;
  readonly error: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly appliedAt: number | null;
  readonly undoneAt: number | null;
  readonly undoneBy: string | null;
}

export interface PlanResponseActionInput {
  readonly caseId: string;
  readonly kind: string;
  readonly targetKind: 'user' | 'role';
  readonly account: string | null;
  readonly targetName: string;
  readonly state: 'planned' | 'refused';
  readonly hold: string | null;
  readonly holdReason: string | null;
  readonly plan: unknown;
  readonly reason: string;
  readonly notBeforeMs: number;
  readonly actor: string;
  readonly nowMs: number;
}

/** The fields a change may set; the others keep their value. */
export interface ResponseActionPatch {
  readonly state?: ResponseActionState;
  readonly hold?: string | null;
  readonly holdReason?: string | null;
  readonly calls?: unknown;
  readonly notes?: readonly string[];
  readonly approvedBy?: string | null;
  readonly notBefore?: number;
  readonly leaseOwner?: string | null;
  readonly leaseUntil?: number | null;
  readonly attempts?: number;
  readonly error?: string | null;
  readonly appliedAt?: number | null;
  readonly undoneAt?: number | null;
  readonly undoneBy?: string | null;
}

export interface ResponseActionQuery {
  readonly caseId?: string;
  readonly states?: readonly ResponseActionState[];
  /** Only actions applied at or after this time. */
  readonly appliedSince?: number;
  /** Default 1000. */
  readonly limit?: number;
}

export interface ResponseActionsTx {
  /**
   * Records an action on a case, once: planning the same (case, kind, target) again returns the row already there
   * (`created: false`), whatever its state, so an action a person undid is not planned again. Audited on the case.
   */
  planResponseAction(
    input: PlanResponseActionInput,
  ): Promise<{ readonly action: StoredResponseAction; readonly created: boolean }>;
  getResponseAction(id: string): Promise<StoredResponseAction | null>;
  /** Oldest first. */
  listResponseActions(query: ResponseActionQuery): Promise<StoredResponseAction[]>;
  /**
   * Compare-and-set: changes the action only while its state is one of `expect`, and audits the change on its case
   * (who, why). Null when the state was another (someone else moved it first); NotFoundError when absent.
   */
  updateResponseAction(
    id: string,
    expect: readonly ResponseActionState[],
    patch: ResponseActionPatch,
    change: { readonly actor: string; readonly nowMs: number; readonly note: string },
  ): Promise<StoredResponseAction | null>;
}
