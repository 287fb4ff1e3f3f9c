// Loads the rules a scan runs: built-ins unless turned off, plus the user's files and folders.

import { compileRecordNeedles, createEngine, loadBuiltinRules, loadRulePaths } from '../detect/index.ts';
import type { Engine, RecordNeedles } from '../detect/index.ts';
import type { InputFormat } from '../ingest/index.ts';
import type { CompiledRule, RuleLoadResult } from '../model/index.ts';
import type { ChunkReading } from './process-chunk.ts';
import { RELEVANT_EVENT_NAMES } from './relevant-events.ts';
import { isFilterActive } from './scan-filter.ts';
import type { ScanFilter } from './scan-filter.ts';

export interface RuleSelection {
  readonly builtin: boolean;
  readonly paths: readonly string[];
  /** Parse every record (validate them all) instead of only those the rules and the kept slice can need. */
  readonly strict?: boolean;
  /** What the scan is limited to; travels with the rules so worker threads read chunks the same way. */
  readonly filter?: ScanFilter;
  /** The inputs' shape as the user named it (`--input-format`); absent: detected per file. */
  readonly inputFormat?: InputFormat;
}

export interface LoadedRuleSet {
  readonly results: readonly RuleLoadResult[];
  readonly rules: readonly CompiledRule[];
  readonly engine: Engine;
  /** What a record must contain to matter: the rules' pinned names and sources plus the kept slice's names. */
  readonly needles: RecordNeedles;
  /** How chunks are read: prefiltered unless `strict` or a rule pins nothing. */
  readonly reading: ChunkReading;
}

export function loadRuleSet(selection: RuleSelection): LoadedRuleSet {
  const results = [...(selection.builtin ? loadBuiltinRules() : []), ...loadRulePaths(selection.paths)];
  const rules = results.flatMap((result) => (result.status === 'ok' ? [result.rule] : []));
  const needles = compileRecordNeedles(rules, RELEVANT_EVENT_NAMES);
  const prefilter = selection.strict !== true && needles.unpinned.length === 0;
  const deferredNames = prefilter ? slicedOnlyNames(rules) : new Set<string>();
  return {
    results,
    rules,
    engine: createEngine(rules),
    needles,
    reading: {
      ...(prefilter ? { prefilter: needles } : {}),
      ...(deferredNames.size === 0 ? {} : { deferredNames }),
      ...(isFilterActive(selection.filter) ? { filter: selection.filter } : {}),
      ...(selection.inputFormat === undefined ? {} : { inputFormat: selection.inputFormat }),
    },
  };
}

/**
 * The kept slice's names no loaded rule reads (in any spelling): their records wait unparsed until a removal's window
 * says whether correlation needs them (two thirds of a generated slice are `GetCallerIdentity` probes, read only
 * within an hour of a removal). Removals are always parsed: they decide which windows are opened.
 */
function slicedOnlyNames(rules: readonly CompiledRule[]): ReadonlySet<string> {
  const read = compileRecordNeedles(rules, []).eventNames;
  return new Set(
    [...RELEVANT_EVENT_NAMES].filter(
      (name) => name !== 'DeactivateMFADevice' && !read.has(name.toLowerCase()),
    ),
  );
}
