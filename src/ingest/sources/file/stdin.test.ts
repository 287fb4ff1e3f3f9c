// Tests for `-`: standard input read as a stream, gzip or not, JSON Lines split into chunks.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeChunk } from '../../decode/index.ts';
import { readInputs } from '../index.ts';
import type { InputItem, ReadInputsOptions } from '../index.ts';

async function collect(specs: string[], options: ReadInputsOptions): Promise<InputItem[]> {
  const items: InputItem[] = [];
  for await (const item of readInputs(specs, options)) items.push(item);
  return items;
}

/** Writes `data` to a PassThrough in small pieces, asynchronously, as a pipe would deliver it. */
function feed(data: Uint8Array, pieceSize = 1000): PassThrough {
  const stream = new PassThrough();
  void (async () => {
    for (let i = 0; i < data.length; i += pieceSize) {
      if (!stream.write(data.subarray(i, i + pieceSize)))
        await new Promise((resolve) => stream.once('drain', resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    stream.end();
  })();
  return stream;
}

const names = (items: InputItem[]) =>
  items.flatMap((i) =>
    i.kind === 'chunk'
      ? decodeChunk(i.chunk).records.map((r) => (r.record as { eventName: string }).eventName)
      : [],
  );

void describe('readInputs with - (stdin)', () => {
  const lines = Array.from({ length: 3000 }, (_, i) =>
    JSON.stringify({ eventName: `S${i}`, eventID: `id${i}` }),
  );
  const text = `${lines.join('\n')}\n`;

  void it('streams JSON Lines from stdin in chunks with the right indexes', async () => {
    const items = await collect(['-'], { stdin: feed(Buffer.from(text)), maxChunkBytes: 4096 });
    const chunks = items.flatMap((i) => (i.kind === 'chunk' ? [i.chunk] : []));
    assert.ok(chunks.length > 10);
    assert.ok(chunks.every((c) => c.location === 'stdin' && c.format === 'jsonl'));
    const records = chunks.flatMap((c) => decodeChunk(c).records);
    assert.deepEqual(
      records.map((r) => r.index),
      lines.map((_, i) => i),
    );
    assert.deepEqual(
      items.filter((i) => i.kind === 'discovered'),
      [{ kind: 'discovered', files: 1, bytes: 0 }],
    );
  });

  void it('gunzips gzip on stdin', async () => {
    const items = await collect(['-'], { stdin: feed(gzipSync(text), 333), maxChunkBytes: 8192 });
    assert.equal(names(items).length, 3000);
    assert.equal(names(items)[2999], 'S2999');
  });

  void it('reads one document from stdin, whatever its size', async () => {
    const doc = JSON.stringify({ Records: lines.slice(0, 500).map((l): unknown => JSON.parse(l)) }, null, 2);
    const items = await collect(['-'], { stdin: feed(gzipSync(doc)), maxChunkBytes: 1024 });
    assert.equal(items.filter((i) => i.kind === 'chunk').length, 1);
    assert.equal(names(items).length, 500);
  });

  void it('reports empty stdin as an empty input, and `-` twice once', async () => {
    const stdin = feed(new Uint8Array(0));
    const items = await collect(['-', '-'], { stdin });
    const chunks = items.flatMap((i) => (i.kind === 'chunk' ? [i.chunk] : []));
    assert.equal(chunks.length, 1);
    assert.deepEqual(
      decodeChunk(chunks[0]!).issues.map((i) => [i.level, i.code, i.location]),
      [['warning', 'empty', 'stdin']],
    );
    assert.deepEqual(
      items.flatMap((i) => (i.kind === 'issue' ? [i.issue.code] : [])),
      ['duplicate-input'],
    );
  });

  void it('reports a stdin that fails mid-stream and keeps the complete lines before', async () => {
    const stdin = new PassThrough();
    stdin.write(Buffer.from(text.slice(0, 5000)));
    setImmediate(() => stdin.destroy(new Error('EPIPE: broken pipe')));
    const items = await collect(['-'], { stdin, maxChunkBytes: 1024 });
    const issues = items.flatMap((i) => (i.kind === 'issue' ? [i.issue] : []));
    assert.deepEqual(
      issues.map((i) => [i.code, i.location]),
      [['read-failed', 'stdin']],
    );
    assert.match(issues[0]!.message, /broken pipe/);
    assert.ok(names(items).length > 10);
  });
});
