// Worker thread of a scan: loads the rules once, then turns each chunk it is sent into a ChunkResult.

import { parentPort, workerData } from 'node:worker_threads';
import { processBaselineInput, processInput } from './process-chunk.ts';
import type { BaselineTarget, ScanInput } from './process-chunk.ts';
import { loadRuleSet } from './rule-set.ts';
import type { RuleSelection } from './rule-set.ts';

interface WorkerRequest {
  readonly id: number;
  readonly input: ScanInput;
  /** Set for a baseline's second pass. */
  readonly baseline?: BaselineTarget;
}

const port = parentPort;
if (port !== null) {
  const { engine, reading } = loadRuleSet((workerData as { rules: RuleSelection }).rules);
  port.on('message', (request: WorkerRequest) => {
    try {
      const result =
        request.baseline === undefined
          ? processInput(request.input, engine, reading)
          : processBaselineInput(request.input, request.baseline);
      port.postMessage({ id: request.id, result });
    } catch (error) {
      port.postMessage({
        id: request.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  });
  port.postMessage({ ready: true });
}
