// The store contract's part on removal chain summaries: absent, written, replaced, per caller and account, and kept
// or dropped with the transaction that wrote it.

import assert from 'node:assert/strict';
import type { RemovalChain } from '../removal-chains.ts';
import type { Store } from '../store.ts';

type ContractTest = (title: string, body: (open: () => Promise<Store>) => Promise<void>) => void;

const T0 = Date.UTC(2024, 0, 2, 12, 0, 0);
const chain = (overrides: Partial<RemovalChain> = {}): RemovalChain => ({
  actorKey: 'arn:aws:iam::111122223333:user/mallory',
  account: '111122223333',
  lastId: 'r-2',
  lastMs: T0 + 2_000,
  burstFirstId: 'r-1',
  burstFirstMs: T0 + 1_000,
  burstUsers: 2,
  failedMs: null,
  ...overrides,
});

/** A row read back, or the empty row a PostgreSQL lock leaves for a caller seen first: both mean "nothing yet". */
const empty = (row: RemovalChain | null): boolean => row === null || row.lastId === null;

export function defineRemovalChainsContract(test: ContractTest): void {
  test('removal chains: none at first; written, read back and replaced whole', async (open) => {
    const store = await open();
    assert.ok(empty(await store.lockRemovalChain(chain().actorKey, chain().account)));
    await store.putRemovalChain(chain());
    assert.deepEqual(await store.lockRemovalChain(chain().actorKey, chain().account), chain());
    const next = chain({ lastId: 'r-3', lastMs: T0 + 3_000, burstUsers: 3, failedMs: T0 });
    await store.putRemovalChain(next);
    assert.deepEqual(await store.lockRemovalChain(chain().actorKey, chain().account), next);
    const cleared = chain({ burstFirstId: null, burstFirstMs: null, burstUsers: 0 });
    await store.putRemovalChain(cleared);
    assert.deepEqual(await store.lockRemovalChain(chain().actorKey, chain().account), cleared);
  });

  test('removal chains: one row per caller and account; no account is its own key', async (open) => {
    const store = await open();
    await store.putRemovalChain(chain());
    await store.putRemovalChain(chain({ account: null, lastId: 'x-1' }));
    await store.putRemovalChain(chain({ actorKey: 'AIDAOTHER', lastId: 'y-1' }));
    assert.equal((await store.lockRemovalChain(chain().actorKey, chain().account))?.lastId, 'r-2');
    assert.deepEqual(
      await store.lockRemovalChain(chain().actorKey, null),
      chain({ account: null, lastId: 'x-1' }),
    );
    assert.equal((await store.lockRemovalChain('AIDAOTHER', chain().account))?.lastId, 'y-1');
    assert.ok(empty(await store.lockRemovalChain('AIDAOTHER', null)));
  });

  test('removal chains: a rolled-back write leaves the row as it was', async (open) => {
    const store = await open();
    await store.putRemovalChain(chain());
    await assert.rejects(
      store.transaction(async (tx) => {
        assert.equal((await tx.lockRemovalChain(chain().actorKey, chain().account))?.lastId, 'r-2');
        await tx.putRemovalChain(chain({ lastId: 'r-9', lastMs: T0 + 9_000 }));
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    assert.deepEqual(await store.lockRemovalChain(chain().actorKey, chain().account), chain());
  });
}
