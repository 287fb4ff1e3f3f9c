// Runs the store contract against a real PostgreSQL: one throw-away database per run, one schema per test.

import { test } from 'node:test';
import { openStore } from '../open-store.ts';
import { defineStoreContract } from '../test-support/store.contract.ts';
import { createThrowawayDatabase, postgresProblem } from '../test-support/postgres.ts';
import { missing } from '../../test-support/requirements.ts';

const problem = await postgresProblem();

if (problem !== null) {
  test('store contract: postgres', (t) => void missing(t, 'pg', problem));
} else {
  // A database of our own, so parallel runs never collide; one schema per test inside it.
  const database = await createThrowawayDatabase();
  let counter = 0;

  defineStoreContract(
    'postgres',
    () => {
      const schema = `t${++counter}`;
      return Promise.resolve(() => openStore(database.url, { schema, poolSize: 4 }));
    },
    () => database.drop(),
  );
}
