// The machine outputs' contracts as zod schemas: an alert (scan/hunt JSON and NDJSON) and a posture finding (audit
// JSON). They become the published JSON Schemas under docs/schemas/ (`npm run schemas`); a test checks real outputs
// against them, so the documents cannot drift from what mfaguard writes.

import { z } from 'zod';
import { CLASSIFICATIONS, SEVERITIES } from '../model/index.ts';

const severity = z.enum(SEVERITIES);
const text = z.string();
const nullableText = z.string().nullable();

const mitreRef = z.strictObject({ id: text, name: text, reference: text.optional() });

export const ALERT_OUTPUT_SCHEMA = z
  .strictObject({
    id: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .meta({ description: 'sha256(rule id, eventID), 32 hex: stable across runs' }),
    rule: z.strictObject({
      id: text,
      name: text,
      format: z.enum(['builtin', 'elastic', 'sigma']),
      severity: severity.meta({ description: 'as the rule states it' }),
      riskScore: z.number().min(0).max(100),
      mitre: z.array(
        z.strictObject({
          tactic: mitreRef.nullable(),
          technique: mitreRef,
          subtechnique: mitreRef.nullable(),
        }),
      ),
    }),
    severity: severity.meta({ description: 'after triage' }),
    riskScore: z.number().min(0).max(100).meta({ description: '0-100, after triage' }),
    title: text.meta({ description: 'one line; contains CloudTrail text: escape it for the sink' }),
    event: z.strictObject({
      id: text,
      name: text,
      source: text,
      time: text.meta({ description: 'ISO 8601, as CloudTrail recorded it' }),
      outcome: z.enum(['success', 'failure', 'unknown']),
      errorCode: nullableText,
      account: nullableText,
      region: nullableText,
      location: text.meta({ description: 'the file or s3://bucket/key the record came from' }),
      index: z.number().int().min(0),
    }),
    actor: z.strictObject({
      arn: nullableText,
      type: text,
      userName: nullableText,
      accessKeyId: nullableText,
      accessKeyKind: z.enum(['temporary', 'long-term']).nullable(),
      sourceIp: nullableText,
      userAgent: nullableText,
      mfaAuthenticated: z.boolean().nullable(),
      consoleSession: z.boolean(),
    }),
    target: z.strictObject({ userName: nullableText, serialNumber: nullableText }),
    aggregate: z
      .strictObject({ summary: text, eventIds: z.array(text) })
      .optional()
      .meta({ description: 'aggregate rules (Elastic threshold / new_terms, Sigma correlations)' }),
    classification: z.enum(CLASSIFICATIONS as [string, ...string[]]).optional(),
    reasons: z
      .array(z.strictObject({ code: text, message: text, weight: z.number().optional() }))
      .optional()
      .meta({ description: 'strongest first' }),
    related: z
      .array(
        z.strictObject({
          eventId: text,
          name: text,
          time: text,
          actor: nullableText,
          relation: text.optional(),
        }),
      )
      .optional(),
    correlation: z
      .strictObject({
        kind: text,
        burstAlertId: text
          .optional()
          .meta({ description: "a member removal: the burst's alert (absent on that alert)" }),
        targets: z.array(text).optional().meta({
          description:
            "the burst's alert only: its target users, sorted (at most the users of its first removals, 100: count has them all)",
        }),
        count: z.number().int().min(0).meta({
          description: "target users: the whole burst's on its alert, up to this removal on a member's",
        }),
        windowSeconds: z.number().min(0).meta({
          description: "seconds from the burst's first removal to its last (its alert) or to this one",
        }),
      })
      .optional(),
    vulnerabilityWindowSeconds: z
      .number()
      .min(0)
      .optional()
      .meta({ description: 'only when a trustworthy new device closed it' }),
    incident: z.strictObject({ removalEventId: text, role: z.enum(['removal', 'member']) }).optional(),
    investigation: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "Elastic's investigation fields, keys sorted" }),
  })
  .meta({
    title: 'mfaguard alert',
    description:
      'One alert of `mfaguard scan`/`hunt`: an element of `alerts` in --format json, a line of --format ndjson',
  });

export const FINDING_OUTPUT_SCHEMA = z
  .strictObject({
    checkId: text.meta({ description: 'the posture check, named like its folder' }),
    status: z.enum(['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR']),
    severity,
    resource: z.strictObject({
      type: text.meta({
        description: 'ASFF resource type: AwsAccount, AwsIamUser, AwsIamPolicy, AwsIamRootUser...',
      }),
      name: text,
      arn: nullableText,
      account: nullableText,
      iamUser: z
        .strictObject({
          userName: text,
          userId: text.optional(),
          path: text.optional(),
          createDate: text.optional(),
          groups: z.array(text).optional(),
          attachedPolicies: z.array(z.strictObject({ name: text, arn: text })).optional(),
          inlinePolicyNames: z.array(text).optional(),
          permissionsBoundaryArn: text.optional(),
        })
        .optional(),
    }),
    controls: z.array(z.strictObject({ framework: text, version: text, id: text })),
    message: text.meta({
      description: 'one sentence naming the resource; contains user names: escape it for the sink',
    }),
    remediation: text,
    remediationUrl: text.optional(),
    evidence: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'the facts the status rests on' }),
  })
  .meta({
    title: 'mfaguard posture finding',
    description: 'One element of `findings` in `mfaguard audit --format json`',
  });
