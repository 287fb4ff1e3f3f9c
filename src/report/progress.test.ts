import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressBar } from './progress.ts';

function sink(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return {
    writes,
    out: { isTTY, ...(columns === undefined ? {} : { columns }), write: (t: string) => void writes.push(t) },
  };
}

void test('ProgressBar redraws at most every 100 ms and clears its line on finish', () => {
  let now = 1000;
  const { writes, out } = sink(true);
  const bar = new ProgressBar(out, { now: () => now });
  bar.update({ filesDone: 0, filesTotal: 10, events: 0, bytes: 0 });
  now += 50;
  bar.update({ filesDone: 1, filesTotal: 10, events: 100, bytes: 1e6 });
  assert.equal(writes.length, 1, 'second update within 100 ms is skipped');
  now += 60;
  bar.update({ filesDone: 5, filesTotal: 10, events: 5000, bytes: 11e6 });
  assert.equal(writes.length, 2);
  assert.equal(
    writes[1],
    '\r\u001b[2K[##########..........]  50% 5/10 files · 5,000 events · 10.5 MB · 100.0 MB/s',
  );
  bar.finish();
  assert.equal(writes[2], '\r\u001b[2K');
  bar.update({ filesDone: 6, filesTotal: 10, events: 1, bytes: 1 });
  bar.finish();
  assert.equal(writes.length, 3, 'nothing after finish');
});

void test('ProgressBar.clear blanks the line and the next update redraws at once', () => {
  let now = 0;
  const { writes, out } = sink(true);
  const bar = new ProgressBar(out, () => now);
  bar.clear();
  assert.equal(writes.length, 0, 'nothing to clear yet');
  bar.update({ filesDone: 1, events: 10, bytes: 0 });
  now += 10;
  bar.clear();
  assert.equal(writes[1], '\r\u001b[2K');
  bar.update({ filesDone: 2, events: 20, bytes: 0 });
  assert.equal(writes.length, 3, 'redrawn without waiting for the interval');
});

void test('ProgressBar writes nothing when the output is not a terminal', () => {
  const { writes, out } = sink(false);
  const bar = new ProgressBar(out, () => 0);
  bar.update({ filesDone: 1, filesTotal: null, events: 1, bytes: 1 });
  bar.clear();
  bar.finish();
  assert.deepEqual(writes, []);
});

void test('ProgressBar without a total shows a count, and fits a narrow terminal', () => {
  let now = 0;
  const { out } = sink(true, 30);
  const bar = new ProgressBar(out, { now: () => now });
  now = 2000;
  const line = bar.line({ filesDone: 3, events: 1234567, bytes: 4e6 });
  assert.equal(line, '3 files · 1,234,567 events · ');
  assert.ok(line.length < 30);
});
