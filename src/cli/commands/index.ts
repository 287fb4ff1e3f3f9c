// The registry of sub-commands, id -> command, in alphabetical order.

import type { Command } from '../command.ts';
import { AUDIT_COMMAND } from './audit.ts';
import { GENERATE_COMMAND } from './generate.ts';
import { GUARDRAILS_COMMAND } from './guardrails.ts';
import { POLICY_COMMAND } from './policy.ts';

export const COMMANDS: Readonly<Record<string, Command>> = {
  audit: AUDIT_COMMAND,
  generate: GENERATE_COMMAND,
  guardrails: GUARDRAILS_COMMAND,
  policy: POLICY_COMMAND,
  // audit, demo, generate, guardrails, policy, rules, scan: added by their owners, one line each.
};
