// One entry point for every guardrail in every format: what `mfaguard guardrails` writes to stdout or to files.

import { stringify } from 'yaml';
import { buildDenialPattern, buildEventPattern, ingestEndpoint, API_KEY_HEADER } from './eventbridge.ts';
import type { EventTargetKind } from './eventbridge.ts';
import { jsonCoverage, ORG_BUS_NAME, resolveCoverage } from './eventbridge-regions.ts';
import type { CoverageOptions, EventBridgeCoverage } from './eventbridge-regions.ts';
import { ruleState } from './eventbridge.ts';
import {
  breakGlassScpTemplate,
  eventBridgeTemplate,
  mfaEnforcementTemplate,
  quarantineTemplate,
} from './cloudformation.ts';
import type { Template } from './cloudformation.ts';
import { buildBreakGlassScp, buildMfaEnforcementPolicy, buildQuarantinePolicy } from './policies.ts';
import type { QuarantineMode } from './policies.ts';
import { checkRolePartition, inPartition } from './partition.ts';
import type { Partition } from '../model/index.ts';
import {
  breakGlassScpTerraform,
  eventBridgeTerraform,
  mfaEnforcementTerraform,
  quarantineTerraform,
} from './terraform.ts';

export const GUARDRAIL_KINDS = ['policy', 'quarantine', 'scp', 'eventbridge'] as const;
export type GuardrailKind = (typeof GUARDRAIL_KINDS)[number];
export const GUARDRAIL_FORMATS = ['json', 'cloudformation', 'terraform'] as const;
export type GuardrailFormat = (typeof GUARDRAIL_FORMATS)[number];

export const DEFAULT_BREAK_GLASS_ROLE = 'BreakGlass';

export interface GuardrailOptions extends CoverageOptions {
  /** Role name or ARN exempt from the SCP; default `BreakGlass`. */
  readonly breakGlassRole?: string;
  /** mfaguard's HTTPS base URL; when given, the EventBridge target is an API destination. */
  readonly endpoint?: string;
  /** Force the EventBridge target; default `api` with an endpoint, `sqs` without. */
  readonly target?: EventTargetKind;
  readonly quarantineMode?: QuarantineMode;
  /**
   * The partition of the literal ARNs the `json` format writes; default `aws`. CloudFormation and Terraform refer
   * to the deployed partition instead (`${AWS::Partition}`, `data "aws_partition"`), so it does not change them.
   */
  readonly partition?: Partition;
}

export interface GeneratedGuardrail {
  /** `athena-table` is made on request only (it needs the trail's bucket), never by `all`. */
  readonly kind: GuardrailKind | 'athena-table';
  readonly format: GuardrailFormat;
  readonly fileName: string;
  readonly content: string;
}

const BASE_NAME: Readonly<Record<GuardrailKind, string>> = {
  policy: 'mfaguard-enforce-mfa',
  quarantine: 'mfaguard-quarantine',
  scp: 'mfaguard-deny-mfa-removal-scp',
  eventbridge: 'mfaguard-eventbridge',
};

const EXTENSION: Readonly<Record<GuardrailFormat, string>> = {
  json: 'json',
  cloudformation: 'cfn.yaml',
  terraform: 'tf',
};

interface Resolved {
  readonly role: string;
  readonly endpoint: string | null;
  readonly target: EventTargetKind;
  readonly quarantineMode: QuarantineMode;
  readonly coverage: EventBridgeCoverage;
  readonly partition: Partition;
}

function resolve(options: GuardrailOptions): Resolved {
  const endpoint = options.endpoint === undefined ? null : ingestEndpoint(options.endpoint);
  return {
    role: options.breakGlassRole ?? DEFAULT_BREAK_GLASS_ROLE,
    endpoint,
    target: options.target ?? (endpoint === null ? 'sqs' : 'api'),
    quarantineMode: options.quarantineMode ?? 're-enrol',
    coverage: resolveCoverage(options),
    partition: options.partition ?? 'aws',
  };
}

/** The EventBridge guardrail as JSON: the pattern for `put-rule` and the target's settings for `put-targets`. */
function eventBridgeJson(o: Resolved): Record<string, unknown> {
  const c = o.coverage;
  const rule = {
    Name: 'mfaguard-mfa-events',
    ...(c.organization === null ? {} : { EventBusName: ORG_BUS_NAME }),
    State: ruleState(c.readOnly),
    EventPattern: buildEventPattern({ readOnly: c.readOnly }),
  };
  // The denials rule has the same target as the main rule (put-targets on both).
  const denialsRule = c.denials
    ? {
        denialsRule: {
          Name: 'mfaguard-access-denials',
          ...(c.organization === null ? {} : { EventBusName: ORG_BUS_NAME }),
          State: ruleState(c.readOnly),
          EventPattern: buildDenialPattern(),
        },
      }
    : {};
  if (o.target === 'sqs') {
    return {
      rule,
      ...denialsRule,
      target: { Id: 'mfaguard-sqs', Arn: '<arn of the SQS queue mfaguard reads>' },
      ...jsonCoverage(c),
    };
  }
  return {
    rule,
    ...denialsRule,
    ...jsonCoverage(c),
    connection: {
      Name: 'mfaguard',
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: { ApiKeyName: API_KEY_HEADER, ApiKeyValue: '<mfaguard API key>' },
      },
    },
    apiDestination: {
      Name: 'mfaguard-ingest',
      InvocationEndpoint: o.endpoint ?? '<https://mfaguard.example.com/ingest/eventbridge>',
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: 10,
    },
    target: {
      Id: 'mfaguard-api',
      Arn: '<arn of the API destination>',
      RoleArn: '<arn of a role events.amazonaws.com can assume, allowed events:InvokeApiDestination>',
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      DeadLetterConfig: { Arn: '<arn of a dead-letter SQS queue>' },
    },
  };
}

/** What one guardrail is written as: its JSON value, its CloudFormation template and its Terraform. */
interface GuardrailRenderings {
  readonly json: (o: Resolved) => unknown;
  readonly template: (o: Resolved) => Template;
  readonly terraform: (o: Resolved) => string;
}

/** The guardrails, kind -> renderings, in alphabetical order: a new guardrail is one entry here. */
const GUARDRAILS: Readonly<Record<GuardrailKind, GuardrailRenderings>> = {
  eventbridge: {
    json: (o) => eventBridgeJson(o),
    template: (o) => eventBridgeTemplate(o.target, o.endpoint, o.coverage),
    terraform: (o) => eventBridgeTerraform(o.target, o.endpoint, o.coverage),
  },
  policy: {
    json: () => buildMfaEnforcementPolicy(),
    template: () => mfaEnforcementTemplate(),
    terraform: () => mfaEnforcementTerraform(),
  },
  quarantine: {
    json: (o) => buildQuarantinePolicy(o.quarantineMode),
    template: (o) => quarantineTemplate(o.quarantineMode),
    terraform: (o) => quarantineTerraform(o.quarantineMode),
  },
  scp: {
    json: (o) => buildBreakGlassScp(o.role),
    template: (o) => breakGlassScpTemplate(o.role),
    terraform: (o) => breakGlassScpTerraform(o.role),
  },
};

/** The builders write `arn:aws:`; the JSON value is the one rendering whose ARNs are literal, so it takes the partition. */
function jsonFor(kind: GuardrailKind, o: Resolved): unknown {
  if (kind === 'scp') checkRolePartition(o.role, o.partition);
  return inPartition(GUARDRAILS[kind].json(o), o.partition);
}

function templateFor(kind: GuardrailKind, o: Resolved): Template {
  return GUARDRAILS[kind].template(o);
}

function terraformFor(kind: GuardrailKind, o: Resolved): string {
  return GUARDRAILS[kind].terraform(o);
}

/** The JSON value of a guardrail (policy document, or rule + target settings). */
export function guardrailJson(kind: GuardrailKind, options: GuardrailOptions = {}): unknown {
  return jsonFor(kind, resolve(options));
}

/** The CloudFormation template of a guardrail, as an object. */
export function guardrailTemplate(kind: GuardrailKind, options: GuardrailOptions = {}): Template {
  return templateFor(kind, resolve(options));
}

/**
 * Generates one guardrail in one format. Throws `UsageError` for a bad role name or endpoint. The
 * YAML is written without anchors or custom tags (intrinsic functions in their long `Fn::` form), so
 * any YAML or JSON reader — and CloudFormation — reads it as it is.
 */
export function generateGuardrail(
  kind: GuardrailKind,
  format: GuardrailFormat,
  options: GuardrailOptions = {},
): GeneratedGuardrail {
  const o = resolve(options);
  let content: string;
  switch (format) {
    case 'json':
      content = `${JSON.stringify(jsonFor(kind, o), null, 2)}\n`;
      break;
    case 'cloudformation':
      content = stringify(templateFor(kind, o), {
        aliasDuplicateObjects: false,
        lineWidth: 0,
        version: '1.1',
      });
      break;
    case 'terraform':
      content = terraformFor(kind, o);
      break;
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
  return { kind, format, fileName: `${BASE_NAME[kind]}.${EXTENSION[format]}`, content };
}

export function generateGuardrails(
  kinds: readonly GuardrailKind[],
  format: GuardrailFormat,
  options: GuardrailOptions = {},
): GeneratedGuardrail[] {
  return kinds.map((kind) => generateGuardrail(kind, format, options));
}
