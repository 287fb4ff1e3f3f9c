// The registry of sub-commands, id -> command, in alphabetical order.

import type { Command } from '../command.ts';
import { AUDIT_COMMAND } from './audit.ts';
import { demoCommand } from './demo.ts';
import { GENERATE_COMMAND } from './generate.ts';
import { GUARDRAILS_COMMAND } from './guardrails.ts';
import { kpiCommand } from './kpi.ts';
import { POLICY_COMMAND } from './policy.ts';
import { scanCommand } from './scan.ts';

export const COMMANDS: Readonly<Record<string, Command>> = {
  audit: AUDIT_COMMAND,
  demo: demoCommand,
  generate: GENERATE_COMMAND,
  guardrails: GUARDRAILS_COMMAND,
  kpi: kpiCommand,
  policy: POLICY_COMMAND,
  scan: scanCommand,
};
