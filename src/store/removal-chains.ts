// The store's part in bursts: one summary row per caller and account of its chain of MFA removals, so triaging a
// removal reads its burst standing instead of the chain (a burst of n removals read n rows for each of them).

/**
 * The newest state of one caller's removals in one account, as triage left it. Kept by the live service in the
 * transaction that stores each removal; a row that disagrees with the stored events is rebuilt from them.
 */
export interface RemovalChain {
  /** See `actorKeyOf`. */
  readonly actorKey: string;
  readonly account: string | null;
  /** The newest successful removal (null: no removal summarised yet, e.g. a row holding only a failed attempt). */
  readonly lastId: string | null;
  readonly lastMs: number | null;
  /** The first removal of the newest burst (null: none yet). */
  readonly burstFirstId: string | null;
  readonly burstFirstMs: number | null;
  /** Distinct target users of that burst up to `lastId`. */
  readonly burstUsers: number;
  /** The newest refused DeactivateMFADevice by the caller (a precursor of its later removals). */
  readonly failedMs: number | null;
}

export interface RemovalChainsTx {
  /**
   * The caller's row, null when there is none. Inside a transaction on PostgreSQL the row is locked until it ends (a
   * missing one is created empty first, so two writers of one caller's removals take turns); SQLite has one writer.
   */
  lockRemovalChain(actorKey: string, account: string | null): Promise<RemovalChain | null>;
  /** Writes the row (insert or replace). */
  putRemovalChain(chain: RemovalChain): Promise<void>;
}
