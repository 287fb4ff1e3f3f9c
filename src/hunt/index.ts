// Public face of hunts: the rules compiled into SQL, run where the data is (Athena, CloudTrail Lake, or DuckDB over local files), rows read back into records.

export {
  compileBaselineQuery,
  compileSliceQuery,
  FULL_SCOPE,
  literal,
  NO_PARTITIONS,
  rulePins,
} from './compile.ts';
export type { Dialect, HuntScope, Partitions, RulePin, TableLayout } from './compile.ts';
export type { HuntEngine, QueryResult, QueryStatistics } from './engine.ts';
export { decodeRow } from './rows.ts';
export type { DecodedRow, HuntRow } from './rows.ts';
export { athenaType, CLOUDTRAIL_COLUMNS, DOCUMENTED_COLUMN_NAMES } from './schema.ts';
export type { Column, ColumnType } from './schema.ts';
// Engines load their drivers (DuckDB's native library, the AWS SDK clients) only when a hunt uses them.
export const loadAthenaEngine = () => import('./engines/athena.ts');
export const loadDuckdbEngine = () => import('./engines/duckdb.ts');
export const loadLakeEngine = () => import('./engines/cloudtrail-lake.ts');
