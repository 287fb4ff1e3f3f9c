// The registry of rule formats, id -> loader, in alphabetical order. Foreign formats are translated to CompiledRule here.

import { builtin } from './builtin/index.ts';
import { elastic } from './elastic/index.ts';
import { sigma } from './sigma/index.ts';
import type { RuleFormatLoader } from './rule-format.ts';

export type { RuleFormatLoader } from './rule-format.ts';

export const RULE_FORMATS: Readonly<Record<string, RuleFormatLoader>> = {
  builtin,
  elastic,
  sigma,
};
