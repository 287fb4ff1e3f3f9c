// The registry of sub-commands, id -> command, in alphabetical order.

import type { Command } from '../command.ts';

export const COMMANDS: Readonly<Record<string, Command>> = {
  // audit, demo, generate, guardrails, policy, rules, scan: added by their owners, one line each.
};
