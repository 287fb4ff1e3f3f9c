// ARNs posture builds (account and root resources, users an event created, the stand-in user) in aws-us-gov and aws-cn.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudTrailEvent } from '../model/index.ts';
import { accountResource, rootResource, snapshotPartition } from './checks/check.ts';
import type { AccountSnapshot } from './collect/snapshot.ts';
import { applyPostureEvents } from './events/apply-events.ts';
import { iamEvent } from './test-support/events.ts';
import { ACCOUNT, emptySnapshot, withReport } from './test-support/posture.ts';

/** The value as the partition's AWS would return it: the standard partition's ARNs moved to `partition`. */
const moved = <T>(value: T, partition: string): T =>
  JSON.parse(JSON.stringify(value).replaceAll('arn:aws:', `arn:${partition}:`)) as T;

const REGIONS: Record<string, string> = { 'aws-us-gov': 'us-gov-west-1', 'aws-cn': 'cn-north-1' };

for (const partition of ['aws-us-gov', 'aws-cn']) {
  describe(`posture in ${partition}`, () => {
    it("the account and root resources take the partition of the snapshot's ARNs", () => {
      const snapshot = moved(withReport([{ user: 'alice', password: 'true' }]), partition);
      assert.equal(snapshotPartition(snapshot), partition);
      assert.equal(accountResource(snapshot).arn, `arn:${partition}:iam::${ACCOUNT}:root`);
      assert.equal(rootResource(snapshot, null).arn, `arn:${partition}:iam::${ACCOUNT}:root`);
    });

    it('a user an event created (no ARN in the response) and its device get ARNs of the partition', () => {
      const before: AccountSnapshot = moved(withReport([{ user: 'alice', password: 'true' }]), partition);
      const event = (name: string, params: Record<string, unknown>, time: string): CloudTrailEvent => {
        const plain = iamEvent(name, params, time);
        return { ...moved(plain, partition), region: REGIONS[partition]! };
      };
      const applied = applyPostureEvents(before, [
        event('CreateUser', { userName: 'dave' }, '2024-06-01T01:00:00Z'),
        event(
          'EnableMFADevice',
          { userName: 'dave', serialNumber: `arn:${partition}:iam::${ACCOUNT}:mfa/dave` },
          '2024-06-01T02:00:00Z',
        ),
      ]);
      const report = applied.snapshot.credentialReport;
      assert.equal(report.state, 'collected');
      const dave =
        report.state === 'collected' ? report.value.users.find((row) => row.user === 'dave') : undefined;
      assert.equal(dave?.arn, `arn:${partition}:iam::${ACCOUNT}:user/dave`);
    });
  });
}

describe('posture partition without ARNs', () => {
  it('is the standard partition', () => {
    assert.equal(snapshotPartition(emptySnapshot()), 'aws');
    assert.equal(accountResource(emptySnapshot()).arn, `arn:aws:iam::${ACCOUNT}:root`);
  });
});
