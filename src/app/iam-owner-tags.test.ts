// Owners from IAM user tags: the tags are read (paginated), cached, and a missing user is no owner, not an error.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IAMClient, ListUserTagsCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { tagOwnerLookup } from '../cases/index.ts';
import { ExternalError } from '../model/index.ts';
import { createIamTagReader } from './iam-owner-tags.ts';

describe('owners from IAM user tags', () => {
  it('finds the owner in the tags, across pages, and reuses them within the cache time', async () => {
    const iam = mockClient(IAMClient);
    iam
      .on(ListUserTagsCommand, { UserName: 'carol' })
      .resolvesOnce({ Tags: [{ Key: 'team', Value: 'platform' }], IsTruncated: true, Marker: 'm1' })
      .resolvesOnce({ Tags: [{ Key: 'Owner-Email', Value: 'carol.lead@example.com' }], IsTruncated: false });
    let now = 0;
    const reader = createIamTagReader(new IAMClient({ region: 'us-east-1' }), {
      clock: () => now,
      ttlMs: 60_000,
    });
    const lookup = tagOwnerLookup(reader, ['owner-email']);
    assert.equal(await lookup({ account: '111122223333', userName: 'carol' }), 'carol.lead@example.com');
    now = 30_000;
    assert.equal(await lookup({ account: '111122223333', userName: 'carol' }), 'carol.lead@example.com');
    assert.equal(iam.commandCalls(ListUserTagsCommand).length, 2, 'two pages once, then the cache');
    assert.deepEqual(iam.commandCalls(ListUserTagsCommand)[1]?.args[0].input, {
      UserName: 'carol',
      Marker: 'm1',
    });
    iam.restore();
  });

  it('a user that does not exist in this account has no owner here', async () => {
    const iam = mockClient(IAMClient);
    iam
      .on(ListUserTagsCommand)
      .rejects(
        new NoSuchEntityException({ message: 'The user with name ghost cannot be found.', $metadata: {} }),
      );
    const reader = createIamTagReader(new IAMClient({ region: 'us-east-1' }), { clock: () => 0 });
    assert.equal(await reader({ account: null, userName: 'ghost' }), null);
    iam.restore();
  });

  it('access denied is an outside-world error, for the owner chain to log and skip', async () => {
    const iam = mockClient(IAMClient);
    const denied = Object.assign(new Error('not authorized to perform iam:ListUserTags'), {
      name: 'AccessDenied',
    });
    iam.on(ListUserTagsCommand).rejects(denied);
    const reader = createIamTagReader(new IAMClient({ region: 'us-east-1' }), { clock: () => 0 });
    await assert.rejects(
      reader({ account: null, userName: 'bob' }),
      (error: unknown) => error instanceof ExternalError && /ListUserTags/.test(error.message),
    );
    iam.restore();
  });
});
