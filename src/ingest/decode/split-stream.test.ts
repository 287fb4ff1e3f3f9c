// Tests for splitStream: JSON Lines cut at line breaks with the right baseIndex, documents whole, failures reported.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeChunk, splitStream } from './index.ts';
import type { Chunk, SplitItem } from './index.ts';
import { assertProperty } from '../../test-support/property.ts';

async function* pieces(data: Uint8Array, size: number, failAfter?: Error): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) {
    await Promise.resolve();
    yield data.subarray(i, i + size);
  }
  if (failAfter !== undefined) throw failAfter;
}

async function collect(source: AsyncIterable<Uint8Array>, maxChunkBytes: number): Promise<SplitItem[]> {
  const out: SplitItem[] = [];
  for await (const item of splitStream(source, { location: 'stdin', maxChunkBytes })) out.push(item);
  return out;
}

const chunksOf = (items: SplitItem[]): Chunk[] => items.flatMap((i) => (i.kind === 'chunk' ? [i.chunk] : []));

function jsonl(count: number): { text: string; lines: string[] } {
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ eventName: `E${i}`, eventID: `id-${i}`, pad: 'p'.repeat((i * 37) % 300) }),
  );
  return { text: `${lines.join('\n')}\n`, lines };
}

function decodeAll(chunks: Chunk[]): { index: number; name: string }[] {
  return chunks.flatMap((c) =>
    decodeChunk(c).records.map((r) => ({
      index: r.index,
      name: (r.record as { eventName: string }).eventName,
    })),
  );
}

void describe('splitStream', () => {
  void it('passes a small input through as one chunk of unknown format', async () => {
    const data = Buffer.from(JSON.stringify({ Records: [{ eventName: 'A' }] }));
    const items = await collect(pieces(data, 5), 1024);
    assert.equal(items.length, 1);
    const chunk = chunksOf(items)[0]!;
    assert.equal(chunk.format, undefined);
    assert.equal(chunk.baseIndex, 0);
    assert.equal(chunk.compression, 'none');
    assert.deepEqual(Buffer.from(chunk.data), data);
  });

  void it('cuts big JSON Lines at line breaks with the right baseIndex', async () => {
    const { text, lines } = jsonl(500);
    const data = Buffer.from(text);
    const items = await collect(pieces(data, 777), 4096);
    const chunks = chunksOf(items);
    assert.equal(items.length, chunks.length, 'no issues');
    assert.ok(chunks.length > 10, `${chunks.length} chunks`);
    for (const chunk of chunks) {
      assert.equal(chunk.format, 'jsonl');
      assert.equal(chunk.data[chunk.data.length - 1], 0x0a, 'every chunk ends at a line break');
      assert.ok(chunk.data.length <= 4096 + 1024, 'about maxChunkBytes');
      assert.equal(
        chunk.data.byteLength,
        chunk.data.buffer.byteLength,
        'owns its buffer, so it can be transferred',
      );
    }
    assert.deepEqual(Buffer.concat(chunks.map((c) => c.data)), data, 'nothing lost or repeated');
    const records = decodeAll(chunks);
    assert.deepEqual(
      records,
      lines.map((_, i) => ({ index: i, name: `E${i}` })),
    );
  });

  void it('counts blank and bad lines in baseIndex, so line numbers stay true across chunks', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 300; i++)
      parts.push(i % 7 === 3 ? '' : i % 11 === 5 ? 'oops' : JSON.stringify({ eventName: `L${i}` }));
    const data = Buffer.from(`${parts.join('\n')}\n`);
    const chunks = chunksOf(await collect(pieces(data, 100), 512));
    assert.ok(chunks.length > 5);
    const records = decodeAll(chunks);
    for (const r of records) assert.equal(r.name, `L${r.index}`);
    const bad = chunks.flatMap((c) => decodeChunk(c).issues.map((i) => i.line));
    assert.deepEqual(
      bad,
      parts.flatMap((p, i) => (p === 'oops' ? [i + 1] : [])),
    );
  });

  void it('gunzips a gzip stream (stdin may be gzip) and still cuts it', async () => {
    const { text, lines } = jsonl(300);
    const items = await collect(pieces(gzipSync(text), 999), 2048);
    const chunks = chunksOf(items);
    assert.equal(items.length, chunks.length);
    assert.ok(chunks.length > 5);
    assert.equal(decodeAll(chunks).length, lines.length);
  });

  void it('keeps a big single document whole', async () => {
    const doc = Buffer.from(
      JSON.stringify({ Records: Array.from({ length: 200 }, (_, i) => ({ eventName: `D${i}` })) }, null, 2),
    );
    const chunks = chunksOf(await collect(pieces(doc, 300), 1000));
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]!.format, undefined);
    assert.equal(decodeChunk(chunks[0]!).records.length, 200);
  });

  void it('waits for the end of a line longer than a chunk', async () => {
    const long = JSON.stringify({ eventName: 'LONG', pad: 'x'.repeat(10_000) });
    const text = `${JSON.stringify({ eventName: 'A' })}\n${long}\n${JSON.stringify({ eventName: 'B' })}\n`;
    const chunks = chunksOf(await collect(pieces(Buffer.from(text), 64), 256));
    assert.deepEqual(
      decodeAll(chunks).map((r) => [r.index, r.name]),
      [
        [0, 'A'],
        [1, 'LONG'],
        [2, 'B'],
      ],
    );
  });

  void it('yields one empty chunk for an empty stream, which decodes as empty', async () => {
    const chunks = chunksOf(await collect(pieces(new Uint8Array(0), 10), 100));
    assert.equal(chunks.length, 1);
    assert.equal(decodeChunk(chunks[0]!).format, 'empty');
  });

  void it('keeps the complete lines of a truncated gzip stream, then reports it', async () => {
    const { text } = jsonl(400);
    const gz = gzipSync(text);
    const items = await collect(pieces(gz.subarray(0, gz.length - 300), 500), 2048);
    const last = items.at(-1)!;
    assert.equal(last.kind, 'issue');
    assert.equal(last.kind === 'issue' && last.issue.code, 'gzip-truncated');
    assert.match(last.kind === 'issue' ? last.issue.message : '', /complete lines before it were kept/);
    const records = decodeAll(chunksOf(items));
    assert.ok(records.length > 300 && records.length < 400, `${records.length}`);
    records.forEach((r, i) => assert.equal(r.name, `E${i}`));
  });

  void it('reports a read error mid-stream, keeping what came before', async () => {
    const { text } = jsonl(200);
    const data = Buffer.from(text);
    const items = await collect(
      pieces(data.subarray(0, 9000), 1000, new Error('socket hang up\u001b[2J')),
      2048,
    );
    const issue = items.at(-1)!;
    assert.equal(issue.kind, 'issue');
    if (issue.kind !== 'issue') return;
    assert.equal(issue.issue.code, 'read-failed');
    assert.equal(issue.issue.location, 'stdin');
    assert.match(issue.issue.message, /socket hang up/);
    assert.doesNotMatch(issue.issue.message, /\u001b/);
    assert.ok(decodeAll(chunksOf(items)).length > 10);
  });

  void it('reports a stream that fails before its first byte', async () => {
    const items = await collect(pieces(new Uint8Array(0), 1, new Error('EIO')), 100);
    assert.deepEqual(
      items.map((i) => i.kind === 'issue' && i.issue.code),
      ['read-failed'],
    );
  });

  void it('loses and repeats nothing, whatever the piece and chunk sizes', async () => {
    await assertProperty(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.constant(''),
            fc.json({ maxDepth: 1 }).map((j) => `{"v":${j}}`),
          ),
          { maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 300 }),
        async (lines, pieceSize, maxChunkBytes) => {
          const data = Buffer.from(lines.join('\n'));
          const chunks = chunksOf(await collect(pieces(data, pieceSize), maxChunkBytes));
          assert.deepEqual(Buffer.concat(chunks.map((c) => c.data)), data);
          let line = 0;
          for (const chunk of chunks) {
            assert.equal(chunk.baseIndex, chunk.format === 'jsonl' ? line : 0);
            line += Buffer.from(chunk.data).toString('latin1').split('\n').length - 1;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
