#!/usr/bin/env node
// Entry point: in a source checkout runs the TypeScript sources through tsx; in the published package, the compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(source.href);
  await main(process.argv.slice(2));
} else {
  const { main } = await import(new URL('../dist/cli/main.js', import.meta.url).href);
  await main(process.argv.slice(2));
}
