// Posture snapshots, as a store repository (the SQL lives in posture-snapshots-sql.ts).

import type {
  PostureSnapshotInput,
  PostureSnapshotQuery,
  PostureSnapshotSummary,
  StoredPostureSnapshot,
} from '../posture-snapshots.ts';
import { POSTURE_SNAPSHOT_SOURCES } from '../posture-snapshots.ts';
import * as postureSql from './posture-snapshots-sql.ts';
import { invalid, requireText, requireTime, SqlRepository } from './sql-helpers.ts';

/** Posture snapshots. */
export class PostureSnapshotsRepo extends SqlRepository {
  recordPostureSnapshot(input: PostureSnapshotInput): Promise<PostureSnapshotSummary> {
    requireText(input.accountId, 'accountId');
    requireTime(input.takenAt, 'takenAt');
    if (!(POSTURE_SNAPSHOT_SOURCES as readonly string[]).includes(input.source))
      throw invalid(
        'source',
        `expected one of ${POSTURE_SNAPSHOT_SOURCES.join(', ')}, got ${JSON.stringify(input.source)}`,
      );
    for (const field of ['consoleUsers', 'consoleUsersWithMfa', 'mfaEnforcedByPolicy'] as const) {
      const value = input[field];
      if (!Number.isInteger(value) || value < 0)
        throw invalid(field, `expected a count, got ${String(value)}`);
    }
    if (input.cisScore !== null && !Number.isFinite(input.cisScore))
      throw invalid('cisScore', `expected a number or null, got ${String(input.cisScore)}`);
    return postureSql.recordPostureSnapshot(this.conn, this.dialect, input);
  }

  listPostureSnapshots(query: PostureSnapshotQuery): Promise<PostureSnapshotSummary[]> {
    if (query.from !== undefined) requireTime(query.from, 'from');
    if (query.to !== undefined) requireTime(query.to, 'to');
    return postureSql.listPostureSnapshots(this.conn, this.dialect, query);
  }

  getPostureSnapshot(id: string): Promise<StoredPostureSnapshot | null> {
    return postureSql.getPostureSnapshot(this.conn, this.dialect, id);
  }

  latestPostureSnapshots(query: { readonly accountId?: string } = {}): Promise<StoredPostureSnapshot[]> {
    return postureSql.latestPostureSnapshots(this.conn, this.dialect, query);
  }
}
