// Sigma rules for AWS CloudTrail, evaluated over raw CloudTrail records: the `sigma` rule format.

import type { RuleFormatLoader } from '../rule-format.ts';
import { isSigmaRuleText, loadSigmaRule } from './loader.ts';

export { isSigmaRuleText, loadSigmaRule } from './loader.ts';
export { parseCondition, printCondition } from './condition.ts';
export type { ConditionNode, ConditionParse } from './condition.ts';
export { KNOWN_MODIFIERS } from './detection.ts';
export { LEVELS, mitreFromTags } from './metadata.ts';

/** The format loader the rule registry lists under `sigma`. */
export const sigma: RuleFormatLoader = {
  id: 'sigma',
  canLoad: isSigmaRuleText,
  load: loadSigmaRule,
};
