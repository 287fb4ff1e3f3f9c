// The scan's worker threads, on piscina: inputs go to whichever worker is free, results come back as promises.

import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { InternalError } from '../model/index.ts';
import type { BaselineTarget, ScanInput, ScanOutcome } from './process-chunk.ts';
import type { BaselineTransfer } from '../enrich/index.ts';
import type { RuleSelection } from './rule-set.ts';
import type { ScanTask } from './scan-worker.ts';

/** In the TypeScript sources the worker needs tsx registered first; the compiled build loads the .js directly. */
function workerTarget(): { filename: string; entry: string } {
  const own = import.meta.url;
  if (own.endsWith('.ts')) {
    return {
      filename: fileURLToPath(new URL('./tsx-worker-boot.mjs', own)),
      entry: new URL('./scan-worker.ts', own).href,
    };
  }
  const url = new URL('./scan-worker.js', own);
  return { filename: fileURLToPath(url), entry: url.href };
}

const YOUNG_GENERATION_MB = 8;

/**
 * Local files sent to a worker in one task. A task has a fixed cost whatever it holds (piscina's bookkeeping, a
 * message each way, a promise, waking the thread): per 200 KB delivery file it was about a quarter of the main
 * thread's CPU and a tenth of the worker's (perf, 300k archive, 8,065 files). Files only: the bytes of a chunk read
 * on the main thread (stdin, S3) go alone, so a batch never holds more than one chunk's memory.
 */
export const FILES_PER_TASK = 8;

/**
 * Tasks a worker holds (the one it runs and those queued): past that it is busy enough (see `WorkerPool.busy`) and the
 * main thread decodes inputs itself. Deep enough that the worker still has work while the main thread spends a file's
 * time before it hears of a result: with 2 or 3 the worker idled and the main thread did more than half of the files
 * (thread CPU, 1M archive); 5 tasks are 40 file names, read where they are decoded.
 */
export const TASKS_AHEAD_PER_WORKER = 5;

interface Waiting<T> {
  readonly input: ScanInput;
  readonly resolve: (result: T) => void;
  readonly reject: (error: unknown) => void;
}

/** Inputs gathered for one task of one kind (a scan, or a baseline pass for one target). */
interface Gathering<T> {
  readonly baseline?: BaselineTarget;
  waiting: Waiting<T>[];
}

export class WorkerPool {
  private readonly pool: Piscina<ScanTask, (ScanOutcome | BaselineTransfer)[]>;
  private scans: Gathering<ScanOutcome> = { waiting: [] };
  private baselines: Gathering<BaselineTransfer> | null = null;
  /** Tasks sent and not yet answered. */
  private running = 0;
  /** Tasks sent so far (each holds up to `FILES_PER_TASK` files). */
  tasksSent = 0;

  constructor(
    private readonly size: number,
    rules: RuleSelection,
  ) {
    const target = workerTarget();
    this.pool = new Piscina({
      filename: target.filename,
      name: 'handleScanTask',
      workerData: { entry: target.entry, rules },
      // A fixed set of threads for the whole scan: each loads the rules once, so none is started late or let go idle.
      minThreads: size,
      maxThreads: size,
      idleTimeout: Infinity,
      // Backpressure is the scan's (it keeps a bounded number of inputs in flight per worker).
      concurrentTasksPerWorker: 1,
      // The run/wait-time histograms cost a measurable share of a small task's time, and nothing reads them.
      recordTiming: false,
      // What a worker keeps between files is its rules; each file's garbage dies young. V8's default young
      // generation (up to 3 x 16 MiB) per worker is memory the scan's peak RSS pays for no speed.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
  }

  /** Scans an input on a worker; a chunk's bytes are transferred, not copied, and a file is read there. */
  run(input: ScanInput): Promise<ScanOutcome> {
    return new Promise<ScanOutcome>((resolve, reject) => {
      this.scans.waiting.push({ input, resolve, reject });
      if ('chunk' in input || this.scans.waiting.length >= FILES_PER_TASK) this.sendScans();
    });
  }

  /** A baseline's second pass over one input (see `processBaselineChunk`). */
  runBaseline(input: ScanInput, baseline: BaselineTarget): Promise<BaselineTransfer> {
    return new Promise<BaselineTransfer>((resolve, reject) => {
      if (this.baselines !== null && this.baselines.baseline !== baseline) this.sendBaselines();
      this.baselines ??= { baseline, waiting: [] };
      this.baselines.waiting.push({ input, resolve, reject });
      if ('chunk' in input || this.baselines.waiting.length >= FILES_PER_TASK) this.sendBaselines();
    });
  }

  /**
   * Whether every worker has its queue full and no input is being gathered for the next task: an input handed out now
   * would only wait, so the main thread (which has idle time between merges) takes it itself. On two cores, one worker
   * and the main thread sharing the inputs keep both cores busy without a third thread compiling the hot code again.
   */
  busy(): boolean {
    return (
      this.running >= this.size * TASKS_AHEAD_PER_WORKER &&
      this.scans.waiting.length === 0 &&
      this.baselines === null
    );
  }

  /**
   * Sends what is gathered when nothing sent is still running: the caller is about to wait for a result, and only a
   * running task would ever bring one.
   */
  flushIfIdle(): void {
    if (this.running === 0) this.flush();
  }

  /** Sends what is gathered (the inputs ran out). */
  flush(): void {
    this.sendScans();
    this.sendBaselines();
  }

  private sendScans(): void {
    const gathered = this.scans;
    this.scans = { waiting: [] };
    this.dispatch(gathered, (result) => result as ScanOutcome);
  }

  private sendBaselines(): void {
    const gathered = this.baselines;
    this.baselines = null;
    if (gathered !== null) this.dispatch(gathered, (result) => result as BaselineTransfer);
  }

  private dispatch<T>(gathered: Gathering<T>, as: (result: ScanOutcome | BaselineTransfer) => T): void {
    const waiting = gathered.waiting;
    if (waiting.length === 0) return;
    const task: ScanTask = {
      inputs: waiting.map(({ input }) => input),
      ...(gathered.baseline === undefined ? {} : { baseline: gathered.baseline }),
    };
    this.running++;
    this.tasksSent++;
    this.send(task).then(
      (results) => {
        this.running--;
        waiting.forEach((one, at) => {
          const result = results[at];
          if (result === undefined) one.reject(new InternalError('scan worker returned too few results'));
          else one.resolve(as(result));
        });
      },
      (error: unknown) => {
        this.running--;
        for (const one of waiting) one.reject(error);
      },
    );
  }

  private async send(task: ScanTask): Promise<(ScanOutcome | BaselineTransfer)[]> {
    const transferList: ArrayBuffer[] = [];
    for (const input of task.inputs) {
      const data = 'chunk' in input ? input.chunk.data : null;
      if (
        data !== null &&
        data.byteOffset === 0 &&
        data.byteLength === data.buffer.byteLength &&
        data.buffer instanceof ArrayBuffer
      )
        transferList.push(data.buffer);
    }
    try {
      return await this.pool.run(task, transferList.length === 0 ? {} : { transferList });
    } catch (error) {
      throw new InternalError(
        `scan worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
