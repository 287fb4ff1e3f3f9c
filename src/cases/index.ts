// Cases and the figures over them: for now the KPIs of a scan; the live service adds the case lifecycle.

export { CLASSIFICATIONS, computeRemovalKpis, percentile, removalsOf } from './kpi.ts';
export type { MonthFigures, RemovalKpis } from './kpi.ts';
