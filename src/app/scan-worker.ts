// Worker thread of a scan (run by piscina): loads the rules once, then turns each input it is sent into a result.

import { workerData } from 'node:worker_threads';
import type { BaselineTransfer } from '../enrich/index.ts';
import { InternalError } from '../model/index.ts';
import { processBaselineInput, processInput } from './process-chunk.ts';
import type { BaselineTarget, ScanInput, ScanOutcome } from './process-chunk.ts';
import { loadRuleSet } from './rule-set.ts';
import type { LoadedRuleSet, RuleSelection } from './rule-set.ts';

/** One piece of work: inputs to scan, or (with `baseline`) a baseline's second pass over them. */
export interface ScanTask {
  readonly inputs: readonly ScanInput[];
  readonly baseline?: BaselineTarget;
}

const selection = (workerData as { rules?: RuleSelection } | null)?.rules;
// Loaded as the thread starts (piscina imports this module before the first task arrives), then kept.
const loaded: LoadedRuleSet | null = selection === undefined ? null : loadRuleSet(selection);

/** The handler piscina calls for each task: one result per input, in order. */
export function handleScanTask(task: ScanTask): (ScanOutcome | BaselineTransfer)[] {
  const baseline = task.baseline;
  if (baseline !== undefined) return task.inputs.map((input) => processBaselineInput(input, baseline));
  if (loaded === null)
    throw new InternalError('scan worker started without the rule selection in its workerData');
  const rules = loaded;
  return task.inputs.map((input) => processInput(input, rules.engine, rules.reading));
}
