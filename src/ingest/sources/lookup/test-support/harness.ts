// The lookup-events source's contract harness: CloudTrail LookupEvents mocked at the SDK.

import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { Event as CloudTrailLookupEvent } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { createLookupSource, lookupCheckpointKey } from '../lookup-source.ts';
import { CONTRACT_ACCOUNT, contractRecord, passingSleep } from '../../test-support/live-source.contract.ts';
import type { LiveSourceHarness } from '../../test-support/live-source.contract.ts';

/** LookupEvents answering the offered events; acknowledged once the checkpoint is past the event's time. */
export function makeHarness(): Promise<LiveSourceHarness> {
  const mock = mockClient(CloudTrailClient);
  const events: CloudTrailLookupEvent[] = [];
  const times = new Map<string, number>();
  mock.on(LookupEventsCommand).callsFake(() => ({ Events: [...events] }));
  return Promise.resolve({
    create: (sink, store, time) =>
      createLookupSource({
        client: new CloudTrailClient({ region: 'us-east-1' }),
        account: CONTRACT_ACCOUNT,
        region: 'us-east-1',
        sink,
        store,
        clock: time.clock,
        sleep: passingSleep(time),
        eventNames: ['DeactivateMFADevice'],
      }),
    offer: (eventId, time) => {
      times.set(eventId, time.clock());
      events.push({
        EventId: eventId,
        EventName: 'DeactivateMFADevice',
        CloudTrailEvent: JSON.stringify(contractRecord(eventId, time.clock())),
      });
      return Promise.resolve();
    },
    acknowledged: async (eventId, store) => {
      const checkpoint = await store.getCheckpoint(
        lookupCheckpointKey(CONTRACT_ACCOUNT, 'us-east-1', 'DeactivateMFADevice'),
      );
      return checkpoint !== null && Date.parse(checkpoint) >= (times.get(eventId) ?? Infinity);
    },
    close: () => {
      mock.restore();
      return Promise.resolve();
    },
  });
}
