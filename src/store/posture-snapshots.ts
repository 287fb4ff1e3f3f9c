// The store's part of posture in the service: each audit's snapshot and findings, and the event-updated states between.

import type { Finding } from '../model/index.ts';

export const POSTURE_SNAPSHOT_SOURCES = ['audit', 'events'] as const;
/** A scheduled or manual audit, or the state after CloudTrail events updated the last audit. */
export type PostureSnapshotSource = (typeof POSTURE_SNAPSHOT_SOURCES)[number];

/** The figures trends are drawn from (KPI charts read these, never the findings). */
export interface PostureSnapshotSummary {
  id: string;
  accountId: string;
  /** Epoch ms. */
  takenAt: number;
  source: PostureSnapshotSource;
  consoleUsers: number;
  consoleUsersWithMfa: number;
  mfaEnforcedByPolicy: number;
  cisScore: number | null;
}

/** One fact that an event changed after the last audit: the dashboard says where it came from and since when. */
export interface PostureEventFact {
  readonly userName: string;
  /** What changed, e.g. `console-password`, `mfa-device`, `user`, `policies`. */
  readonly fact: string;
  /** The new value in words, e.g. `created`, `deleted`, `enabled arn:aws:iam::1:mfa/a`. */
  readonly change: string;
  readonly eventName: string;
  readonly eventId: string;
  /** The event's time, epoch ms. */
  readonly at: number;
}

export interface PostureSnapshotInput {
  readonly accountId: string;
  readonly takenAt: number;
  readonly source: PostureSnapshotSource;
  readonly consoleUsers: number;
  readonly consoleUsersWithMfa: number;
  readonly mfaEnforcedByPolicy: number;
  readonly cisScore: number | null;
  /** The collected account state the findings rest on (JSON), kept so later events can update it. */
  readonly state: unknown;
  readonly findings: readonly Finding[];
  /** Empty for an audit; for an event-updated state, every fact events changed since `basedOn`. */
  readonly eventFacts: readonly PostureEventFact[];
  /** The audit snapshot an event-updated state started from; null for an audit. */
  readonly basedOn: string | null;
}

export interface StoredPostureSnapshot extends PostureSnapshotSummary {
  readonly state: unknown;
  readonly findings: readonly Finding[];
  readonly eventFacts: readonly PostureEventFact[];
  readonly basedOn: string | null;
}

export interface PostureSnapshotQuery {
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
  accountId?: string;
  /**
   * With `from`: also the latest snapshot of each account taken before `from` (first), so a window with no audit
   * in it still knows the posture it started with.
   */
  carryIn?: boolean;
}

export interface PostureSnapshotsTx {
  /** Stores a snapshot and its findings in one step; returns its summary with the new id. */
  recordPostureSnapshot(input: PostureSnapshotInput): Promise<PostureSnapshotSummary>;
  /** Trends: summaries in [from, to), oldest first (ties by id), optionally for one account (and see `carryIn`). */
  listPostureSnapshots(query: PostureSnapshotQuery): Promise<PostureSnapshotSummary[]>;
  /** One snapshot with its state, findings and event facts; null when there is none by that id. */
  getPostureSnapshot(id: string): Promise<StoredPostureSnapshot | null>;
  /** The newest snapshot of each account (by takenAt, then id), ordered by account id; or of one account. */
  latestPostureSnapshots(query?: { readonly accountId?: string }): Promise<StoredPostureSnapshot[]>;
}
