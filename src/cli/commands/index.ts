// The registry of sub-commands, name -> one-line summary and loader, in alphabetical order. Loaders import lazily so
// that one command does not pay for the start-up of the others (the AWS SDK clients of `audit` cost a noticeable part
// of a second); the summaries live here so that `mfaguard --help` and typo suggestions load no command at all.

import type { Command } from '../command.ts';

export interface CommandEntry {
  /** One line for `mfaguard --help`. */
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  approve: {
    summary: 'record an approved MFA change (user, ticket, window) so a matching removal is not raised',
    load: async () => (await import('./approve.ts')).APPROVE_COMMAND,
  },
  audit: {
    summary: 'audit MFA posture and CIS IAM controls for an account, an organization or exported files',
    load: async () => (await import('./audit.ts')).AUDIT_COMMAND,
  },
  demo: {
    summary: 'scan the bundled sample archive (offline) and check the findings against its ground truth',
    load: async () => (await import('./demo.ts')).DEMO_COMMAND,
  },
  generate: {
    summary: 'write a realistic CloudTrail archive with planted MFA stories and its ground truth',
    load: async () => (await import('./generate.ts')).GENERATE_COMMAND,
  },
  guardrails: {
    summary:
      'generate the MFA enforcement policy, quarantine policy, SCP and EventBridge rule (JSON, CloudFormation, Terraform)',
    load: async () => (await import('./guardrails.ts')).GUARDRAILS_COMMAND,
  },
  hunt: {
    summary:
      'retro-hunt where the data is: Athena, CloudTrail Lake, or DuckDB over local files; triaged as scan',
    load: async () => (await import('./hunt.ts')).HUNT_COMMAND,
  },
  kpi: {
    summary:
      'MFA removal figures over CloudTrail archives: per month by classification, vulnerability window',
    load: async () => (await import('./kpi.ts')).KPI_COMMAND,
  },
  policy: {
    summary: 'check IAM policy documents: do they really enforce MFA (console and access keys)?',
    load: async () => (await import('./policy.ts')).POLICY_COMMAND,
  },
  respond: {
    summary: 'plan, apply or undo the containment actions of a case (quarantine, revoke sessions)',
    load: async () => (await import('./respond.ts')).RESPOND_COMMAND,
  },
  rules: {
    summary: 'list, validate and test detection rules (built-in, Elastic TOML, Sigma YAML)',
    load: async () => (await import('./rules.ts')).RULES_COMMAND,
  },
  scan: {
    summary: 'find MFA removals and related detections in CloudTrail archives (folders, files, S3, stdin)',
    load: async () => (await import('./scan.ts')).SCAN_COMMAND,
  },
  serve: {
    summary: 'run the live service: ingestion, cases, owner verification, notifications, API and dashboard',
    load: async () => (await import('./serve.ts')).SERVE_COMMAND,
  },
  token: {
    summary: 'create, list or revoke API tokens (viewer, responder, admin) for the service',
    load: async () => (await import('./token.ts')).TOKEN_COMMAND,
  },
};
