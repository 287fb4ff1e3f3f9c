// The contract of the KPI trends (`GET /api/kpis/trends`, `mfaguard kpi --format json`) as a zod schema: published
// as docs/schemas/kpi-trends.schema.json and in the OpenAPI document, and checked against real answers in tests.

import { z } from 'zod';
import { CLASSIFICATIONS, SEVERITIES } from '../model/index.ts';

const count = z.number().int().min(0);
const ms = z.number().min(0).nullable();
const percent = z.number().min(0).max(100).nullable();
const isoTime = z.string().meta({ description: 'ISO 8601, UTC' });

const duration = z.strictObject({ count, avgMs: ms, p50Ms: ms, p90Ms: ms }).meta({
  description: 'durations in milliseconds; percentiles nearest-rank; null when nothing was measured',
});

const removals = z.strictObject({
  total: count,
  legitimate: count.meta({ description: 'rotation, approved, verified, or a case that closed itself' }),
  unauthorized: count.meta({ description: 'unauthorized or suspicious' }),
  unexplained: count.meta({ description: 'admin resets still pending, unresolved, not yet classified' }),
  byClassification: z.strictObject(
    Object.fromEntries([...CLASSIFICATIONS, 'unclassified'].map((name) => [name, count])),
  ),
});

const denials = z.strictObject({
  noMfaSession: count.meta({ description: 'denied requests from sessions without MFA' }),
  mfaPolicy: count.meta({ description: 'explicit denies by an MFA-enforcing policy' }),
  total: count,
});

const postureFigures = {
  accounts: count,
  consoleUsers: count,
  withMfaPercent: percent,
  enforcedPercent: percent,
  cisScore: z.number().nullable(),
};

const bucketFields = {
  start: isoTime.meta({ description: 'start of the bucket (UTC)' }),
  label: z.string().meta({ description: 'YYYY-MM-DD (a day, or the Monday of a week) or YYYY-MM' }),
};

export const KPI_TRENDS_OUTPUT_SCHEMA = z
  .strictObject({
    from: isoTime,
    to: isoTime.meta({ description: 'exclusive' }),
    bucket: z.enum(['day', 'week', 'month']),
    points: z.array(
      z.strictObject({
        ...bucketFields,
        removals: removals.meta({
          description: "successful DeactivateMFADevice events, by the event's time",
        }),
        mttd: duration.meta({ description: 'detection − event time, over removals in the bucket' }),
        mttr: duration.meta({
          description:
            'remediation − detection over removals remediated in the bucket; unauthorized ones are remediated by re-enrolment, containment or resolution, whichever came first',
        }),
        autoResolved: count.meta({ description: 'removals whose case closed itself in the bucket' }),
        denials,
        posture: z
          .strictObject({
            ...postureFigures,
            eventUpdated: z.boolean().meta({
              description:
                "some account's state at the bucket's end was updated by CloudTrail events after its audit",
            }),
          })
          .nullable()
          .meta({ description: 'latest snapshot of each account in the bucket, added up' }),
      }),
    ),
    provisionedMttr: z
      .array(z.strictObject({ ...bucketFields, ...duration.shape }))
      .meta({ description: 'console access without MFA → MFA enabled; empty when no such case exists' }),
    vulnerabilityWindow: z.strictObject({
      count,
      medianSeconds: z.number().nullable(),
      p90Seconds: z.number().nullable(),
      maxSeconds: z.number().nullable(),
      stillExposed: count,
      histogram: z.array(
        z.strictObject({
          label: z.string(),
          fromSeconds: z.number(),
          toSeconds: z.number().nullable(),
          count,
        }),
      ),
    }),
    openCasesBySeverity: z
      .strictObject(Object.fromEntries(SEVERITIES.map((severity) => [severity, count])))
      .meta({ description: 'now, not windowed' }),
    posture: z.array(
      z.strictObject({
        takenAt: isoTime,
        accountId: z.string(),
        source: z.enum(['audit', 'events']).meta({
          description:
            'an audit, or the state CloudTrail events made (taken at the time of the event that changed it)',
        }),
        ...postureFigures,
      }),
    ),
    totals: z.strictObject({
      removals,
      mttd: duration,
      mttr: duration,
      autoResolved: count,
      denials,
    }),
    denialsTruncated: z.boolean(),
  })
  .meta({
    title: 'mfaguard KPI trends',
    description: 'GET /api/kpis/trends and `mfaguard kpi --format json` (without PATH)',
  });
