// Terraform (HCL) for each guardrail: aws_iam_policy, aws_organizations_policy, and the EventBridge rule, connection and targets.

import { tfPartition, tfPartitioned } from './partition.ts';
import { block, expr, hclBlock, jsonencode, template } from './hcl.ts';
import type { HclBlock, HclValue } from './hcl.ts';
import {
  breakGlassPrincipalPatterns,
  buildMfaEnforcementPolicy,
  buildQuarantinePolicy,
  MFA_REMOVAL_ACTIONS,
} from './policies.ts';
import type { QuarantineMode } from './policies.ts';
import { API_KEY_HEADER, buildDenialPattern, buildEventPattern, ruleState } from './eventbridge.ts';
import type { EventTargetKind } from './eventbridge.ts';
import { tfCoverage } from './eventbridge-regions.ts';
import type { EventBridgeCoverage } from './eventbridge-regions.ts';

/** A JSON-shaped value (policy document, event pattern) as an HCL value. */
const ENFORCE_PARTITION = tfPartition('mfaguard_enforce_mfa');
const QUARANTINE_PARTITION = tfPartition('mfaguard_quarantine');
const SCP_PARTITION = tfPartition('mfaguard_deny_mfa_removal');

function json(value: unknown): HclValue {
  return JSON.parse(JSON.stringify(value)) as HclValue;
}

function render(comment: string, blocks: readonly HclBlock[]): string {
  const header = comment
    .split('\n')
    .map((line) => `# ${line}`)
    .join('\n');
  return `${header}\n\n${blocks.map((b) => hclBlock(b)).join('\n\n')}\n`;
}

export function mfaEnforcementTerraform(): string {
  return render(
    'mfaguard: self-service MFA enforcement. Users manage their own password and MFA device;\neverything else is denied without MFA (BoolIfExists, so long-term access keys are denied too).',
    [
      ENFORCE_PARTITION.data,
      block(
        'variable',
        ['mfaguard_enforce_mfa_groups'],
        [
          ['description', 'IAM groups of human users to attach the enforcement policy to'],
          ['type', expr('list(string)')],
          ['default', []],
        ],
      ),
      block(
        'resource',
        ['aws_iam_policy', 'mfaguard_enforce_mfa'],
        [
          ['name', 'mfaguard-enforce-mfa'],
          [
            'description',
            'Deny everything but MFA self-service unless the request was made with MFA (mfaguard)',
          ],
          ['policy', jsonencode(tfPartitioned(buildMfaEnforcementPolicy(), ENFORCE_PARTITION.partition))],
        ],
      ),
      block(
        'resource',
        ['aws_iam_group_policy_attachment', 'mfaguard_enforce_mfa'],
        [
          ['for_each', expr('toset(var.mfaguard_enforce_mfa_groups)')],
          ['group', expr('each.value')],
          ['policy_arn', expr('aws_iam_policy.mfaguard_enforce_mfa.arn')],
        ],
      ),
    ],
  );
}

export function quarantineTerraform(mode: QuarantineMode): string {
  return render(
    `mfaguard: quarantine policy (${mode}) for a user whose MFA was removed.\nAttached by the responder; a human detaches it after verifying the owner.`,
    [
      QUARANTINE_PARTITION.data,
      block(
        'resource',
        ['aws_iam_policy', 'mfaguard_quarantine'],
        [
          ['name', 'mfaguard-quarantine'],
          ['description', 'Quarantine after an MFA removal (mfaguard)'],
          ['policy', jsonencode(tfPartitioned(buildQuarantinePolicy(mode), QUARANTINE_PARTITION.partition))],
        ],
      ),
    ],
  );
}

export function breakGlassScpTerraform(role: string): string {
  const byName = !role.startsWith('arn:');
  const principals: HclValue = byName
    ? [
        template('arn:', SCP_PARTITION.partition, ':iam::*:role/', expr('var.mfaguard_break_glass_role')),
        template('arn:', SCP_PARTITION.partition, ':iam::*:role/*/', expr('var.mfaguard_break_glass_role')),
      ]
    : breakGlassPrincipalPatterns(role);
  const content: HclValue = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyMfaRemovalExceptBreakGlass',
        Effect: 'Deny',
        Action: [...MFA_REMOVAL_ACTIONS],
        Resource: '*',
        Condition: {
          ArnNotLike: { 'aws:PrincipalArn': principals },
          BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' },
        },
      },
    ],
  };
  return render(
    'mfaguard: SCP denying iam:DeactivateMFADevice and iam:DeleteVirtualMFADevice without MFA to everyone but\nthe break-glass role. SCPs do not apply to the management account.',
    [
      ...(byName
        ? [
            SCP_PARTITION.data,
            block(
              'variable',
              ['mfaguard_break_glass_role'],
              [
                ['description', 'The only role allowed to remove MFA devices'],
                ['type', expr('string')],
                ['default', role],
              ],
            ),
          ]
        : []),
      block(
        'variable',
        ['mfaguard_scp_target_ids'],
        [
          ['description', 'Root, OU or account ids to attach the SCP to'],
          ['type', expr('list(string)')],
          ['default', []],
        ],
      ),
      block(
        'resource',
        ['aws_organizations_policy', 'mfaguard_deny_mfa_removal'],
        [
          ['name', 'mfaguard-deny-mfa-removal'],
          ['description', 'Deny MFA device removal except for the break-glass role (mfaguard)'],
          ['type', 'SERVICE_CONTROL_POLICY'],
          ['content', jsonencode(content)],
        ],
      ),
      block(
        'resource',
        ['aws_organizations_policy_attachment', 'mfaguard_deny_mfa_removal'],
        [
          ['for_each', expr('toset(var.mfaguard_scp_target_ids)')],
          ['policy_id', expr('aws_organizations_policy.mfaguard_deny_mfa_removal.id')],
          ['target_id', expr('each.value')],
        ],
      ),
    ],
  );
}

function queueBlocks(name: string, queueName: string, denials: boolean): HclBlock[] {
  const rules = denials ? ['mfaguard', 'mfaguard_denials'] : ['mfaguard'];
  const arns = rules.map((rule) => expr(`aws_cloudwatch_event_rule.${rule}.arn`));
  return [
    block(
      'resource',
      ['aws_sqs_queue', name],
      [
        ['name', queueName],
        ['message_retention_seconds', 1209600],
      ],
    ),
    block(
      'resource',
      ['aws_sqs_queue_policy', name],
      [
        ['queue_url', expr(`aws_sqs_queue.${name}.id`)],
        [
          'policy',
          jsonencode({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'AllowMfaguardRule',
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: expr(`aws_sqs_queue.${name}.arn`),
                Condition: { ArnEquals: { 'aws:SourceArn': arns.length === 1 ? arns[0]! : arns } },
              },
            ],
          }),
        ],
      ],
    ),
  ];
}

/** The rule, and the denials rule when asked for. */
function ruleBlocks(coverage: EventBridgeCoverage, eventBusName: HclValue | null): HclBlock[] {
  const rule = block(
    'resource',
    ['aws_cloudwatch_event_rule', 'mfaguard'],
    [
      ['name', 'mfaguard-mfa-events'],
      ['description', 'MFA, login-profile, access-key and sign-in events for mfaguard'],
      ...onBusOf(eventBusName),
      ['state', ruleState(coverage.readOnly)],
      ['event_pattern', jsonencode(json(buildEventPattern({ readOnly: coverage.readOnly })))],
    ],
  );
  const denialsRule = coverage.denials
    ? [
        block(
          'resource',
          ['aws_cloudwatch_event_rule', 'mfaguard_denials'],
          [
            ['name', 'mfaguard-access-denials'],
            ['description', "Access denials of every service, for mfaguard's MFA-related denials KPI"],
            ...onBusOf(eventBusName),
            ['state', ruleState(coverage.readOnly)],
            ['event_pattern', jsonencode(json(buildDenialPattern()))],
          ],
        ),
      ]
    : [];
  return [rule, ...denialsRule];
}

/** A target of a rule on another bus than the default must name that bus too. */
function onBusOf(eventBusName: HclValue | null) {
  return eventBusName === null ? [] : ([['event_bus_name', eventBusName]] as const);
}

export function eventBridgeTerraform(
  target: EventTargetKind,
  endpoint: string | null,
  coverage: EventBridgeCoverage,
): string {
  const covered = tfCoverage(coverage);
  const onBus = onBusOf(covered.eventBusName);
  const rules = ruleBlocks(coverage, covered.eventBusName);
  const where = `Apply with a provider in ${coverage.homeRegion}; IAM events are delivered in us-east-1.`;
  const withDenials = (blocks: HclBlock[]): HclBlock[] => [
    ...blocks,
    ...(coverage.denials ? denialTargets(blocks) : []),
  ];
  if (target === 'sqs') {
    return render(
      `mfaguard: EventBridge rule sending MFA events to an SQS queue mfaguard reads.\n${where}`,
      withDenials([
        ...rules,
        ...covered.blocks,
        ...queueBlocks('mfaguard', 'mfaguard-mfa-events', coverage.denials),
        block(
          'resource',
          ['aws_cloudwatch_event_target', 'mfaguard_sqs'],
          [
            ['rule', expr('aws_cloudwatch_event_rule.mfaguard.name')],
            ...onBus,
            ['target_id', 'mfaguard-sqs'],
            ['arn', expr('aws_sqs_queue.mfaguard.arn')],
          ],
        ),
        block('output', ['mfaguard_queue_url'], [['value', expr('aws_sqs_queue.mfaguard.id')]]),
      ]),
    );
  }
  return render(
    `mfaguard: EventBridge rule sending MFA events to mfaguard's /ingest/eventbridge through an API\ndestination; undeliverable events go to a dead-letter queue. ${where}`,
    withDenials([
      ...apiVariables(endpoint),
      ...rules,
      ...covered.blocks,
      ...apiDestinationBlocks(),
      ...queueBlocks('mfaguard_dlq', 'mfaguard-mfa-events-dlq', coverage.denials),
      block(
        'resource',
        ['aws_cloudwatch_event_target', 'mfaguard_api'],
        [
          ['rule', expr('aws_cloudwatch_event_rule.mfaguard.name')],
          ...onBus,
          ['target_id', 'mfaguard-api'],
          ['arn', expr('aws_cloudwatch_event_api_destination.mfaguard.arn')],
          ['role_arn', expr('aws_iam_role.mfaguard_invoke.arn')],
          block(
            'retry_policy',
            [],
            [
              ['maximum_retry_attempts', 185],
              ['maximum_event_age_in_seconds', 86400],
            ],
          ),
          block('dead_letter_config', [], [['arn', expr('aws_sqs_queue.mfaguard_dlq.arn')]]),
        ],
      ),
    ]),
  );
}

/** The endpoint and the API key, as variables. */
function apiVariables(endpoint: string | null): HclBlock[] {
  return [
    block(
      'variable',
      ['mfaguard_endpoint'],
      [
        ['description', "mfaguard's ingest URL (HTTPS, ending in /ingest/eventbridge)"],
        ['type', expr('string')],
        ...(endpoint === null ? [] : ([['default', endpoint]] as const)),
      ],
    ),
    block(
      'variable',
      ['mfaguard_api_key'],
      [
        ['description', `API key mfaguard expects in the ${API_KEY_HEADER} header`],
        ['type', expr('string')],
        ['sensitive', true],
      ],
    ),
  ];
}

/** The connection (API key header), the API destination, and the role EventBridge invokes it with. */
function apiDestinationBlocks(): HclBlock[] {
  return [
    block(
      'resource',
      ['aws_cloudwatch_event_connection', 'mfaguard'],
      [
        ['name', 'mfaguard'],
        ['authorization_type', 'API_KEY'],
        block(
          'auth_parameters',
          [],
          [
            block(
              'api_key',
              [],
              [
                ['key', API_KEY_HEADER],
                ['value', expr('var.mfaguard_api_key')],
              ],
            ),
          ],
        ),
      ],
    ),
    block(
      'resource',
      ['aws_cloudwatch_event_api_destination', 'mfaguard'],
      [
        ['name', 'mfaguard-ingest'],
        ['invocation_endpoint', expr('var.mfaguard_endpoint')],
        ['http_method', 'POST'],
        ['invocation_rate_limit_per_second', 10],
        ['connection_arn', expr('aws_cloudwatch_event_connection.mfaguard.arn')],
      ],
    ),
    block(
      'resource',
      ['aws_iam_role', 'mfaguard_invoke'],
      [
        ['name', 'mfaguard-eventbridge-invoke'],
        [
          'assume_role_policy',
          jsonencode({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          }),
        ],
      ],
    ),
    block(
      'resource',
      ['aws_iam_role_policy', 'mfaguard_invoke'],
      [
        ['name', 'invoke-mfaguard'],
        ['role', expr('aws_iam_role.mfaguard_invoke.id')],
        [
          'policy',
          jsonencode({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'events:InvokeApiDestination',
                Resource: expr('aws_cloudwatch_event_api_destination.mfaguard.arn'),
              },
            ],
          }),
        ],
      ],
    ),
  ];
}

/** The main rule's targets again, on the denials rule (same destination, same retry and dead-letter settings). */
function denialTargets(blocks: readonly HclBlock[]): HclBlock[] {
  return blocks
    .filter(
      (b) =>
        b.type === 'resource' && b.labels[0] === 'aws_cloudwatch_event_target' && b.labels[1] !== undefined,
    )
    .filter((b) => !b.labels[1]!.startsWith('mfaguard_forward'))
    .map((b) =>
      block(
        b.type,
        [b.labels[0]!, `${b.labels[1]!}_denials`],
        b.body.map((item) =>
          !('type' in item) && item[0] === 'rule'
            ? (['rule', expr('aws_cloudwatch_event_rule.mfaguard_denials.name')] as const)
            : item,
        ),
      ),
    );
}
