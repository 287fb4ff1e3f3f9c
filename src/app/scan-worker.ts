// Worker thread of a scan: loads the rules once, then turns each chunk it is sent into a ChunkResult.

import { parentPort, workerData } from 'node:worker_threads';
import type { Chunk } from '../ingest/index.ts';
import { processChunk } from './process-chunk.ts';
import { loadRuleSet } from './rule-set.ts';
import type { RuleSelection } from './rule-set.ts';

interface WorkerRequest {
  readonly id: number;
  readonly chunk: Chunk;
}

const port = parentPort;
if (port !== null) {
  const { engine, reading } = loadRuleSet((workerData as { rules: RuleSelection }).rules);
  port.on('message', (request: WorkerRequest) => {
    try {
      port.postMessage({ id: request.id, result: processChunk(request.chunk, engine, reading) });
    } catch (error) {
      port.postMessage({
        id: request.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  });
  port.postMessage({ ready: true });
}
