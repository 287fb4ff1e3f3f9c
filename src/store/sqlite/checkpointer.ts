// WAL checkpoints off the event loop: a worker thread with its own connection copies the write-ahead log back into the
// database file, so no request waits for it.
//
// Why: better-sqlite3 is synchronous, and SQLite's automatic checkpoint runs inside the COMMIT that pushes the log past
// `wal_autocheckpoint` pages (1,000 by default). That COMMIT copies every page and fsyncs the database file (the only
// fsyncs under `synchronous = NORMAL`) on the event loop: every request in flight waited for it, a few times a second
// at 1,000 ev/s, which is where the POST's p99 went (374 ms against a p50 of 6 ms). A PASSIVE checkpoint needs no lock
// the writer holds, so here it runs beside the writes; the main connection's automatic checkpoint is off only while
// the worker runs, and comes back if it cannot start or dies.
//
// The worker is inline (eval) and CommonJS: it needs nothing but the driver, and so runs the same from the TypeScript
// sources and from dist/ without a boot file per layout.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What one checkpoint did (SQLite's `wal_checkpoint` row): frames in the log, frames copied back, busy = 1 if cut short. */
export interface CheckpointResult {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

export interface CheckpointerOptions {
  /** How often the log's length is looked at while writes come in (default 250 ms). */
  readonly intervalMs?: number;
  /**
   * The timer checkpoints once the log holds this many frames not yet copied back (default 1,000: SQLite's own
   * `wal_autocheckpoint`). A checkpoint per tick would copy and fsync a few pages many times over at low rates; and
   * a log checkpointed to its end is started over by the next write, which then fits in space the file already has.
   */
  readonly atFrames?: number;
  /** The worker could not start or has died: the caller turns the automatic checkpoint back on. */
  readonly onFailure: (error: Error) => void;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    // NOOP only counts: a log with fewer frames than asked for is left to grow (SQLite's own automatic rule).
    const [seen] = db.pragma('wal_checkpoint(NOOP)');
    const row = seen.log - seen.checkpointed >= message.atFrames ? db.pragma('wal_checkpoint(PASSIVE)')[0] : seen;
    parentPort.postMessage({ id: message.id, row });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String(error && error.message || error) });
  }
});
parentPort.postMessage({ ready: true });
`;

interface Reply {
  readonly id?: number;
  readonly ready?: boolean;
  readonly row?: CheckpointResult;
  readonly error?: string;
}

/** A worker thread that checkpoints one SQLite file's write-ahead log, on a timer and when asked. */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #waiting = new Map<
    number,
    { resolve: (row: CheckpointResult) => void; reject: (e: Error) => void }
  >();
  readonly #timer: NodeJS.Timeout;
  readonly #ready: Promise<void>;
  readonly #onFailure: (error: Error) => void;
  readonly #atFrames: number;
  #next = 0;
  #writes = 0;
  #running = false;
  #closed = false;

  constructor(path: string, options: CheckpointerOptions) {
    this.#onFailure = options.onFailure;
    this.#atFrames = options.atFrames ?? 1_000;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    // No inherited loader flags (tsx in development): the worker's code is plain CommonJS.
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver }, execArgv: [] });
    // Never what keeps the process alive; the timer neither.
    this.#worker.unref();
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#worker.on('message', (reply: Reply) => {
        if (reply.ready === true) resolve();
        else this.#settle(reply);
      });
      this.#worker.on('error', (error) => {
        reject(error);
        this.#fail(error);
      });
      this.#worker.on('exit', (code) => {
        if (!this.#closed) this.#fail(new Error(`the checkpoint worker exited (${code})`));
      });
    });
    // A worker that never comes up is reported through onFailure; this promise is only awaited by checkpoint().
    this.#ready.catch(() => undefined);
    this.#timer = setInterval(() => this.#tick(), options.intervalMs ?? 250);
    this.#timer.unref();
  }

  /** The main connection committed: there is log to checkpoint at the next tick. */
  wrote(): void {
    this.#writes++;
  }

  /** Checkpoints now (`atFrames`: only if the log holds that many frames to copy); resolves with SQLite's counts. */
  async checkpoint(atFrames = 0): Promise<CheckpointResult> {
    await this.#ready;
    if (this.#closed) throw new Error('the checkpointer is closed');
    const id = ++this.#next;
    return new Promise<CheckpointResult>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, atFrames });
    });
  }

  /** Stops the timer and the worker; its connection is closed before the main one, which then removes the log. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ close: true });
    const cut = setTimeout(() => void this.#worker.terminate(), 5_000);
    await exited;
    clearTimeout(cut);
    this.#rejectAll(new Error('the checkpointer is closed'));
  }

  #tick(): void {
    // One at a time, and only when something was written since the last one.
    if (this.#running || this.#writes === 0 || this.#closed) return;
    this.#running = true;
    const seen = this.#writes;
    this.checkpoint(this.#atFrames)
      // Looked at: the next tick looks again only after more writes (a short log waits for them, as SQLite's own
      // rule has it). A failed checkpoint leaves the count, so it is tried again; SQLite loses nothing by it.
      .then(() => (this.#writes -= seen))
      .catch(() => undefined)
      .finally(() => (this.#running = false));
  }

  #settle(reply: Reply): void {
    const waiter = reply.id === undefined ? undefined : this.#waiting.get(reply.id);
    if (waiter === undefined || reply.id === undefined) return;
    this.#waiting.delete(reply.id);
    if (reply.row !== undefined) waiter.resolve(reply.row);
    else waiter.reject(new Error(reply.error ?? 'checkpoint failed'));
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#rejectAll(error);
    this.#onFailure(error);
  }

  #rejectAll(error: Error): void {
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
  }
}
