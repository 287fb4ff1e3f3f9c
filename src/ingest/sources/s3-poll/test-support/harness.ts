// The s3-poll source's contract harness: a trail bucket in s3rver.

import { gzipSync } from 'node:zlib';
import { createS3PollSource, s3PollCheckpointKey } from '../s3-poll-source.ts';
import { CONTRACT_ACCOUNT, contractRecord, passingSleep } from '../../test-support/live-source.contract.ts';
import type { LiveSourceHarness } from '../../test-support/live-source.contract.ts';
import { startLocalS3 } from '../../test-support/live-testkit.ts';

/** A trail bucket in s3rver; a file is acknowledged once the region's checkpoint reached its key. */
export async function makeHarness(): Promise<LiveSourceHarness> {
  const s3 = await startLocalS3(['trail']);
  const region = `AWSLogs/${CONTRACT_ACCOUNT}/CloudTrail/us-east-1/`;
  const keys = new Map<string, string>();
  return {
    create: (sink, store, time) =>
      createS3PollSource({
        client: s3.client,
        url: 's3://trail/AWSLogs/',
        sink,
        store,
        clock: time.clock,
        sleep: passingSleep(time),
        workerId: 'contract',
      }),
    offer: async (eventId, time) => {
      const at = new Date(time.clock());
      const stamp = at.toISOString().slice(0, 16).replace(/[-:]/g, '');
      const key = `${region}${at.toISOString().slice(0, 10).replace(/-/g, '/')}/${CONTRACT_ACCOUNT}_CloudTrail_us-east-1_${stamp}Z_${eventId}.json.gz`;
      keys.set(eventId, key);
      await s3.put(
        'trail',
        key,
        gzipSync(JSON.stringify({ Records: [contractRecord(eventId, time.clock())] })),
      );
    },
    acknowledged: async (eventId, store) => {
      const checkpoint = await store.getCheckpoint(s3PollCheckpointKey('trail', region));
      const key = keys.get(eventId);
      return checkpoint !== null && key !== undefined && checkpoint >= key;
    },
    close: () => s3.close(),
  };
}
