import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { UsageError } from '../../model/index.ts';
import type { CommandContext } from '../command.ts';
import { GENERATE_COMMAND } from './generate.ts';

function context(cwd: string): { ctx: CommandContext; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  let tick = 0;
  const ctx: CommandContext = {
    stdout: { write: (t) => void out.push(t), isTTY: false },
    stderr: { write: (t) => void err.push(t), isTTY: false },
    stdin: Readable.from([]),
    env: {},
    cwd,
    // Each call advances a second, so the rate line is computed without a wall clock.
    now: () => new Date(Date.UTC(2024, 0, 1) + 1000 * tick++),
  };
  return { ctx, out, err };
}

void test('generate writes the archive under --out and says what it wrote', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'mfaguard-cli-gen-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const { ctx, out, err } = context(cwd);
  const code = await GENERATE_COMMAND.run(
    [
      '--out',
      'arch',
      '--events',
      '3k',
      '--seed',
      '5',
      '--days',
      '1',
      '--delivery-minutes',
      '60',
      '--no-gzip',
    ],
    ctx,
  );
  assert.equal(code, 0);
  const truth = JSON.parse(readFileSync(join(cwd, 'arch', 'ground-truth.json'), 'utf8'));
  assert.equal(truth.records.unique, 3000);
  assert.equal(truth.options.seed, 5);
  assert.equal(truth.options.gzip, false);
  assert.ok(existsSync(join(cwd, 'arch', 'AWSLogs')));
  const text = out.join('');
  assert.match(
    text,
    /^Wrote 3,000 events \(3,\d{3} records with \d+ duplicates\) in \d+ log files, 2 digest files, to .*arch\n/,
  );
  assert.match(text, /expected alerts: \d+ \(.*deactivate-mfa \d+/);
  assert.match(text, /ground truth: .*ground-truth\.json/);
  assert.deepEqual(err, [], 'no progress bar when stderr is not a terminal');
});

void test('generate refuses bad arguments with a usage error', async () => {
  const { ctx } = context(tmpdir());
  const bad: [string[], RegExp][] = [
    [[], /--out DIR is required/],
    [['--out', 'x', '--events', 'lots'], /--events must be a whole number/],
    [['--out', 'x', '--seed', '-3'], /seed/],
    [['--out', 'x', '--days', '1.5'], /--days must be a whole number/],
    [['--out', 'x', '--mfa-share', '2'], /--mfa-share must be a number from 0 to 0.5/],
    [['--out', 'x', '--start', 'tomorrow'], /start must be an ISO date/],
    [['--out', 'x', '--regions', 'us-east-1,Nowhere'], /not an AWS region/],
    [['--out', 'x', '--frobnicate'], /Unknown option/],
    [['--out', 'x', 'extra'], /unexpected argument 'extra'/],
  ];
  for (const [args, message] of bad) {
    await assert.rejects(
      GENERATE_COMMAND.run(args, ctx),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
      args.join(' '),
    );
  }
});
