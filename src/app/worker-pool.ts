// The scan's worker threads, on piscina: chunks go to whichever worker is free, results come back as promises.

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

export class WorkerPool {
  private readonly pool: Piscina<ScanTask, ScanOutcome | BaselineTransfer>;

  constructor(size: number, rules: RuleSelection) {
    const target = workerTarget();
    this.pool = new Piscina({
      filename: target.filename,
      name: 'handleScanTask',
      workerData: { entry: target.entry, rules },
      // A fixed set of threads for the whole scan: each loads the rules once, so none is started late or let go idle.
      minThreads: size,
      maxThreads: size,
      idleTimeout: Infinity,
      // Backpressure is the scan's (it keeps at most twice as many inputs in flight as there are workers).
      concurrentTasksPerWorker: 1,
      // The run/wait-time histograms cost a measurable share of a small task's time, and nothing reads them.
      recordTiming: false,
      // What a worker keeps between files is its rules; each file's garbage dies young. V8's default young
      // generation (up to 3 x 16 MiB) per worker is memory the scan's peak RSS pays for no speed.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
  }

  /** Sends an input to a free worker; a chunk's bytes are transferred, not copied, and a file is read there. */
  run(input: ScanInput): Promise<ScanOutcome> {
    return this.send({ input }) as Promise<ScanOutcome>;
  }

  /** A baseline's second pass over one input (see `processBaselineChunk`). */
  runBaseline(input: ScanInput, baseline: BaselineTarget): Promise<BaselineTransfer> {
    return this.send({ input, baseline }) as Promise<BaselineTransfer>;
  }

  private async send(task: ScanTask): Promise<ScanOutcome | BaselineTransfer> {
    const data = 'chunk' in task.input ? task.input.chunk.data : null;
    const transferable =
      data !== null &&
      data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength &&
      data.buffer instanceof ArrayBuffer;
    try {
      return await this.pool.run(task, transferable ? { transferList: [data.buffer] } : {});
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
