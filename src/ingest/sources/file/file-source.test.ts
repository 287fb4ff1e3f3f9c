// Tests for reading files and folders: the AWSLogs layout, names taken and skipped, failures, order and backpressure.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeChunk } from '../../decode/index.ts';
import { nodeFileSystem, readInputs } from '../index.ts';
import type { FileSystem, InputItem, ReadInputsOptions } from '../index.ts';

const record = (name: string) => ({ eventVersion: '1.08', eventID: `id-${name}`, eventName: name });
const delivery = (...names: string[]) => JSON.stringify({ Records: names.map(record) });

async function collect(specs: string[], options: ReadInputsOptions = {}): Promise<InputItem[]> {
  const items: InputItem[] = [];
  for await (const item of readInputs(specs, options)) items.push(item);
  return items;
}

/** Event names in the order they come out, decoded. */
function eventNames(items: InputItem[]): string[] {
  return items.flatMap((i) =>
    i.kind === 'chunk'
      ? decodeChunk(i.chunk).records.map((r) => (r.record as { eventName: string }).eventName)
      : [],
  );
}

const issuesOf = (items: InputItem[]) => items.flatMap((i) => (i.kind === 'issue' ? [i.issue] : []));
const locations = (items: InputItem[]) =>
  items.flatMap((i) => (i.kind === 'chunk' ? [i.chunk.location] : []));

let root: string;
let logs: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'mfaguard-files-'));
  logs = join(root, 'archive');
  const day = join(logs, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2024', '01', '02');
  const day2 = join(logs, 'AWSLogs', '111122223333', 'CloudTrail', 'eu-west-1', '2024', '01', '02');
  const digest = join(logs, 'AWSLogs', '111122223333', 'CloudTrail-Digest', 'us-east-1', '2024', '01', '02');
  for (const dir of [day, day2, digest, join(logs, '.git'), join(logs, 'extra')])
    mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(day, '111122223333_CloudTrail_us-east-1_20240102T0000Z_a.json.gz'),
    gzipSync(delivery('A1', 'A2')),
  );
  writeFileSync(join(day, '111122223333_CloudTrail_us-east-1_20240102T0005Z_b.json'), delivery('B1'));
  writeFileSync(
    join(day2, '111122223333_CloudTrail_eu-west-1_20240102T0000Z_c.json.gz'),
    gzipSync(delivery('C1')),
  );
  writeFileSync(
    join(digest, '111122223333_CloudTrail-Digest_us-east-1_x.json.gz'),
    gzipSync('{"digestStartTime":"x"}'),
  );
  writeFileSync(join(logs, '.git', 'config.json'), delivery('HIDDEN'));
  writeFileSync(join(logs, '.hidden.json'), delivery('HIDDEN'));
  writeFileSync(join(logs, 'README.txt'), 'not a log');
  writeFileSync(
    join(logs, 'extra', 'lines.jsonl'),
    `${JSON.stringify(record('J1'))}\n${JSON.stringify(record('J2'))}\n`,
  );
  writeFileSync(join(logs, 'extra', 'lines.ndjson'), `${JSON.stringify(record('N1'))}\n`);
  writeFileSync(join(logs, 'extra', 'more.jsonl.gz'), gzipSync(`${JSON.stringify(record('G1'))}\n`));
  writeFileSync(join(logs, 'extra', 'app.log'), JSON.stringify([record('L1')]));
  writeFileSync(join(logs, 'extra', 'x.gz'), gzipSync(JSON.stringify(record('X1'))));
  writeFileSync(join(logs, 'extra', 'other_CloudTrail-Digest_y.json'), '{}');
});

after(() => rmSync(root, { recursive: true, force: true }));

void describe('readInputs over files and folders', () => {
  void it('walks an AWSLogs tree in sorted order, taking log names and skipping hidden files and digests', async () => {
    const items = await collect([logs]);
    assert.deepEqual(
      locations(items).map((l) => l.slice(logs.length + 1)),
      [
        'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/02/111122223333_CloudTrail_eu-west-1_20240102T0000Z_c.json.gz',
        'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02/111122223333_CloudTrail_us-east-1_20240102T0000Z_a.json.gz',
        'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02/111122223333_CloudTrail_us-east-1_20240102T0005Z_b.json',
        'extra/app.log',
        'extra/lines.jsonl',
        'extra/lines.ndjson',
        'extra/more.jsonl.gz',
        'extra/x.gz',
      ],
    );
    assert.deepEqual(eventNames(items), ['C1', 'A1', 'A2', 'B1', 'L1', 'J1', 'J2', 'N1', 'G1', 'X1']);
    for (const item of items) {
      if (item.kind === 'chunk') assert.equal(item.chunk.data.byteLength, item.chunk.data.buffer.byteLength);
    }
    assert.deepEqual(
      issuesOf(items).map((i) => [i.level, i.code, i.location.slice(logs.length + 1)]),
      [
        ['note', 'digest-skipped', 'AWSLogs/111122223333/CloudTrail-Digest'],
        ['note', 'digest-skipped', 'extra/other_CloudTrail-Digest_y.json'],
      ],
    );
    const discovered = items.filter((i) => i.kind === 'discovered');
    assert.equal(discovered.length, 1);
    const d = discovered[0]!;
    assert.equal(d.kind === 'discovered' && d.files, 8);
    const sizes = items.flatMap((i) => (i.kind === 'chunk' ? [i.chunk.data.length] : []));
    assert.equal(
      d.kind === 'discovered' && d.bytes,
      sizes.reduce((a, b) => a + b, 0),
    );
  });

  void it('reads a file named directly whatever its name, and reports a missing path without stopping', async () => {
    const odd = join(root, 'export.txt');
    writeFileSync(odd, JSON.stringify(record('ODD')));
    const missing = join(root, 'nope', 'missing.json');
    const items = await collect([missing, odd]);
    assert.deepEqual(eventNames(items), ['ODD']);
    const issues = issuesOf(items);
    assert.deepEqual(
      issues.map((i) => [i.level, i.code, i.location]),
      [['error', 'not-found', missing]],
    );
    assert.match(issues[0]!.message, /no such file or folder/);
    assert.ok(issues[0]!.hint);
  });

  void it('does not hang on a symbolic link loop, and reports a dangling link', async () => {
    const dir = join(root, 'loop');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'a.json'), delivery('LOOP'));
    symlinkSync(dir, join(dir, 'sub', 'back'));
    symlinkSync(join(dir, 'sub'), join(dir, 'again'));
    symlinkSync(join(dir, 'gone.json'), join(dir, 'dangling.json'));
    const items = await collect([dir]);
    assert.deepEqual(eventNames(items), ['LOOP']);
    const issues = issuesOf(items);
    assert.ok(issues.some((i) => i.code === 'folder-seen' && i.level === 'note'));
    assert.ok(issues.some((i) => i.code === 'not-found' && i.location === join(dir, 'dangling.json')));
  });

  void it('warns about a folder with no log files', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.md'), '#');
    const items = await collect([empty]);
    assert.deepEqual(
      issuesOf(items).map((i) => [i.level, i.code]),
      [['warning', 'no-input-files']],
    );
    assert.deepEqual(items.at(-1), { kind: 'discovered', files: 0, bytes: 0 });
  });

  void it('reports an unreadable file and an unreadable folder, and reads the rest', async () => {
    const dir = join(root, 'perm');
    mkdirSync(join(dir, 'closed'), { recursive: true });
    writeFileSync(join(dir, 'a.json'), delivery('OK1'));
    writeFileSync(join(dir, 'b.json'), delivery('SECRET'));
    writeFileSync(join(dir, 'c.json'), delivery('OK2'));
    writeFileSync(join(dir, 'closed', 'd.json'), delivery('SECRET'));
    const denied = (path: string) =>
      Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      readFile: (path, signal) =>
        path.endsWith('b.json') ? Promise.reject(denied(path)) : nodeFileSystem.readFile(path, signal),
      readdir: (path) =>
        path.endsWith('closed') ? Promise.reject(denied(path)) : nodeFileSystem.readdir(path),
    };
    const items = await collect([dir], { fileSystem });
    assert.deepEqual(eventNames(items), ['OK1', 'OK2']);
    assert.deepEqual(
      issuesOf(items).map((i) => [i.code, i.location, i.message]),
      [
        ['unreadable', join(dir, 'b.json'), 'permission denied'],
        ['unreadable', join(dir, 'closed'), 'permission denied'],
      ],
    );
  });

  /**
   * The real file system failing between listing and reading, which root cannot bypass (unlike a chmod 000 file):
   * the walk's stat of `victim` is the moment the race strikes, so the read that follows meets the real failure.
   */
  async function raceAfterListing(name: string, strike: (path: string) => void): Promise<InputItem[]> {
    const dir = join(root, `race-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.json'), delivery('OK1'));
    writeFileSync(join(dir, 'victim.json'), delivery('GONE'));
    writeFileSync(join(dir, 'z.json'), delivery('OK2'));
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      stat: async (path) => {
        const info = await nodeFileSystem.stat(path);
        if (path.endsWith('victim.json')) strike(path);
        return info;
      },
    };
    return collect([dir], { fileSystem });
  }

  void it('reports a file removed between listing and reading, and reads the rest (works as root)', async () => {
    const items = await raceAfterListing('removed', (path) => rmSync(path));
    assert.deepEqual(eventNames(items), ['OK1', 'OK2']);
    assert.deepEqual(
      issuesOf(items).map((i) => [i.level, i.code, i.location]),
      [['error', 'not-found', join(root, 'race-removed', 'victim.json')]],
    );
  });

  void it('reports a folder found where a listed file was, and reads the rest (works as root)', async () => {
    const items = await raceAfterListing('folder', (path) => {
      rmSync(path);
      mkdirSync(path);
    });
    assert.deepEqual(eventNames(items), ['OK1', 'OK2']);
    const issues = issuesOf(items);
    assert.deepEqual(
      issues.map((i) => [i.level, i.code, i.location]),
      [['error', 'read-failed', join(root, 'race-folder', 'victim.json')]],
    );
    assert.match(issues[0]!.message, /EISDIR/);
    assert.ok(!issues[0]!.message.includes(root), 'the message does not repeat the raw path');
  });

  void it('streams a big JSON Lines file in chunks with the right baseIndex, gzip or not', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) =>
      JSON.stringify({ ...record(`R${i}`), pad: 'z'.repeat(i % 90) }),
    );
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(root, 'big.jsonl'), text);
    writeFileSync(join(root, 'big.jsonl.gz'), gzipSync(text));
    for (const name of ['big.jsonl', 'big.jsonl.gz']) {
      const items = await collect([join(root, name)], { maxChunkBytes: 8192 });
      const chunks = items.flatMap((i) => (i.kind === 'chunk' ? [i.chunk] : []));
      assert.ok(chunks.length > 10, `${name}: ${chunks.length} chunks`);
      assert.ok(chunks.every((c) => c.format === 'jsonl' && c.data.length < 8192 + 1024));
      const decoded = chunks.flatMap((c) => decodeChunk(c).records);
      assert.equal(decoded.length, 2000);
      decoded.forEach((r, i) => {
        assert.equal(r.index, i);
        assert.equal((r.record as { eventName: string }).eventName, `R${i}`);
      });
      assert.deepEqual(issuesOf(items), []);
    }
  });

  void it('reads a big gzip delivery file whole when it is one document', async () => {
    const names = Array.from({ length: 500 }, (_, i) => `W${i}`);
    writeFileSync(join(root, 'whole.json.gz'), gzipSync(delivery(...names)));
    const items = await collect([join(root, 'whole.json.gz')], { maxChunkBytes: 1024 });
    assert.equal(items.filter((i) => i.kind === 'chunk').length, 1);
    assert.deepEqual(eventNames(items), names);
  });

  void it('reports a truncated big gzip file and keeps its complete lines', async () => {
    const text = Array.from({ length: 1000 }, (_, i) => JSON.stringify(record(`T${i}`))).join('\n');
    const gz = gzipSync(text);
    writeFileSync(join(root, 'cut.jsonl.gz'), gz.subarray(0, gz.length - 100));
    const items = await collect([join(root, 'cut.jsonl.gz')], { maxChunkBytes: 2048 });
    const names = eventNames(items);
    assert.ok(names.length > 500 && names.length < 1000);
    assert.deepEqual(
      issuesOf(items).map((i) => [i.code, i.location]),
      [['gzip-truncated', join(root, 'cut.jsonl.gz')]],
    );
  });

  void it('keeps listing order whatever order reads finish in', async () => {
    const dir = join(root, 'order');
    mkdirSync(dir);
    const names = Array.from({ length: 30 }, (_, i) => `f${String(i).padStart(2, '0')}`);
    for (const n of names) writeFileSync(join(dir, `${n}.json`), delivery(n));
    let turn = 0;
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      // Later files answer sooner, so completion order is the reverse of listing order.
      readFile: async (path, signal) => {
        const wait = 30 - (turn++ % 8) * 3;
        for (let i = 0; i < wait; i++) await new Promise((resolve) => setImmediate(resolve));
        return nodeFileSystem.readFile(path, signal);
      },
    };
    const items = await collect([dir], { fileSystem, concurrency: 8 });
    assert.deepEqual(eventNames(items), names);
  });

  void it('reads at most `concurrency` files ahead of the consumer', async () => {
    const dir = join(root, 'pressure');
    mkdirSync(dir);
    for (let i = 0; i < 40; i++)
      writeFileSync(join(dir, `p${String(i).padStart(2, '0')}.json`), delivery(`P${i}`));
    let started = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      readFile: async (path, signal) => {
        started += 1;
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await nodeFileSystem.readFile(path, signal);
        } finally {
          inFlight -= 1;
        }
      },
    };
    let consumed = 0;
    let maxAhead = 0;
    for await (const item of readInputs([dir], { fileSystem, concurrency: 3 })) {
      if (item.kind !== 'chunk') continue;
      consumed += 1;
      // A slow consumer: give readers every chance to run ahead.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      maxAhead = Math.max(maxAhead, started - consumed);
    }
    assert.equal(consumed, 40);
    assert.ok(maxInFlight <= 3, `in flight ${maxInFlight}`);
    assert.ok(maxAhead <= 3, `read ahead ${maxAhead}`);
  });

  void it('stops when the signal aborts, and when the consumer stops early', async () => {
    const controller = new AbortController();
    let chunks = 0;
    for await (const item of readInputs([logs], { signal: controller.signal, concurrency: 2 })) {
      if (item.kind === 'chunk') chunks += 1;
      if (chunks === 2) controller.abort();
    }
    assert.equal(chunks, 2);
    let seen = 0;
    for await (const item of readInputs([logs], { concurrency: 2 })) {
      if (item.kind === 'chunk' && ++seen === 1) break;
    }
    assert.equal(seen, 1);
  });
});
