// The built-in rule format's public face: its loader for the format registry.

import type { RuleFormatLoader } from '../rule-format.ts';
import { loadBuiltinRule, looksLikeBuiltinRule } from './builtin-loader.ts';

export { BuiltinRule, loadBuiltinRule, looksLikeBuiltinRule } from './builtin-loader.ts';

export const builtin: RuleFormatLoader = {
  id: 'builtin',
  canLoad: looksLikeBuiltinRule,
  load: (path, text) => loadBuiltinRule(path, text),
};
