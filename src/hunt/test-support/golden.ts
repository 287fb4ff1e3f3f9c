// The table and scope the golden hunt queries are written for, shared by the SQL goldens and the DuckDB run of the same text.

import { loadRuleSet } from '../../app/index.ts';
import type { CompiledRule } from '../../model/index.ts';
import type { HuntScope, TableLayout } from '../compile.ts';
import { DOCUMENTED_COLUMN_NAMES } from '../schema.ts';

/** The AWS-documented partition-projection table, in database `mfaguard`, as DuckDB's view is named too. */
export const ATHENA_GOLDEN_LAYOUT: TableLayout = {
  dialect: 'athena',
  from: '"mfaguard"."cloudtrail"',
  columns: DOCUMENTED_COLUMN_NAMES,
  partitions: { account: null, region: null, date: 'timestamp' },
};

export const GOLDEN_SCOPE: HuntScope = {
  since: '2024-03-05T00:00:00Z',
  until: '2024-03-07T00:00:00Z',
  accounts: ['997747511021'],
  regions: ['us-east-1'],
};

export function goldenRules(): CompiledRule[] {
  return [...loadRuleSet({ builtin: true, paths: [] }).rules].sort((a, b) =>
    a.meta.id < b.meta.id ? -1 : 1,
  );
}
