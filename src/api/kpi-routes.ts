// GET /api/kpis/trends: the KPI trends per day, week or month over a window, for the dashboard's Overview and scripts.

import { z } from 'zod';
import { loadKpiTrends, resolveTrendWindow } from '../app/index.ts';
import { TREND_BUCKETS } from '../cases/index.ts';
import { KPI_TRENDS_OUTPUT_SCHEMA } from '../report/index.ts';
import type { Route } from './context.ts';
import { json } from './reply.ts';
import { field, querySchema } from './validate.ts';

const RESPONSE_SCHEMA = z.toJSONSchema(KPI_TRENDS_OUTPUT_SCHEMA, {
  io: 'output',
  unrepresentable: 'any',
  target: 'draft-2020-12',
});

const TRENDS_QUERY = querySchema(
  {
    from: field.time().describe('window start (ISO 8601 or epoch ms; default 90 days before `to`)'),
    to: field.time().describe('window end, exclusive (default now)'),
    bucket: field
      .choice(TREND_BUCKETS)
      .optional()
      .describe(
        'day, week (ISO, from Monday) or month, UTC; default day up to 31 days, week up to a year, else month',
      ),
  },
  (given, problem, _raw, nowMs) => {
    for (const [name, message] of resolveTrendWindow(given, nowMs).problems) problem(name, message);
  },
);

export const KPI_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/kpis/trends',
    access: 'viewer',
    tag: 'kpis',
    summary:
      'KPI trends per bucket: removals (legitimate, unauthorized, unexplained, by classification), MTTD, MTTR, MFA-related denials, posture; the vulnerability-window distribution, open cases by severity and the MTTR of users provisioned without MFA.',
    querySchema: TRENDS_QUERY,
    responses: { '200': 'KPI trends (schema: docs/schemas/kpi-trends.schema.json)' },
    responseSchema: RESPONSE_SCHEMA,
    async handle(ctx) {
      const { window } = resolveTrendWindow(TRENDS_QUERY.of(ctx), ctx.options.now());
      // The same classification as ingestion: denials stored as events are judged with the configured policies too.
      const sources = ctx.options.mfaPolicies === undefined ? {} : { mfaPolicies: ctx.options.mfaPolicies };
      return json(200, await loadKpiTrends(ctx.options.store, window, sources));
    },
  },
];
