// The registry of sub-commands, name -> loader, in alphabetical order. Loaders import lazily so that one command
// does not pay for the start-up of the others (the AWS SDK clients of `audit` cost a noticeable part of a second).

import type { Command } from '../command.ts';

export const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  approve: async () => (await import('./approve.ts')).APPROVE_COMMAND,
  audit: async () => (await import('./audit.ts')).AUDIT_COMMAND,
  demo: async () => (await import('./demo.ts')).DEMO_COMMAND,
  generate: async () => (await import('./generate.ts')).GENERATE_COMMAND,
  guardrails: async () => (await import('./guardrails.ts')).GUARDRAILS_COMMAND,
  hunt: async () => (await import('./hunt.ts')).HUNT_COMMAND,
  kpi: async () => (await import('./kpi.ts')).KPI_COMMAND,
  policy: async () => (await import('./policy.ts')).POLICY_COMMAND,
  respond: async () => (await import('./respond.ts')).RESPOND_COMMAND,
  rules: async () => (await import('./rules.ts')).RULES_COMMAND,
  scan: async () => (await import('./scan.ts')).SCAN_COMMAND,
  serve: async () => (await import('./serve.ts')).SERVE_COMMAND,
  token: async () => (await import('./token.ts')).TOKEN_COMMAND,
};
