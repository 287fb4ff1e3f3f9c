// What a rule format provides to the registry: whether it recognises a file, and how to load it.

import type { RuleFormat, RuleLoadResult } from '../../model/index.ts';

export interface RuleFormatLoader {
  readonly id: RuleFormat;
  /** Cheap recognition by path and text; the first format (alphabetical) that says yes loads the file. */
  canLoad(path: string, text: string): boolean;
  /** Never throws for bad input: problems come back as an `error` or `unsupported` result. */
  load(path: string, text: string): RuleLoadResult;
}
