import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCommitQueue } from './group-commit.ts';
import type { GroupSession } from './group-commit.ts';

/** A fake database: what each session did, in order; `fail` makes one step throw. */
function fakeDatabase(
  fail: {
    begin?: boolean;
    commit?: boolean;
    rollbackJob?: boolean;
    rollback?: boolean;
    session?: boolean;
  } = {},
) {
  const log: string[] = [];
  let sessions = 0;
  const session = (): Promise<GroupSession<string>> => {
    const id = `s${++sessions}`;
    if (fail.session === true) return Promise.reject(new Error('no connection'));
    return Promise.resolve({
      conn: id,
      begin: () =>
        fail.begin === true
          ? Promise.reject(new Error('begin failed'))
          : (log.push(`${id} begin`), Promise.resolve()),
      savepoint: () => (log.push(`${id} savepoint`), Promise.resolve()),
      release: () => (log.push(`${id} release`), Promise.resolve()),
      rollbackJob: () => (log.push(`${id} rollback job`), Promise.resolve(fail.rollbackJob !== true)),
      rollback: () => (log.push(`${id} rollback`), Promise.resolve(fail.rollback !== true)),
      commit: () =>
        fail.commit === true
          ? Promise.reject(new Error('commit failed'))
          : (log.push(`${id} commit`), Promise.resolve()),
      abort: () => (log.push(`${id} abort`), Promise.resolve()),
      done: (broken?: Error) => void log.push(`${id} done${broken === undefined ? '' : ' broken'}`),
    });
  };
  return { log, session };
}

/** Every promise settled, or a failure naming how many hung: a hang shows as a failed test, not a stuck run. */
async function settledWithin<T>(promises: readonly Promise<T>[], ms = 10_000) {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  const all = Promise.allSettled(promises);
  const result = await Promise.race([all, hung]);
  clearTimeout(timer);
  assert.notEqual(result, 'hung', 'a transaction never settled');
  return result as PromiseSettledResult<T>[];
}

test('concurrent jobs share one commit; a failing job fails alone, the others commit', async () => {
  const db = fakeDatabase();
  const queue = new GroupCommitQueue({ session: db.session, maxGroup: 64, writers: 1 });
  const others: Promise<string>[] = [];
  // The others arrive while the first one's group is being written.
  const first = queue.run((conn) => {
    others.push(
      queue.run((next) => Promise.resolve(`second on ${next}`)),
      queue.run(() => Promise.reject(new Error('bad record'))),
      queue.run((next) => Promise.resolve(`fourth on ${next}`)),
    );
    return Promise.resolve(`first on ${conn}`);
  });
  await first;
  const results = await settledWithin([first, ...others]);
  assert.deepEqual(
    results.map((result) =>
      result.status === 'fulfilled' ? result.value : (result.reason as Error).message,
    ),
    ['first on s1', 'second on s2', 'bad record', 'fourth on s2'],
  );
  // The first ran alone (nothing waited yet), without a savepoint; the three that queued behind it went in one
  // transaction, a savepoint each.
  assert.deepEqual(db.log, [
    's1 begin',
    's1 commit',
    's1 done',
    's2 begin',
    's2 savepoint',
    's2 release',
    's2 savepoint',
    's2 rollback job',
    's2 savepoint',
    's2 release',
    's2 commit',
    's2 done',
  ]);
});

test('jobs queued in the same turn of the event loop share one group, however they arrived', async () => {
  const db = fakeDatabase();
  const queue = new GroupCommitQueue({ session: db.session, maxGroup: 64, writers: 1 });
  // Each from its own macrotask, as requests read from different sockets are: the writer starts after all of them.
  const jobs = await new Promise<Promise<number>[]>((resolve) => {
    const queued: Promise<number>[] = [];
    for (let i = 0; i < 3; i++) setImmediate(() => queued.push(queue.run(() => Promise.resolve(i))));
    setImmediate(() => resolve(queued));
  });
  jobs.push(queue.run(() => Promise.resolve(3)));
  const results = await settledWithin(jobs);
  assert.deepEqual(
    results.map((result) => (result.status === 'fulfilled' ? result.value : null)),
    [0, 1, 2, 3],
  );
  assert.deepEqual(
    db.log.filter((line) => line.endsWith('begin') || line.endsWith('commit')),
    ['s1 begin', 's1 commit'],
    'one transaction for the four',
  );
});

test('a job alone in its group fails by rolling the transaction back; the connection is reused unless that failed', async () => {
  for (const rollbackFails of [false, true]) {
    const db = fakeDatabase({ rollback: rollbackFails });
    const queue = new GroupCommitQueue({ session: db.session, maxGroup: 64, writers: 1 });
    const [result] = await settledWithin([queue.run(() => Promise.reject(new Error('bad record')))]);
    assert.equal(result?.status, 'rejected');
    assert.deepEqual(db.log, ['s1 begin', 's1 rollback', `s1 done${rollbackFails ? ' broken' : ''}`]);
    // The queue goes on: the next job commits on a fresh session.
    assert.equal(await queue.run(() => Promise.resolve('next')), 'next');
  }
});

test('background jobs wait while foreground jobs are queued, and run one per transaction', async () => {
  const db = fakeDatabase();
  const queue = new GroupCommitQueue({ session: db.session, maxGroup: 64, writers: 1 });
  const order: string[] = [];
  const job = (name: string) => () => Promise.resolve(void order.push(name));
  const jobs = [
    queue.run(job('fg1')),
    queue.run(job('bg1'), 'background'),
    queue.run(job('bg2'), 'background'),
    queue.run(job('fg2')),
    queue.run(job('fg3')),
  ];
  await settledWithin(jobs);
  assert.deepEqual(order, ['fg1', 'fg2', 'fg3', 'bg1', 'bg2']);
  // The foreground jobs share one transaction; each background job has its own.
  assert.equal(db.log.filter((line) => line.endsWith('commit')).length, 3);
});

test('every job settles when the database fails at each step (no caller waits forever)', async () => {
  for (const fail of [
    { session: true },
    { begin: true },
    { commit: true },
    { rollbackJob: true },
    { rollback: true },
  ] as const) {
    const db = fakeDatabase(fail);
    const queue = new GroupCommitQueue({ session: db.session, maxGroup: 64, writers: 2 });
    const job = (i: number) => () =>
      i % 3 === 1 ? Promise.reject(new Error(`job ${i}`)) : Promise.resolve(i);
    // ROLLBACK is for a group of one: those jobs come one at a time; the others all in the same turn (one group).
    const jobs: Promise<number>[] = [];
    for (let i = 0; i < 10; i++) {
      jobs.push(queue.run(job(i)));
      if ('rollback' in fail) await jobs[i]!.catch(() => undefined);
    }
    const results = await settledWithin(jobs);
    const rejected = results.filter((result) => result.status === 'rejected').length;
    // rollbackJob failing loses the transaction of the failed job only: the jobs after it go in the next group.
    assert.ok(rejected >= 1, `${JSON.stringify(fail)}: some job must fail`);
    if (!('rollbackJob' in fail) && !('rollback' in fail))
      assert.equal(rejected, 10, `${JSON.stringify(fail)}: every job fails`);
    assert.equal(queue.waiting, 0);
    // A session whose transaction broke is handed back as broken.
    if ('commit' in fail || 'rollbackJob' in fail || 'rollback' in fail)
      assert.ok(db.log.some((line) => line.endsWith('done broken')));
  }
});

test('after a failed group the queue keeps serving: later jobs commit', async () => {
  let failing = true;
  const db = fakeDatabase();
  const queue = new GroupCommitQueue({
    session: () => (failing ? Promise.reject(new Error('down')) : db.session()),
    maxGroup: 64,
    writers: 1,
  });
  const during = await settledWithin([queue.run(() => Promise.resolve(1))]);
  assert.equal(during[0]?.status, 'rejected');
  failing = false;
  assert.equal(await queue.run(() => Promise.resolve(2)), 2);
});

test('light jobs are written in a group of their own ahead of the other foreground jobs, taking turns with them', async () => {
  const db = fakeDatabase();
  const queue = new GroupCommitQueue({ session: db.session, maxGroup: 64, writers: 1 });
  const ran: string[] = [];
  const job = (name: string, then?: () => void) => (conn: string) => {
    ran.push(`${name} on ${conn}`);
    then?.();
    return Promise.resolve(name);
  };
  const queued: Promise<string>[] = [];
  // While the first group is written: two foreground jobs and two light ones arrive, interleaved.
  const first = queue.run(
    job('first', () => {
      queued.push(
        queue.run(job('heavy 1')),
        queue.run(
          // A light job arriving while the light group is written waits for the foreground group: no starvation.
          job('light 1', () => queued.push(queue.run(job('light 3'), 'light'))),
          'light',
        ),
        queue.run(job('heavy 2')),
        queue.run(job('light 2'), 'light'),
      );
    }),
  );
  await first;
  const results = await settledWithin([first, ...queued]);
  assert.ok(results.every((result) => result.status === 'fulfilled'));
  await settledWithin(queued);
  assert.deepEqual(ran, [
    'first on s1',
    'light 1 on s2',
    'light 2 on s2',
    'heavy 1 on s3',
    'heavy 2 on s3',
    'light 3 on s4',
  ]);
});
