// Where the EventBridge rule listens: the home region, the regions that forward to it, and organisation-wide delivery.

import { UsageError } from '../model/index.ts';
import { buildDenialPattern, buildEventPattern, ruleState } from './eventbridge.ts';
import { block, expr, jsonencode, template as hclTemplate } from './hcl.ts';
import type { HclBlock, HclValue } from './hcl.ts';

/**
 * IAM is a global service: its CloudTrail events (and those of STS's global endpoint and root sign-ins) reach
 * EventBridge in us-east-1 only, so that region is always covered.
 */
export const GLOBAL_EVENTS_REGION = 'us-east-1';
/** The organisation's event bus in the home region of the account that runs mfaguard's rule. */
export const ORG_BUS_NAME = 'mfaguard';
export const FORWARDER_STACK_SET = 'mfaguard-forwarders';
/**
 * Organisation-wide, the stack runs in the management account (a service-managed stack set is created there), and a
 * service-managed stack set never deploys to the management account itself, whatever OUs it targets: the management
 * account's own regions other than the home one (where the local rule forwards) get this self-managed stack set.
 */
export const MANAGEMENT_STACK_SET = 'mfaguard-forwarders-management';

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const OU_ID = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;

export interface CoverageOptions {
  /** Regions whose events reach mfaguard; us-east-1 is added (global service events). Default: us-east-1 only. */
  readonly regions?: readonly string[];
  /** Where the rule with mfaguard's target lives; default us-east-1. */
  readonly homeRegion?: string;
  /** `o-…`: member accounts forward to an organisation bus in the home region (its policy names the organisation). */
  readonly organizationId?: string;
  /** Root (`r-…`) or OU ids the member forwarders are deployed to; without them the template asks for them. */
  readonly organizationalUnitIds?: readonly string[];
  /** Deliver read-only calls (Get*, List*, Describe*) too: the rule state that includes them. Default true. */
  readonly readOnlyEvents?: boolean;
  /** Add a second rule (and forwarder) for the access denials of every service, for the denials KPI. Default false. */
  readonly denialEvents?: boolean;
}

export interface EventBridgeCoverage {
  readonly homeRegion: string;
  /** Every covered region, sorted. */
  readonly regions: readonly string[];
  /** Regions that get a forwarding rule: the others (one account), or all of them (each member account). */
  readonly forwardRegions: readonly string[];
  readonly organization: { readonly id: string; readonly unitIds: readonly string[] } | null;
  /** Organisation-wide: the management account's regions a self-managed stack set forwards (all but the home one). */
  readonly managementRegions: readonly string[];
  readonly readOnly: boolean;
  readonly denials: boolean;
}

function check(values: readonly string[], pattern: RegExp, option: string, example: string): void {
  const bad = values.find((value) => !pattern.test(value));
  if (bad !== undefined)
    throw new UsageError(`--${option}: '${bad.slice(0, 40)}' is not valid (expected e.g. ${example})`);
}

export function resolveCoverage(options: CoverageOptions): EventBridgeCoverage {
  const given = options.regions ?? [];
  check(given, REGION, 'regions', 'eu-west-1');
  const homeRegion = options.homeRegion ?? GLOBAL_EVENTS_REGION;
  check([homeRegion], REGION, 'home-region', 'us-east-1');
  const regions = [...new Set([...given, GLOBAL_EVENTS_REGION, homeRegion])].sort();
  const unitIds = options.organizationalUnitIds ?? [];
  check(unitIds, OU_ID, 'org-units', 'r-ab12 or ou-ab12-cdef3456');
  let organization: EventBridgeCoverage['organization'] = null;
  if (options.organizationId !== undefined) {
    check([options.organizationId], ORG_ID, 'organization-id', 'o-a1b2c3d4e5');
    organization = { id: options.organizationId, unitIds };
  } else if (unitIds.length > 0) {
    throw new UsageError('--org-units needs --organization-id (the organisation the bus policy admits)');
  }
  return {
    homeRegion,
    regions,
    forwardRegions: organization === null ? regions.filter((region) => region !== homeRegion) : regions,
    organization,
    managementRegions: organization === null ? [] : regions.filter((region) => region !== homeRegion),
    readOnly: options.readOnlyEvents ?? true,
    denials: options.denialEvents ?? false,
  };
}

const TRUST_EVENTS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** The organisation bus's policy: any principal of the organisation may put events on it, no one else. */
export function orgBusStatement(orgId: string, busArn: unknown): Record<string, unknown> {
  return {
    Sid: 'MfaguardOrganizationForwarders',
    Effect: 'Allow',
    Principal: '*',
    Action: 'events:PutEvents',
    Resource: busArn,
    Condition: { StringEquals: { 'aws:PrincipalOrgID': orgId } },
  };
}

function cfnForwardRole(busArn: unknown): Record<string, unknown> {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: TRUST_EVENTS,
      Policies: [
        {
          PolicyName: 'forward-to-mfaguard',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn }],
          },
        },
      ],
    },
  };
}

function cfnForwardRule(
  c: EventBridgeCoverage,
  name: string,
  busArn: unknown,
  role: string,
  denials = false,
): Record<string, unknown> {
  return {
    Type: 'AWS::Events::Rule',
    Properties: {
      Name: denials ? `${name}-denials` : name,
      Description: denials
        ? "Access denials for mfaguard's denials KPI, sent to its home region's bus"
        : "MFA, sign-in and identity events for mfaguard, sent to its home region's bus",
      State: ruleState(c.readOnly),
      EventPattern: denials ? buildDenialPattern() : buildEventPattern({ readOnly: c.readOnly }),
      Targets: [{ Id: 'mfaguard-home-bus', Arn: busArn, RoleArn: { 'Fn::GetAtt': [role, 'Arn'] } }],
    },
  };
}

/**
 * The stack each forwarding region (and, organisation-wide, each member account) runs: a rule with mfaguard's
 * pattern on the default bus whose target is mfaguard's bus, with the role EventBridge needs to put events on a bus
 * in another region or account.
 */
export function forwarderTemplate(c: EventBridgeCoverage): Record<string, unknown> {
  const busArn = { Ref: 'TargetEventBusArn' };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `mfaguard: forwards MFA, sign-in and identity events from this region's default bus to mfaguard's bus in ${c.homeRegion}.`,
    Parameters: {
      TargetEventBusArn: { Type: 'String', Description: "ARN of mfaguard's event bus in the home region" },
    },
    Resources: {
      MfaguardForwardRole: cfnForwardRole(busArn),
      MfaguardForwardRule: cfnForwardRule(c, 'mfaguard-forward', busArn, 'MfaguardForwardRole'),
      ...(c.denials
        ? {
            MfaguardForwardDenialsRule: cfnForwardRule(
              c,
              'mfaguard-forward',
              busArn,
              'MfaguardForwardRole',
              true,
            ),
          }
        : {}),
    },
  };
}

// CloudFormation ---------------------------------------------------------------------------------

export interface CfnCoverage {
  readonly parameters: Record<string, unknown>;
  readonly resources: Record<string, unknown>;
  /** What the main rule's EventBusName is set to; null: the default bus. */
  readonly eventBusName: unknown;
}

const CFN_DEFAULT_BUS = {
  'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
};

/**
 * A stack set of forwarders. `members`: this account's other regions (self-managed), or organisation-wide every
 * region of the accounts in the OUs (service-managed). `management`: this (the management) account's regions other
 * than the home one, which the service-managed one never reaches (self-managed).
 */
function cfnStackSet(
  c: EventBridgeCoverage,
  busArn: unknown,
  which: 'members' | 'management',
): Record<string, unknown> {
  const serviceManaged = which === 'members' && c.organization !== null;
  const regions = which === 'members' ? c.forwardRegions : c.managementRegions;
  return {
    Type: 'AWS::CloudFormation::StackSet',
    Properties: {
      StackSetName: which === 'members' ? FORWARDER_STACK_SET : MANAGEMENT_STACK_SET,
      Description:
        which === 'members'
          ? `mfaguard: forwarding rules in ${regions.join(', ')}`
          : `mfaguard: forwarding rules of the management account in ${regions.join(', ')} (service-managed stack sets skip it)`,
      ...(serviceManaged
        ? {
            PermissionModel: 'SERVICE_MANAGED',
            // New accounts in the OUs get the forwarders; an account leaving takes its stacks with it.
            AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
          }
        : // Self-managed: needs the AWSCloudFormationStackSetAdministrationRole / ExecutionRole of the stack set guide.
          { PermissionModel: 'SELF_MANAGED' }),
      Capabilities: ['CAPABILITY_IAM'],
      ManagedExecution: { Active: true },
      OperationPreferences: { RegionConcurrencyType: 'PARALLEL', MaxConcurrentPercentage: 100 },
      Parameters: [{ ParameterKey: 'TargetEventBusArn', ParameterValue: busArn }],
      StackInstancesGroup: [
        {
          DeploymentTargets: serviceManaged
            ? { OrganizationalUnitIds: { Ref: 'OrganizationalUnitIds' } }
            : { Accounts: [{ Ref: 'AWS::AccountId' }] },
          Regions: [...regions],
        },
      ],
      TemplateBody: JSON.stringify(forwarderTemplate(c)),
    },
  };
}

/** The organisation bus (and the home account's own default bus forwarding to it) and the forwarders' stack set. */
export function cfnCoverage(c: EventBridgeCoverage): CfnCoverage {
  const org = c.organization;
  const busArn = org === null ? CFN_DEFAULT_BUS : { 'Fn::GetAtt': ['MfaguardEventBus', 'Arn'] };
  const resources: Record<string, unknown> = {};
  const parameters: Record<string, unknown> = {};
  if (org !== null) {
    resources['MfaguardEventBus'] = { Type: 'AWS::Events::EventBus', Properties: { Name: ORG_BUS_NAME } };
    resources['MfaguardEventBusPolicy'] = {
      Type: 'AWS::Events::EventBusPolicy',
      Properties: {
        EventBusName: { Ref: 'MfaguardEventBus' },
        StatementId: 'MfaguardOrganizationForwarders',
        Statement: orgBusStatement(org.id, busArn),
      },
    };
    // The home account's own events in the home region: its default bus forwards them like a member's would.
    resources['MfaguardLocalForwardRole'] = cfnForwardRole(busArn);
    resources['MfaguardLocalForwardRule'] = cfnForwardRule(
      c,
      'mfaguard-forward-local',
      busArn,
      'MfaguardLocalForwardRole',
    );
    if (c.denials)
      resources['MfaguardLocalForwardDenialsRule'] = cfnForwardRule(
        c,
        'mfaguard-forward-local',
        busArn,
        'MfaguardLocalForwardRole',
        true,
      );
    parameters['OrganizationalUnitIds'] = {
      Type: 'CommaDelimitedList',
      ...(org.unitIds.length === 0 ? {} : { Default: org.unitIds.join(',') }),
      Description: 'Root (r-…) or OU ids whose accounts forward their events (service-managed stack set)',
    };
  }
  if (c.forwardRegions.length > 0) resources['MfaguardForwarders'] = cfnStackSet(c, busArn, 'members');
  if (c.managementRegions.length > 0)
    resources['MfaguardManagementForwarders'] = cfnStackSet(c, busArn, 'management');
  return { parameters, resources, eventBusName: org === null ? null : { Ref: 'MfaguardEventBus' } };
}

// Terraform --------------------------------------------------------------------------------------

export interface TfCoverage {
  readonly blocks: HclBlock[];
  /** The main rule's `event_bus_name`; null: the default bus. */
  readonly eventBusName: HclValue | null;
}

/** The same pieces for Terraform: the bus, its policy, the local forwarder, and the stack set with one instance per region. */
export function tfCoverage(c: EventBridgeCoverage): TfCoverage {
  const org = c.organization;
  const blocks: HclBlock[] = [];
  const busArn =
    org === null
      ? hclTemplate(
          'arn:',
          expr('data.aws_partition.current.partition'),
          `:events:${c.homeRegion}:`,
          expr('data.aws_caller_identity.current.account_id'),
          ':event-bus/default',
        )
      : expr('aws_cloudwatch_event_bus.mfaguard.arn');
  if (org !== null) {
    blocks.push(
      block(
        'variable',
        ['mfaguard_org_unit_ids'],
        [
          [
            'description',
            'Root (r-…) or OU ids whose accounts forward their events (service-managed stack set)',
          ],
          ['type', expr('list(string)')],
          ...(org.unitIds.length === 0 ? [] : ([['default', [...org.unitIds]]] as const)),
        ],
      ),
      block('resource', ['aws_cloudwatch_event_bus', 'mfaguard'], [['name', ORG_BUS_NAME]]),
      block(
        'resource',
        ['aws_cloudwatch_event_bus_policy', 'mfaguard'],
        [
          ['event_bus_name', expr('aws_cloudwatch_event_bus.mfaguard.name')],
          [
            'policy',
            jsonencode({ Version: '2012-10-17', Statement: [orgBusStatement(org.id, busArn) as HclValue] }),
          ],
        ],
      ),
      ...tfLocalForwarder(c, busArn),
    );
  }
  // Self-managed stack sets name this account and their administration role by ARN.
  if ((org === null && c.forwardRegions.length > 0) || c.managementRegions.length > 0)
    blocks.push(
      block('data', ['aws_caller_identity', 'current'], []),
      block('data', ['aws_partition', 'current'], []),
    );
  if (c.forwardRegions.length > 0) blocks.push(...tfStackSet(c, busArn, 'members'));
  if (c.managementRegions.length > 0) blocks.push(...tfStackSet(c, busArn, 'management'));
  return { blocks, eventBusName: org === null ? null : expr('aws_cloudwatch_event_bus.mfaguard.name') };
}

function tfLocalForwarder(c: EventBridgeCoverage, busArn: HclValue): HclBlock[] {
  return [
    block(
      'resource',
      ['aws_iam_role', 'mfaguard_forward_local'],
      [
        ['name_prefix', 'mfaguard-forward-'],
        ['assume_role_policy', jsonencode(TRUST_EVENTS)],
      ],
    ),
    block(
      'resource',
      ['aws_iam_role_policy', 'mfaguard_forward_local'],
      [
        ['name', 'forward-to-mfaguard'],
        ['role', expr('aws_iam_role.mfaguard_forward_local.id')],
        [
          'policy',
          jsonencode({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn }],
          }),
        ],
      ],
    ),
    ...tfLocalForwardRule(
      'mfaguard_forward_local',
      "MFA, sign-in and identity events of this account, sent to the organisation's bus",
      c,
      buildEventPattern({ readOnly: c.readOnly }),
      busArn,
    ),
    ...(c.denials
      ? tfLocalForwardRule(
          'mfaguard_forward_local_denials',
          "Access denials of this account, sent to the organisation's bus",
          c,
          buildDenialPattern(),
          busArn,
        )
      : []),
  ];
}

/** One rule of the home account's default bus and its target, the organisation bus (through the local role). */
function tfLocalForwardRule(
  id: string,
  description: string,
  c: EventBridgeCoverage,
  pattern: unknown,
  busArn: HclValue,
): HclBlock[] {
  return [
    block(
      'resource',
      ['aws_cloudwatch_event_rule', id],
      [
        ['name', id.replaceAll('_', '-')],
        ['description', description],
        ['state', ruleState(c.readOnly)],
        ['event_pattern', jsonencode(JSON.parse(JSON.stringify(pattern)) as HclValue)],
      ],
    ),
    block(
      'resource',
      ['aws_cloudwatch_event_target', id],
      [
        ['rule', expr(`aws_cloudwatch_event_rule.${id}.name`)],
        ['target_id', 'mfaguard-org-bus'],
        ['arn', busArn],
        ['role_arn', expr('aws_iam_role.mfaguard_forward_local.arn')],
      ],
    ),
  ];
}

/** The stack set of `cfnStackSet` in Terraform, with one instance per region. */
function tfStackSet(c: EventBridgeCoverage, busArn: HclValue, which: 'members' | 'management'): HclBlock[] {
  const serviceManaged = which === 'members' && c.organization !== null;
  const regions = which === 'members' ? c.forwardRegions : c.managementRegions;
  const id = which === 'members' ? 'mfaguard_forwarders' : 'mfaguard_management_forwarders';
  return [
    block(
      'resource',
      ['aws_cloudformation_stack_set', id],
      [
        ['name', which === 'members' ? FORWARDER_STACK_SET : MANAGEMENT_STACK_SET],
        [
          'description',
          which === 'members'
            ? `mfaguard: forwarding rules in ${regions.join(', ')}`
            : `mfaguard: forwarding rules of the management account in ${regions.join(', ')} (service-managed stack sets skip it)`,
        ],
        ['permission_model', serviceManaged ? 'SERVICE_MANAGED' : 'SELF_MANAGED'],
        // The provider wants the administration role of a self-managed stack set spelled out (CloudFormation defaults it).
        ...(serviceManaged
          ? []
          : [
              [
                'administration_role_arn',
                hclTemplate(
                  'arn:',
                  expr('data.aws_partition.current.partition'),
                  ':iam::',
                  expr('data.aws_caller_identity.current.account_id'),
                  ':role/AWSCloudFormationStackSetAdministrationRole',
                ),
              ] as const,
            ]),
        ['capabilities', ['CAPABILITY_IAM']],
        ['parameters', { TargetEventBusArn: busArn }],
        ['template_body', jsonencode(forwarderTemplate(c) as HclValue)],
        ...(serviceManaged
          ? [
              block(
                'auto_deployment',
                [],
                [
                  ['enabled', true],
                  ['retain_stacks_on_account_removal', false],
                ],
              ),
            ]
          : []),
        block('managed_execution', [], [['active', true]]),
      ],
    ),
    block(
      'resource',
      ['aws_cloudformation_stack_set_instance', id],
      [
        ['for_each', expr(`toset(${JSON.stringify(regions).replaceAll(',', ', ')})`)],
        ['stack_set_name', expr(`aws_cloudformation_stack_set.${id}.name`)],
        ['region', expr('each.value')],
        ...(serviceManaged
          ? [
              block(
                'deployment_targets',
                [],
                [['organizational_unit_ids', expr('var.mfaguard_org_unit_ids')]],
              ),
            ]
          : [['account_id', expr('data.aws_caller_identity.current.account_id')] as const]),
      ],
    ),
  ];
}

// JSON -------------------------------------------------------------------------------------------

/** The JSON rendering's extra keys: the organisation bus and the forwarders, as put-rule / put-targets settings. */
export function jsonCoverage(c: EventBridgeCoverage): Record<string, unknown> {
  const org = c.organization;
  const busArn =
    org === null
      ? `arn:aws:events:${c.homeRegion}:<account id>:event-bus/default`
      : `arn:aws:events:${c.homeRegion}:<account id>:event-bus/${ORG_BUS_NAME}`;
  return {
    homeRegion: c.homeRegion,
    regions: c.regions,
    ...(org === null
      ? {}
      : {
          eventBus: {
            Name: ORG_BUS_NAME,
            Policy: { Version: '2012-10-17', Statement: [orgBusStatement(org.id, busArn)] },
          },
        }),
    ...(c.forwardRegions.length === 0
      ? {}
      : {
          forwarders: {
            regions: c.forwardRegions,
            accounts: org === null ? 'this account' : { organizationalUnitIds: org.unitIds },
            ...(c.managementRegions.length === 0
              ? {}
              : {
                  managementAccount: {
                    regions: c.managementRegions,
                    why: 'a service-managed stack set never deploys to the management account: put the same rule and target in these regions of the management account (the home region forwards through the local rule)',
                  },
                }),
            rule: {
              Name: 'mfaguard-forward',
              State: ruleState(c.readOnly),
              EventPattern: buildEventPattern({ readOnly: c.readOnly }),
            },
            ...(c.denials
              ? {
                  denialsRule: {
                    Name: 'mfaguard-forward-denials',
                    State: ruleState(c.readOnly),
                    EventPattern: buildDenialPattern(),
                  },
                }
              : {}),
            target: {
              Id: 'mfaguard-home-bus',
              Arn: busArn,
              RoleArn:
                '<arn of a role events.amazonaws.com can assume, allowed events:PutEvents on that bus>',
            },
          },
        }),
  };
}
