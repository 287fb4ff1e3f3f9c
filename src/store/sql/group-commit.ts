// Group commit for both SQL stores: concurrent transactions share one BEGIN ... COMMIT, each in its own savepoint.
//
// Transactions that arrive while a group is being written wait in a queue; the next free writer runs up to `maxGroup`
// of them in one database transaction, each inside a SAVEPOINT. A failing job is rolled back to its savepoint and fails
// alone; the others commit together. Under load this pays one BEGIN/COMMIT (one WAL append / fsync) for many requests
// instead of one each; alone, a job is a group of one, and runs without a savepoint (its failure rolls the whole
// transaction back, which is the same thing, for two statements less). Each job settles only after its group's COMMIT, so a resolved
// transaction is a committed one. Background jobs (a coalesced re-triage flush) are taken only when no foreground job
// waits, so ingestion never queues behind them.
//
// Hand-written: group commit needs jobs that run in sequence inside one shared database transaction, each with its own
// savepoint and its own outcome known only at COMMIT; queue libraries (p-queue, fastq) run independent tasks.

/** What the queue needs of a dialect's connection: one session, held for a whole group. */
export interface GroupSession<C> {
  /** The connection the jobs run their statements on. */
  readonly conn: C;
  begin(): Promise<void>;
  savepoint(): Promise<void>;
  release(): Promise<void>;
  /** Undoes the failed job's writes; false when the transaction itself is gone (SQLite rolled back, connection lost). */
  rollbackJob(): Promise<boolean>;
  /** Rolls the whole transaction back (a group of one failed); false when the connection cannot be reused. */
  rollback(): Promise<boolean>;
  commit(): Promise<void>;
  /** Rolls the transaction back after a failure (best effort; must not throw). */
  abort(): Promise<void>;
  /** Gives the session back; `broken`: the connection must not be reused. Must not throw. */
  done(broken?: Error): void;
}

/**
 * `light`: a foreground job of a few statements (a coalesced keep-only write, see kept-writes.ts), written in a group of
 * light jobs ahead of the other foreground jobs, so that the answers it carries never wait for another request's
 * triage (a removal holds the writer for milliseconds). Groups alternate when both kinds wait, so neither starves.
 */
export type JobPriority = 'light' | 'foreground' | 'background';

interface Job<C> {
  readonly fn: (conn: C) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitOptions<C> {
  /** A session for one group (SQLite: the one connection; PostgreSQL: a pooled client). */
  readonly session: () => Promise<GroupSession<C>>;
  /** Jobs per group: bounds how long the first job of a group waits for the others' work. */
  readonly maxGroup: number;
  /** Groups written at once (SQLite: 1, it has one writer; PostgreSQL: a few pooled connections). */
  readonly writers: number;
}

export class GroupCommitQueue<C> {
  readonly #options: GroupCommitOptions<C>;
  readonly #light: Job<C>[] = [];
  readonly #foreground: Job<C>[] = [];
  readonly #background: Job<C>[] = [];
  /** The last group was light: the next one is a foreground group if one waits (see JobPriority). */
  #lastLight = false;
  #writers = 0;

  constructor(options: GroupCommitOptions<C>) {
    this.#options = options;
  }

  /** Jobs waiting for a writer. */
  get waiting(): number {
    return this.#light.length + this.#foreground.length + this.#background.length;
  }

  /** Runs `fn` in a group's transaction; resolves once that group has committed, rejects with its job's error. */
  run<T>(fn: (conn: C) => Promise<T>, priority: JobPriority = 'foreground'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: Job<C> = { fn, resolve: resolve as (value: unknown) => void, reject };
      const queue =
        priority === 'background' ? this.#background : priority === 'light' ? this.#light : this.#foreground;
      queue.push(job);
      if (this.#writers < this.#options.writers) {
        this.#writers++;
        // Started once the event loop has run every callback of this turn, not now: requests read from the sockets
        // in the same turn then share the group. Started at once, the first took the writer alone, and on SQLite
        // (whose statements never yield to the event loop) the whole group ran before the next socket was read,
        // so nearly every group was a group of one and paid its own BEGIN and COMMIT.
        setImmediate(() => void this.#writeLoop());
      }
    });
  }

  /**
   * The next group: light jobs, then the other foreground jobs, taking turns while both wait; background jobs only
   * when no foreground job waits. The kinds are never mixed in one group.
   */
  #nextGroup(): Job<C>[] {
    const { maxGroup } = this.#options;
    const light = this.#light.length > 0 && !(this.#lastLight && this.#foreground.length > 0);
    this.#lastLight = light;
    if (light) return this.#light.splice(0, maxGroup);
    if (this.#foreground.length > 0) return this.#foreground.splice(0, maxGroup);
    // One background job per group: a flush chunk holds the writer long enough as it is.
    return this.#background.splice(0, 1);
  }

  async #writeLoop(): Promise<void> {
    for (;;) {
      const group = this.#nextGroup();
      // No await between the last check and this: a job queued now finds a writer free and starts one.
      if (group.length === 0) break;
      try {
        await this.#writeGroup(group);
      } catch (error) {
        // #writeGroup settles every job it was given; this is a last guard so that no caller ever waits forever.
        for (const job of group) job.reject(error);
      }
    }
    this.#writers--;
  }

  async #writeGroup(group: readonly Job<C>[]): Promise<void> {
    let session: GroupSession<C>;
    try {
      session = await this.#options.session();
    } catch (error) {
      for (const job of group) job.reject(error);
      return;
    }
    try {
      await session.begin();
    } catch (error) {
      await failGroup(session, error, group);
      return;
    }
    if (group.length === 1) {
      await writeAlone(session, group[0]!);
      return;
    }
    const done: { job: Job<C>; result: unknown }[] = [];
    for (const [index, job] of group.entries()) {
      try {
        await session.savepoint();
        const result = await job.fn(session.conn);
        await session.release();
        done.push({ job, result });
      } catch (error) {
        job.reject(error);
        if (await session.rollbackJob()) continue;
        // The transaction is gone (disk full, connection lost): the jobs before this one are lost with it and fail
        // with its error; the ones after it wait for the next group.
        (this.#lastLight ? this.#light : this.#foreground).unshift(...group.slice(index + 1));
        await failGroup(
          session,
          error,
          done.map((entry) => entry.job),
        );
        return;
      }
    }
    try {
      await session.commit();
    } catch (error) {
      await failGroup(
        session,
        error,
        done.map((entry) => entry.job),
      );
      return;
    }
    session.done();
    for (const entry of done) entry.job.resolve(entry.result);
  }
}

/** A group of one: no savepoint, the job's failure is the transaction's. */
async function writeAlone<C>(session: GroupSession<C>, job: Job<C>): Promise<void> {
  let result: unknown;
  try {
    result = await job.fn(session.conn);
  } catch (error) {
    // Rolled back cleanly, the connection is as good as after a COMMIT; otherwise it must not be reused.
    const clean = await session.rollback();
    session.done(clean ? undefined : asError(error));
    job.reject(error);
    return;
  }
  try {
    await session.commit();
  } catch (error) {
    await failGroup(session, error, [job]);
    return;
  }
  session.done();
  job.resolve(result);
}

/** Rolls a broken group back, hands its session back as broken, and fails the given jobs with its error. */
async function failGroup<C>(
  session: GroupSession<C>,
  error: unknown,
  jobs: readonly Job<C>[],
): Promise<void> {
  await session.abort();
  session.done(asError(error));
  for (const job of jobs) job.reject(error);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
