// Rewrites the bundled demo sample `samples/demo/` from the generator's fixed demo options (run: npm run sample:demo).

import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateArchive } from './archive.ts';
import { DEMO_SAMPLE_OPTIONS } from './demo-sample.ts';

const outDir = fileURLToPath(new URL('../../samples/demo/', import.meta.url));
rmSync(outDir, { recursive: true, force: true });
const truth = await generateArchive({ ...DEMO_SAMPLE_OPTIONS, outDir });
process.stdout.write(
  `samples/demo: ${truth.records.unique} events in ${truth.files.logs} log files (+${truth.files.digests} digests), ` +
    `${(truth.bytes.written / 1e6).toFixed(2)} MB on disk, ${truth.expectedAlerts.total} expected alerts\n`,
);
