// The fixed options of the bundled demo sample (`samples/demo/`), shared by the script that writes it and the test that re-derives it.

import type { GenerateOptions } from './archive.ts';

export const DEMO_SAMPLE_OPTIONS: Omit<GenerateOptions, 'outDir'> = {
  seed: 42,
  // 14,000 rather than 20,000 keeps the committed sample near 3 MB: real-shaped records compress to ~200 bytes each.
  events: 14_000,
  accounts: 2,
  regions: ['us-east-1', 'eu-west-1'],
  start: '2024-03-04',
  days: 3,
  mfaShare: 0.003,
  // Hourly files: a quiet archive in five-minute files would be thousands of tiny, poorly compressed files.
  deliveryMinutes: 60,
  scenarios: true,
  recordsPerFile: 1000,
  gzip: true,
  gzipLevel: 9,
};
