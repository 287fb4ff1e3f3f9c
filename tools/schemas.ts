// `npm run schemas`: writes the published JSON Schemas (docs/schemas/) from the zod schemas mfaguard validates and
// writes with; `tools/schemas.test.ts` fails when the committed files differ from what this generates.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CONFIG_FILE_SCHEMA } from '../src/app/index.ts';
import { ALERT_OUTPUT_SCHEMA, FINDING_OUTPUT_SCHEMA, KPI_TRENDS_OUTPUT_SCHEMA } from '../src/report/index.ts';

export const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'schemas');

/** File name -> JSON Schema text (draft 2020-12). The config is the schema of what a file may say, before defaults. */
export function generateSchemas(): Record<string, string> {
  const render = (schema: z.ZodType): string =>
    JSON.stringify(
      z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }),
      null,
      2,
    ) + '\n';
  return {
    'alert.schema.json': render(ALERT_OUTPUT_SCHEMA),
    'config.schema.json': render(CONFIG_FILE_SCHEMA),
    'finding.schema.json': render(FINDING_OUTPUT_SCHEMA),
    'kpi-trends.schema.json': render(KPI_TRENDS_OUTPUT_SCHEMA),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, text] of Object.entries(generateSchemas())) {
    writeFileSync(path.join(SCHEMA_DIR, name), text);
    console.log(`wrote docs/schemas/${name}`);
  }
}
