// The Elastic detection-rules format's public face: its loader for the format registry, over mfaguard's ECS view.

import { ECS_FIELDS, toEcs } from '../../../ingest/index.ts';
import { createElasticLoader } from './load.ts';

export { createElasticLoader } from './load.ts';
export type { ElasticLoaderOptions } from './load.ts';
export { resolveElasticField } from './field-types.ts';

export const elastic = createElasticLoader({ ecsFields: ECS_FIELDS, toEcs });
