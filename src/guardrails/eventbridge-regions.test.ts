// The EventBridge guardrail for one region, three regions and an organisation: the generated structure, by value.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ACCESS_DENIAL_CODES } from '../cases/index.ts';
import { UsageError } from '../model/index.ts';
import { buildDenialPattern, buildEventPattern } from './eventbridge.ts';
import { forwarderTemplate, resolveCoverage } from './eventbridge-regions.ts';
import { generateGuardrail, guardrailJson, guardrailTemplate } from './generate.ts';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resourcesOf = (options: Parameters<typeof guardrailTemplate>[1]): Resources =>
  guardrailTemplate('eventbridge', options)['Resources'] as Resources;
const typesOf = (resources: Resources): string[] =>
  Object.entries(resources)
    .map(([id, resource]) => `${id}:${resource.Type}`)
    .sort();

const ALL_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
const THREE = { regions: ['eu-west-1', 'ap-southeast-2'] };
const ORG = { ...THREE, organizationId: 'o-a1b2c3d4e5', organizationalUnitIds: ['r-ab12'] };

describe('EventBridge coverage: one region', () => {
  it('is the rule and its target in us-east-1, nothing forwarded', () => {
    const resources = resourcesOf({});
    assert.deepEqual(typesOf(resources), [
      'MfaguardQueue:AWS::SQS::Queue',
      'MfaguardQueuePolicy:AWS::SQS::QueuePolicy',
      'MfaguardRule:AWS::Events::Rule',
    ]);
    const rule = resources['MfaguardRule']!.Properties;
    assert.equal(rule['State'], ALL_EVENTS);
    assert.equal(rule['EventBusName'], undefined, 'the default bus');
    assert.deepEqual(rule['EventPattern'], buildEventPattern());
    const json = guardrailJson('eventbridge') as Record<string, unknown>;
    assert.deepEqual(json['regions'], ['us-east-1']);
    assert.equal(json['forwarders'], undefined);
    const tf = generateGuardrail('eventbridge', 'terraform').content;
    assert.ok(!tf.includes('aws_cloudformation_stack_set'));
    assert.match(tf, /state = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"/);
  });
});

describe('EventBridge coverage: three regions of one account', () => {
  it('forwards the two other regions to the home bus through a self-managed stack set', () => {
    const resources = resourcesOf(THREE);
    const stackSet = resources['MfaguardForwarders']!.Properties;
    assert.equal(resources['MfaguardForwarders']!.Type, 'AWS::CloudFormation::StackSet');
    assert.equal(stackSet['PermissionModel'], 'SELF_MANAGED');
    assert.deepEqual(stackSet['Capabilities'], ['CAPABILITY_IAM']);
    assert.deepEqual(stackSet['StackInstancesGroup'], [
      {
        DeploymentTargets: { Accounts: [{ Ref: 'AWS::AccountId' }] },
        Regions: ['ap-southeast-2', 'eu-west-1'],
      },
    ]);
    assert.deepEqual(stackSet['Parameters'], [
      {
        ParameterKey: 'TargetEventBusArn',
        ParameterValue: {
          'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
        },
      },
    ]);
    // The forwarder: same pattern and state as the home rule, its target the home bus through a role.
    const body = JSON.parse(stackSet['TemplateBody'] as string) as { Resources: Resources };
    assert.deepEqual(body, forwarderTemplate(resolveCoverage(THREE)));
    const forward = body.Resources['MfaguardForwardRule']!.Properties;
    assert.deepEqual(forward['EventPattern'], resources['MfaguardRule']!.Properties['EventPattern']);
    assert.equal(forward['State'], ALL_EVENTS);
    assert.deepEqual(forward['Targets'], [
      {
        Id: 'mfaguard-home-bus',
        Arn: { Ref: 'TargetEventBusArn' },
        RoleArn: { 'Fn::GetAtt': ['MfaguardForwardRole', 'Arn'] },
      },
    ]);
    const role = body.Resources['MfaguardForwardRole']!.Properties as {
      Policies: { PolicyDocument: { Statement: unknown[] } }[];
    };
    assert.deepEqual(role.Policies[0]!.PolicyDocument.Statement, [
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'TargetEventBusArn' } },
    ]);
    // The YAML reads back as the same template.
    const yaml = parse(generateGuardrail('eventbridge', 'cloudformation', THREE).content) as unknown;
    assert.deepEqual(yaml, guardrailTemplate('eventbridge', THREE));
  });

  it('says the same in Terraform and JSON', () => {
    const tf = generateGuardrail('eventbridge', 'terraform', THREE).content;
    assert.match(
      tf,
      /resource "aws_cloudformation_stack_set" "mfaguard_forwarders" \{\n {2}name = "mfaguard-forwarders"/,
    );
    assert.match(tf, /permission_model = "SELF_MANAGED"/);
    assert.match(tf, /for_each = toset\(\["ap-southeast-2", "eu-west-1"\]\)/);
    assert.match(tf, /account_id = data\.aws_caller_identity\.current\.account_id/);
    assert.match(
      tf,
      /TargetEventBusArn = "arn:\$\{data\.aws_partition\.current\.partition\}:events:us-east-1:\$\{data\.aws_caller_identity\.current\.account_id\}:event-bus\/default"/,
    );
    assert.ok(!tf.includes('aws_cloudwatch_event_bus_policy'));
    const json = guardrailJson('eventbridge', THREE) as { forwarders: Record<string, unknown> };
    assert.deepEqual(json.forwarders['regions'], ['ap-southeast-2', 'eu-west-1']);
    assert.equal(json.forwarders['accounts'], 'this account');
  });

  it('with another home region, us-east-1 is forwarded to it (IAM events arrive there)', () => {
    const coverage = resolveCoverage({ homeRegion: 'eu-west-1' });
    assert.deepEqual(coverage.regions, ['eu-west-1', 'us-east-1']);
    assert.deepEqual(coverage.forwardRegions, ['us-east-1']);
  });
});

describe('EventBridge coverage: organisation-wide', () => {
  it('puts the rule on an organisation bus that admits the organisation, and forwards from every member region', () => {
    const resources = resourcesOf(ORG);
    assert.deepEqual(typesOf(resources), [
      'MfaguardEventBus:AWS::Events::EventBus',
      'MfaguardEventBusPolicy:AWS::Events::EventBusPolicy',
      'MfaguardForwarders:AWS::CloudFormation::StackSet',
      'MfaguardLocalForwardRole:AWS::IAM::Role',
      'MfaguardLocalForwardRule:AWS::Events::Rule',
      'MfaguardManagementForwarders:AWS::CloudFormation::StackSet',
      'MfaguardQueue:AWS::SQS::Queue',
      'MfaguardQueuePolicy:AWS::SQS::QueuePolicy',
      'MfaguardRule:AWS::Events::Rule',
    ]);
    const busArn = { 'Fn::GetAtt': ['MfaguardEventBus', 'Arn'] };
    assert.deepEqual(resources['MfaguardEventBus']!.Properties, { Name: 'mfaguard' });
    assert.deepEqual(resources['MfaguardEventBusPolicy']!.Properties, {
      EventBusName: { Ref: 'MfaguardEventBus' },
      StatementId: 'MfaguardOrganizationForwarders',
      Statement: {
        Sid: 'MfaguardOrganizationForwarders',
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: busArn,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      },
    });
    assert.deepEqual(resources['MfaguardRule']!.Properties['EventBusName'], { Ref: 'MfaguardEventBus' });
    const local = resources['MfaguardLocalForwardRule']!.Properties;
    assert.equal(local['EventBusName'], undefined, "the home account's default bus");
    assert.deepEqual((local['Targets'] as { Arn: unknown }[])[0]!.Arn, busArn);
    const stackSet = resources['MfaguardForwarders']!.Properties;
    assert.equal(stackSet['PermissionModel'], 'SERVICE_MANAGED');
    assert.deepEqual(stackSet['AutoDeployment'], { Enabled: true, RetainStacksOnAccountRemoval: false });
    assert.deepEqual(stackSet['StackInstancesGroup'], [
      {
        DeploymentTargets: { OrganizationalUnitIds: { Ref: 'OrganizationalUnitIds' } },
        Regions: ['ap-southeast-2', 'eu-west-1', 'us-east-1'],
      },
    ]);
    assert.deepEqual(stackSet['Parameters'], [{ ParameterKey: 'TargetEventBusArn', ParameterValue: busArn }]);
    const parameters = guardrailTemplate('eventbridge', ORG)['Parameters'] as Record<
      string,
      { Default?: string }
    >;
    assert.equal(parameters['OrganizationalUnitIds']?.Default, 'r-ab12');
  });

  it('forwards the management account too: its other regions by a self-managed stack set (service-managed skips it)', () => {
    const resources = resourcesOf(ORG);
    const busArn = { 'Fn::GetAtt': ['MfaguardEventBus', 'Arn'] };
    const management = resources['MfaguardManagementForwarders']!.Properties;
    assert.equal(management['StackSetName'], 'mfaguard-forwarders-management');
    assert.equal(management['PermissionModel'], 'SELF_MANAGED');
    assert.equal(management['AutoDeployment'], undefined);
    assert.deepEqual(
      management['StackInstancesGroup'],
      [
        {
          DeploymentTargets: { Accounts: [{ Ref: 'AWS::AccountId' }] },
          Regions: ['ap-southeast-2', 'eu-west-1'],
        },
      ],
      'the home region (us-east-1) is forwarded by the local rule',
    );
    assert.deepEqual(management['Parameters'], [
      { ParameterKey: 'TargetEventBusArn', ParameterValue: busArn },
    ]);
    assert.equal(management['TemplateBody'], resources['MfaguardForwarders']!.Properties['TemplateBody']);
    // With another home region, us-east-1 (where IAM's events arrive) is among the management account's regions.
    const elsewhere = resourcesOf({ ...ORG, homeRegion: 'eu-west-1' });
    assert.deepEqual(
      (
        elsewhere['MfaguardManagementForwarders']!.Properties['StackInstancesGroup'] as {
          Regions: string[];
        }[]
      )[0]!.Regions,
      ['ap-southeast-2', 'us-east-1'],
    );
    // One region organisation-wide: the local rule covers the management account, no stack set for it.
    assert.equal(resourcesOf({ organizationId: 'o-a1b2c3d4e5' })['MfaguardManagementForwarders'], undefined);
    // Not organisation-wide: no management stack set (the one account's regions are the members stack set's).
    assert.equal(resourcesOf(THREE)['MfaguardManagementForwarders'], undefined);

    const tf = generateGuardrail('eventbridge', 'terraform', {
      ...ORG,
      endpoint: 'https://m.example.com',
    }).content;
    const stackSet =
      /resource "aws_cloudformation_stack_set" "mfaguard_management_forwarders" \{[\s\S]*?\n\}/.exec(tf)?.[0];
    assert.ok(stackSet, tf);
    assert.match(stackSet, /permission_model = "SELF_MANAGED"/);
    assert.match(
      stackSet,
      /administration_role_arn = "arn:\$\{data\.aws_partition\.current\.partition\}:iam::\$\{data\.aws_caller_identity\.current\.account_id\}:role\/AWSCloudFormationStackSetAdministrationRole"/,
    );
    assert.doesNotMatch(stackSet, /auto_deployment/);
    assert.match(
      tf,
      /resource "aws_cloudformation_stack_set_instance" "mfaguard_management_forwarders" \{\n {2}for_each = toset\(\["ap-southeast-2", "eu-west-1"\]\)[^}]*account_id = data\.aws_caller_identity\.current\.account_id/,
    );
    assert.match(tf, /data "aws_caller_identity" "current"/);
    const json = guardrailJson('eventbridge', ORG) as {
      forwarders: { managementAccount?: { regions: string[] } };
    };
    assert.deepEqual(json.forwarders.managementAccount?.regions, ['ap-southeast-2', 'eu-west-1']);
  });

  it('Terraform: the bus, its policy, targets on that bus, the stack set over the OUs', () => {
    const tf = generateGuardrail('eventbridge', 'terraform', {
      ...ORG,
      endpoint: 'https://m.example.com',
    }).content;
    assert.match(tf, /resource "aws_cloudwatch_event_bus" "mfaguard" \{\n {2}name = "mfaguard"\n\}/);
    assert.match(tf, /"aws:PrincipalOrgID" = "o-a1b2c3d4e5"/);
    assert.match(
      tf,
      /resource "aws_cloudwatch_event_rule" "mfaguard" \{[^}]*event_bus_name = aws_cloudwatch_event_bus\.mfaguard\.name/,
    );
    assert.match(
      tf,
      /resource "aws_cloudwatch_event_target" "mfaguard_api" \{\n {2}rule = aws_cloudwatch_event_rule\.mfaguard\.name\n {2}event_bus_name = aws_cloudwatch_event_bus\.mfaguard\.name/,
    );
    assert.match(tf, /permission_model = "SERVICE_MANAGED"/);
    assert.match(tf, /for_each = toset\(\["ap-southeast-2", "eu-west-1", "us-east-1"\]\)/);
    assert.match(tf, /deployment_targets \{\n {4}organizational_unit_ids = var\.mfaguard_org_unit_ids/);
    assert.match(tf, /default = \["r-ab12"\]/);
  });

  it('refuses what AWS would: bad regions, ids, and OUs without an organisation', () => {
    const refused = (options: Parameters<typeof resolveCoverage>[0], pattern: RegExp): void => {
      assert.throws(
        () => resolveCoverage(options),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.match(error.message, pattern);
          return true;
        },
      );
    };
    refused({ regions: ['eu-west-1', 'Europe'] }, /--regions: 'Europe' is not valid/);
    refused({ homeRegion: 'us_east_1' }, /--home-region/);
    refused({ organizationId: 'org-1' }, /--organization-id/);
    refused({ organizationId: 'o-a1b2c3d4e5', organizationalUnitIds: ['ou-1'] }, /--org-units/);
    refused({ organizationalUnitIds: ['r-ab12'] }, /needs --organization-id/);
  });
});

describe('EventBridge coverage: the denials rule', () => {
  it('is off by default; on, a second rule with the same targets matches the codes the classifier counts', () => {
    assert.equal(resourcesOf({})['MfaguardDenialsRule'], undefined);
    const resources = resourcesOf({ denialEvents: true, endpoint: 'https://m.example.com' });
    const denials = resources['MfaguardDenialsRule']!.Properties;
    assert.equal(denials['Name'], 'mfaguard-access-denials');
    assert.equal(denials['State'], ALL_EVENTS);
    assert.deepEqual(denials['EventPattern'], {
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { errorCode: [...ACCESS_DENIAL_CODES] },
    });
    assert.deepEqual(denials['Targets'], resources['MfaguardRule']!.Properties['Targets']);
    const policy = resources['MfaguardDeadLetterQueuePolicy']!.Properties as {
      PolicyDocument: { Statement: { Condition: unknown }[] };
    };
    assert.deepEqual(policy.PolicyDocument.Statement[0]!.Condition, {
      ArnEquals: {
        'aws:SourceArn': [
          { 'Fn::GetAtt': ['MfaguardRule', 'Arn'] },
          { 'Fn::GetAtt': ['MfaguardDenialsRule', 'Arn'] },
        ],
      },
    });
  });

  it('is forwarded from other regions and, organisation-wide, from the home account too', () => {
    const options = { ...ORG, denialEvents: true };
    const resources = resourcesOf(options);
    const local = resources['MfaguardLocalForwardDenialsRule']!.Properties;
    assert.deepEqual(local['EventPattern'], buildDenialPattern());
    assert.equal(local['Name'], 'mfaguard-forward-local-denials');
    const body = JSON.parse(resources['MfaguardForwarders']!.Properties['TemplateBody'] as string) as {
      Resources: Resources;
    };
    assert.deepEqual(Object.keys(body.Resources).sort(), [
      'MfaguardForwardDenialsRule',
      'MfaguardForwardRole',
      'MfaguardForwardRule',
    ]);
    assert.deepEqual(
      body.Resources['MfaguardForwardDenialsRule']!.Properties['EventPattern'],
      buildDenialPattern(),
    );
    const tf = generateGuardrail('eventbridge', 'terraform', options).content;
    assert.match(
      tf,
      /resource "aws_cloudwatch_event_target" "mfaguard_sqs_denials" \{\n {2}rule = aws_cloudwatch_event_rule\.mfaguard_denials\.name\n {2}event_bus_name = aws_cloudwatch_event_bus\.mfaguard\.name/,
    );
    assert.match(tf, /resource "aws_cloudwatch_event_rule" "mfaguard_forward_local_denials"/);
    assert.ok(!tf.includes('mfaguard_forward_local_denials_denials'), 'forwarder targets are not doubled');
    const json = guardrailJson('eventbridge', options) as {
      denialsRule: { EventBusName: string; EventPattern: unknown };
      forwarders: { denialsRule: { EventPattern: unknown } };
    };
    assert.equal(json.denialsRule.EventBusName, 'mfaguard');
    assert.deepEqual(json.forwarders.denialsRule.EventPattern, buildDenialPattern());
  });
});
