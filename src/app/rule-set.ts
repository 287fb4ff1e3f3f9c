// Loads the rules a scan runs: built-ins unless turned off, plus the user's files and folders.

import { createEngine, loadBuiltinRules, loadRulePaths } from '../detect/index.ts';
import type { Engine } from '../detect/index.ts';
import type { CompiledRule, RuleLoadResult } from '../model/index.ts';

export interface RuleSelection {
  readonly builtin: boolean;
  readonly paths: readonly string[];
}

export interface LoadedRuleSet {
  readonly results: readonly RuleLoadResult[];
  readonly rules: readonly CompiledRule[];
  readonly engine: Engine;
}

export function loadRuleSet(selection: RuleSelection): LoadedRuleSet {
  const results = [...(selection.builtin ? loadBuiltinRules() : []), ...loadRulePaths(selection.paths)];
  const rules = results.flatMap((result) => (result.status === 'ok' ? [result.rule] : []));
  return { results, rules, engine: createEngine(rules) };
}
