// Runs the store contract against real SQLite files (a fresh file per test, two connections where asked).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../open-store.ts';
import { defineStoreContract } from '../test-support/store.contract.ts';

const root = await mkdtemp(join(tmpdir(), 'mfaguard-store-'));
let counter = 0;

defineStoreContract(
  'sqlite',
  () => {
    const url = `sqlite:${join(root, `test-${++counter}.db`)}`;
    return Promise.resolve(() => openStore(url));
  },
  () => rm(root, { recursive: true, force: true }),
);
