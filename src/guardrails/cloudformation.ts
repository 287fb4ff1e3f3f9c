// CloudFormation templates (as plain objects, intrinsic functions in long form) for each guardrail.

import { cfnPartitioned } from './partition.ts';
import {
  breakGlassPrincipalPatterns,
  buildBreakGlassScp,
  buildMfaEnforcementPolicy,
  buildQuarantinePolicy,
  MFA_REMOVAL_ACTIONS,
} from './policies.ts';
import type { QuarantineMode } from './policies.ts';
import { API_KEY_HEADER, buildDenialPattern, buildEventPattern, ruleState } from './eventbridge.ts';
import type { EventTargetKind } from './eventbridge.ts';
import { cfnCoverage } from './eventbridge-regions.ts';
import type { EventBridgeCoverage } from './eventbridge-regions.ts';

export type Template = Record<string, unknown>;

const VERSION = '2010-09-09';
const NO_VALUE = { Ref: 'AWS::NoValue' };

/** `Parameters` + `Conditions` for an optional comma-separated list (empty means "do not set"). */
function optionalList(name: string, description: string): { parameter: Template; condition: Template } {
  return {
    parameter: { [name]: { Type: 'CommaDelimitedList', Default: '', Description: description } },
    condition: {
      [`Has${name}`]: { 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: name }] }, ''] }] },
    },
  };
}

export function mfaEnforcementTemplate(): Template {
  const groups = optionalList(
    'Groups',
    'IAM groups of human users to attach the policy to (empty: attach it later)',
  );
  return {
    AWSTemplateFormatVersion: VERSION,
    Description:
      'mfaguard: self-service MFA enforcement. Users manage their own password and MFA device; everything else is denied without MFA (BoolIfExists, so long-term access keys are denied too).',
    Parameters: {
      PolicyName: {
        Type: 'String',
        Default: 'mfaguard-enforce-mfa',
        Description: 'Name of the managed policy',
      },
      ...groups.parameter,
    },
    Conditions: groups.condition,
    Resources: {
      EnforceMfaPolicy: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: { Ref: 'PolicyName' },
          Description: 'Deny everything but MFA self-service unless the request was made with MFA (mfaguard)',
          PolicyDocument: cfnPartitioned(buildMfaEnforcementPolicy()),
          Groups: { 'Fn::If': ['HasGroups', { Ref: 'Groups' }, NO_VALUE] },
        },
      },
    },
    Outputs: {
      PolicyArn: { Description: 'ARN of the enforcement policy', Value: { Ref: 'EnforceMfaPolicy' } },
    },
  };
}

export function quarantineTemplate(mode: QuarantineMode): Template {
  return {
    AWSTemplateFormatVersion: VERSION,
    Description: `mfaguard: quarantine policy (${mode}) for a user whose MFA was removed; attached by the responder, detached by a human after verification.`,
    Parameters: {
      PolicyName: {
        Type: 'String',
        Default: 'mfaguard-quarantine',
        Description: 'Name of the managed policy',
      },
    },
    Resources: {
      QuarantinePolicy: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: { Ref: 'PolicyName' },
          Description: 'Quarantine after an MFA removal (mfaguard)',
          PolicyDocument: cfnPartitioned(buildQuarantinePolicy(mode)),
        },
      },
    },
    Outputs: {
      PolicyArn: { Description: 'ARN of the quarantine policy', Value: { Ref: 'QuarantinePolicy' } },
    },
  };
}

export function breakGlassScpTemplate(role: string): Template {
  const targets = optionalList(
    'TargetIds',
    'Root, OU or account ids to attach the SCP to (empty: attach it later)',
  );
  const byName = !role.startsWith('arn:');
  const document = buildBreakGlassScp(role);
  // With a role name, the name is a parameter and the patterns are built with Fn::Sub.
  const principals = byName
    ? [
        { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/${BreakGlassRoleName}' },
        { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/*/${BreakGlassRoleName}' },
      ]
    : breakGlassPrincipalPatterns(role);
  const statement = document.Statement[0];
  return {
    AWSTemplateFormatVersion: VERSION,
    Description:
      'mfaguard: SCP denying iam:DeactivateMFADevice and iam:DeleteVirtualMFADevice to everyone but the break-glass role. SCPs do not apply to the management account.',
    Parameters: {
      ...(byName
        ? {
            BreakGlassRoleName: {
              Type: 'String',
              Default: role,
              Description: 'The only role allowed to remove MFA devices',
            },
          }
        : {}),
      PolicyName: { Type: 'String', Default: 'mfaguard-deny-mfa-removal', Description: 'Name of the SCP' },
      ...targets.parameter,
    },
    Conditions: targets.condition,
    Resources: {
      DenyMfaRemovalScp: {
        Type: 'AWS::Organizations::Policy',
        Properties: {
          Name: { Ref: 'PolicyName' },
          Description: 'Deny MFA device removal except for the break-glass role (mfaguard)',
          Type: 'SERVICE_CONTROL_POLICY',
          Content: {
            Version: document.Version,
            Statement: [
              {
                Sid: statement?.Sid,
                Effect: 'Deny',
                Action: [...MFA_REMOVAL_ACTIONS],
                Resource: '*',
                Condition: { ArnNotLike: { 'aws:PrincipalArn': principals } },
              },
            ],
          },
          TargetIds: { 'Fn::If': ['HasTargetIds', { Ref: 'TargetIds' }, NO_VALUE] },
        },
      },
    },
    Outputs: { PolicyId: { Description: 'Id of the SCP', Value: { Ref: 'DenyMfaRemovalScp' } } },
  };
}

/** The queue takes messages from mfaguard's rules only (the main rule, and the denials rule when there is one). */
function queuePolicy(queue: string, rules: readonly string[]): Template {
  const arns = rules.map((rule) => ({ 'Fn::GetAtt': [rule, 'Arn'] }));
  return {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowMfaguardRule',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': arns.length === 1 ? arns[0] : arns } },
          },
        ],
      },
    },
  };
}

/** The rule (and the denials rule when asked for) with `targets`, keyed by logical id. */
function eventRules(coverage: EventBridgeCoverage, targets: unknown[]): Template {
  const covered = cfnCoverage(coverage);
  const rule = (denials: boolean): Template => ({
    Type: 'AWS::Events::Rule',
    Properties: {
      Name: denials ? 'mfaguard-access-denials' : 'mfaguard-mfa-events',
      Description: denials
        ? "Access denials of every service, for mfaguard's MFA-related denials KPI"
        : 'MFA, login-profile, access-key and sign-in events for mfaguard',
      ...(covered.eventBusName === null ? {} : { EventBusName: covered.eventBusName }),
      State: ruleState(coverage.readOnly),
      EventPattern: denials ? buildDenialPattern() : buildEventPattern({ readOnly: coverage.readOnly }),
      Targets: targets,
    },
  });
  // Both rules have the same target; the denials rule only when asked for.
  return { MfaguardRule: rule(false), ...(coverage.denials ? { MfaguardDenialsRule: rule(true) } : {}) };
}

/** The rule with an API destination (HTTPS + API key header) or an SQS queue as its target. */
export function eventBridgeTemplate(
  target: EventTargetKind,
  endpoint: string | null,
  coverage: EventBridgeCoverage,
): Template {
  return target === 'sqs' ? sqsTemplate(coverage) : apiDestinationTemplate(endpoint, coverage);
}

function ruleIdsOf(coverage: EventBridgeCoverage): string[] {
  return coverage.denials ? ['MfaguardRule', 'MfaguardDenialsRule'] : ['MfaguardRule'];
}

function sqsTemplate(coverage: EventBridgeCoverage): Template {
  const covered = cfnCoverage(coverage);
  const where = deployWhere(coverage);
  const ruleIds = ruleIdsOf(coverage);
  const rules = (targets: unknown[]) => eventRules(coverage, targets);
  return {
    AWSTemplateFormatVersion: VERSION,
    Description: `mfaguard: EventBridge rule sending MFA events to an SQS queue mfaguard reads. ${where}`,
    ...(Object.keys(covered.parameters).length === 0 ? {} : { Parameters: covered.parameters }),
    Resources: {
      ...covered.resources,
      MfaguardQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: 'mfaguard-mfa-events', MessageRetentionPeriod: 1209600 },
      },
      MfaguardQueuePolicy: queuePolicy('MfaguardQueue', ruleIds),
      ...rules([{ Id: 'mfaguard-sqs', Arn: { 'Fn::GetAtt': ['MfaguardQueue', 'Arn'] } }]),
    },
    Outputs: {
      QueueUrl: { Description: 'Give this to mfaguard as its SQS source', Value: { Ref: 'MfaguardQueue' } },
    },
  };
}

function apiDestinationTemplate(endpoint: string | null, coverage: EventBridgeCoverage): Template {
  const covered = cfnCoverage(coverage);
  const where = deployWhere(coverage);
  const ruleIds = ruleIdsOf(coverage);
  const rules = (targets: unknown[]) => eventRules(coverage, targets);
  return {
    AWSTemplateFormatVersion: VERSION,
    Description: `mfaguard: EventBridge rule sending MFA events to mfaguard's /ingest/eventbridge through an API destination; undeliverable events go to a dead-letter queue. ${where}`,
    Parameters: {
      ...covered.parameters,
      MfaguardEndpoint: {
        Type: 'String',
        ...(endpoint === null ? {} : { Default: endpoint }),
        Description: "mfaguard's ingest URL (HTTPS, ending in /ingest/eventbridge)",
      },
      MfaguardApiKey: {
        Type: 'String',
        NoEcho: true,
        MinLength: 16,
        Description: `API key mfaguard expects in the ${API_KEY_HEADER} header`,
      },
    },
    Resources: {
      ...covered.resources,
      MfaguardConnection: {
        Type: 'AWS::Events::Connection',
        Properties: {
          Name: 'mfaguard',
          AuthorizationType: 'API_KEY',
          AuthParameters: {
            ApiKeyAuthParameters: { ApiKeyName: API_KEY_HEADER, ApiKeyValue: { Ref: 'MfaguardApiKey' } },
          },
        },
      },
      MfaguardApiDestination: {
        Type: 'AWS::Events::ApiDestination',
        Properties: {
          Name: 'mfaguard-ingest',
          ConnectionArn: { 'Fn::GetAtt': ['MfaguardConnection', 'Arn'] },
          InvocationEndpoint: { Ref: 'MfaguardEndpoint' },
          HttpMethod: 'POST',
          InvocationRateLimitPerSecond: 10,
        },
      },
      MfaguardInvokeRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
          Policies: [
            {
              PolicyName: 'invoke-mfaguard',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: 'events:InvokeApiDestination',
                    Resource: { 'Fn::GetAtt': ['MfaguardApiDestination', 'Arn'] },
                  },
                ],
              },
            },
          ],
        },
      },
      MfaguardDeadLetterQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: 'mfaguard-mfa-events-dlq', MessageRetentionPeriod: 1209600 },
      },
      MfaguardDeadLetterQueuePolicy: queuePolicy('MfaguardDeadLetterQueue', ruleIds),
      ...rules([
        {
          Id: 'mfaguard-api',
          Arn: { 'Fn::GetAtt': ['MfaguardApiDestination', 'Arn'] },
          RoleArn: { 'Fn::GetAtt': ['MfaguardInvokeRole', 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['MfaguardDeadLetterQueue', 'Arn'] } },
        },
      ]),
    },
    Outputs: { RuleArn: { Description: 'The rule', Value: { 'Fn::GetAtt': ['MfaguardRule', 'Arn'] } } },
  };
}

/** Where the stack goes, said in each template's description. */
export function deployWhere(coverage: EventBridgeCoverage): string {
  const others = coverage.forwardRegions.filter((region) => region !== coverage.homeRegion);
  const org =
    coverage.organization === null
      ? ''
      : ` Member accounts of ${coverage.organization.id} forward to its bus.`;
  return `Deploy in ${coverage.homeRegion} (IAM events are delivered in us-east-1)${
    others.length === 0 ? '' : `; a stack set forwards ${others.join(', ')}`
  }.${org}`;
}
