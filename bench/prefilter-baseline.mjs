// The prefilter baseline of issue 11, the figure `scan` is held to: a plain script, no mfaguard code. Two worker threads
// gunzip each file with 1 MiB zlib chunks, search the bytes for the rule's event name, and JSON.parse only the records
// around a hit. Prints {files, bytes, records, hits, wallMs, maxRssKb} as one JSON line.
//
//   node bench/prefilter-baseline.mjs DIR [NEEDLE]

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';

const START = Buffer.from('{"eventVersion":');

function logFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.includes('_CloudTrail_') && /\.json(\.gz)?$/.test(entry.name)) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

function scanFile(path, needle) {
  const raw = readFileSync(path);
  const data = path.endsWith('.gz') ? gunzipSync(raw, { chunkSize: 1024 * 1024 }) : raw;
  let hits = 0;
  for (let at = data.indexOf(needle); at !== -1; at = data.indexOf(needle, at + needle.length)) {
    const start = data.lastIndexOf(START, at);
    let end = data.indexOf(START, at);
    end = end === -1 ? data.lastIndexOf(']') : end - 1;
    const record = JSON.parse(data.toString('utf8', start, end));
    if (record.eventName !== undefined) hits += 1;
  }
  return { bytes: data.length, hits };
}

if (isMainThread) {
  // The benchmark's own bookkeeping, not part of the baseline: CPU seconds for the load-independent ratio.
  const { recordCpuOnExit } = await import('./cpu-time.mjs');
  recordCpuOnExit(writeFileSync);
  const dir = process.argv[2];
  const needle = `"eventName":"${process.argv[3] ?? 'DeactivateMFADevice'}"`;
  const started = performance.now();
  const files = logFiles(dir);
  let next = 0;
  let bytes = 0;
  let hits = 0;
  const run = () =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { needle } });
      const feed = () => {
        const file = files[next++];
        if (file === undefined) void worker.terminate().then(resolve);
        else worker.postMessage(file);
      };
      worker.on('message', (result) => {
        bytes += result.bytes;
        hits += result.hits;
        feed();
      });
      worker.on('error', reject);
      feed();
    });
  await Promise.all([run(), run()]);
  const wallMs = performance.now() - started;
  process.stdout.write(
    JSON.stringify({ files: files.length, bytes, hits, wallMs, maxRssKb: process.resourceUsage().maxRSS }) +
      '\n',
  );
} else {
  const needle = Buffer.from(workerData.needle);
  parentPort.on('message', (path) => parentPort.postMessage(scanFile(path, needle)));
}
