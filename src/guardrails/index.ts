// Public face of the guardrail generators: policies, SCP, EventBridge rule, as JSON, CloudFormation and Terraform.

export { ATHENA_PARTITION_KEYS, generateAthenaTable } from './athena-table.ts';
export type { AthenaTableOptions } from './athena-table.ts';
export {
  DEFAULT_BREAK_GLASS_ROLE,
  generateGuardrail,
  generateGuardrails,
  GUARDRAIL_FORMATS,
  GUARDRAIL_KINDS,
  guardrailJson,
  guardrailTemplate,
} from './generate.ts';
export type { GeneratedGuardrail, GuardrailFormat, GuardrailKind, GuardrailOptions } from './generate.ts';
export {
  breakGlassPrincipalPatterns,
  buildBreakGlassScp,
  buildMfaEnforcementPolicy,
  buildQuarantinePolicy,
  MFA_REMOVAL_ACTIONS,
  QUARANTINE_EXEMPT_ACTIONS,
} from './policies.ts';
export type { PolicyDocument, PolicyStatementDocument, QuarantineMode } from './policies.ts';
export {
  API_KEY_HEADER,
  buildDenialPattern,
  buildEventPattern,
  INGEST_PATH,
  ingestEndpoint,
  MFA_EVENT_NAMES,
} from './eventbridge.ts';
export type { EventPattern, EventTargetKind } from './eventbridge.ts';
