// Runs the compiled CLI (dist/, from `npm run build`) whatever bin/ would choose: benchmarks time what users install.
import { writeFileSync } from 'node:fs';
import { recordCpuOnExit } from './cpu-time.mjs';

recordCpuOnExit(writeFileSync);
const { main } = await import(new URL('../dist/cli/main.js', import.meta.url).href);
await main(process.argv.slice(2));
