// A small pool of scan workers: chunks go to whichever worker is free, results come back as promises.

import { Worker } from 'node:worker_threads';
import { InternalError } from '../model/index.ts';
import type { BaselineTarget, ScanInput, ScanOutcome } from './process-chunk.ts';
import type { BaselineTransfer } from '../enrich/index.ts';
import type { RuleSelection } from './rule-set.ts';

interface Pending {
  readonly resolve: (result: never) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  busy: number;
  readonly ready: Promise<void>;
}

/** In the TypeScript sources the worker needs tsx registered first; the compiled build loads the .js directly. */
function workerTarget(): { url: URL; entry: string } {
  const own = import.meta.url;
  if (own.endsWith('.ts')) {
    return {
      url: new URL('./tsx-worker-boot.mjs', own),
      entry: new URL('./scan-worker.ts', own).href,
    };
  }
  const url = new URL('./scan-worker.js', own);
  return { url, entry: url.href };
}

const YOUNG_GENERATION_MB = 8;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(size: number, rules: RuleSelection) {
    const target = workerTarget();
    for (let i = 0; i < size; i++) {
      const worker = new Worker(target.url, {
        workerData: { entry: target.entry, rules },
        // What a worker keeps between files is its rules; each file's garbage dies young. V8's default young
        // generation (up to 3 x 16 MiB) per worker is memory the scan's peak RSS pays for no speed.
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      });
      const ready = new Promise<void>((resolve, reject) => {
        const onMessage = (message: { ready?: boolean }): void => {
          if (message.ready === true) {
            worker.off('message', onMessage);
            resolve();
          }
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
      });
      const slot: Slot = { worker, busy: 0, ready };
      worker.on('message', (message: { id?: number; result?: never; error?: string }) => {
        if (message.id === undefined) return;
        const waiting = this.pending.get(message.id);
        if (waiting === undefined) return;
        this.pending.delete(message.id);
        slot.busy--;
        if (message.result !== undefined) waiting.resolve(message.result);
        else waiting.reject(new InternalError(`scan worker failed: ${message.error ?? 'unknown error'}`));
      });
      worker.on('error', (error) => this.failAll(error));
      this.slots.push(slot);
    }
  }

  /** Sends an input to the least busy worker; a chunk's bytes are transferred, not copied, and a file is read there. */
  run(input: ScanInput): Promise<ScanOutcome> {
    return this.send<ScanOutcome>(input);
  }

  /** A baseline's second pass over one input (see `processBaselineChunk`). */
  runBaseline(input: ScanInput, baseline: BaselineTarget): Promise<BaselineTransfer> {
    return this.send<BaselineTransfer>(input, baseline);
  }

  private async send<T>(input: ScanInput, baseline?: BaselineTarget): Promise<T> {
    const slot = this.slots.reduce((best, candidate) => (candidate.busy < best.busy ? candidate : best));
    await slot.ready;
    const id = this.nextId++;
    slot.busy++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject });
      const data = 'chunk' in input ? input.chunk.data : null;
      const transferable =
        data !== null &&
        data.byteOffset === 0 &&
        data.byteLength === data.buffer.byteLength &&
        data.buffer instanceof ArrayBuffer;
      slot.worker.postMessage(
        baseline === undefined ? { id, input } : { id, input, baseline },
        transferable ? [data.buffer] : [],
      );
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
