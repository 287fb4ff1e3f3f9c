// The command line as a user meets it: help, unknown commands and options, and errors without stack traces.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './main.ts';
import { COMMANDS } from './commands/index.ts';
import { captureContext } from './test-support/context.ts';

describe('mfaguard command line', () => {
  it('lists every command in the help', async () => {
    const { ctx, out } = captureContext();
    assert.equal(await runCli(['--help'], ctx), 0);
    for (const name of ['audit', 'demo', 'generate', 'guardrails', 'kpi', 'policy', 'rules', 'scan']) {
      assert.match(out(), new RegExp(`^  ${name} `, 'm'), `help misses ${name}`);
    }
  });

  it('with no command prints the help and exits 2', async () => {
    const { ctx, out } = captureContext();
    assert.equal(await runCli([], ctx), 2);
    assert.match(out(), /Usage: mfaguard <command>/);
  });

  it('names an unknown command without echoing control characters', async () => {
    const { ctx, err } = captureContext();
    assert.equal(await runCli(['sc\u001b[2Jan'], ctx), 2);
    assert.match(err(), /unknown command 'sc\?\?2Jan'/);
    assert.doesNotMatch(err(), /\u001b/);
  });

  it('turns an unknown option into a usage error, not a stack trace', async () => {
    const { ctx, err } = captureContext();
    assert.equal(await runCli(['scan', '--frmat', 'json', 'x'], ctx), 2);
    assert.match(err(), /^error: scan: Unknown option '--frmat'/);
    assert.doesNotMatch(err(), /\n\s+at /);
  });

  it('prints a command help with --help', async () => {
    const { ctx, out } = captureContext();
    assert.equal(await runCli(['scan', '--help'], ctx), 0);
    assert.match(out(), /Usage: mfaguard scan PATH/);
  });

  it('prints the version', async () => {
    const { ctx, out } = captureContext();
    assert.equal(await runCli(['--version'], ctx), 0);
    assert.match(out(), /^\d+\.\d+\.\d+\n$/);
  });
});

describe('mfaguard command line on commander', () => {
  it('suggests the command meant by a typo, exit 2', async () => {
    const { ctx, err } = captureContext();
    assert.equal(await runCli(['scna', 'x'], ctx), 2);
    assert.equal(err(), "error: unknown command 'scna'; did you mean scan? (see `mfaguard --help`)\n");
  });

  it('names a mistyped option with a suggestion, in one line, without parser internals', async () => {
    const { ctx, err } = captureContext();
    assert.equal(await runCli(['scan', '--formt', 'json', 'x'], ctx), 2);
    assert.equal(
      err(),
      "error: scan: Unknown option '--formt'; did you mean --format? (see `mfaguard scan --help`)\n",
    );
    const missing = captureContext();
    assert.equal(await runCli(['audit', '--format'], missing.ctx), 2);
    assert.match(missing.err(), /^error: audit: Option '--format <list>' argument missing/);
  });

  it('prints the help with -h and help, the version with -V and -v', async () => {
    for (const flag of ['-h', 'help']) {
      const { ctx, out } = captureContext();
      assert.equal(await runCli([flag], ctx), 0);
      assert.match(out(), /^Usage: mfaguard <command> \[options\]/);
    }
    for (const flag of ['-V', '-v']) {
      const { ctx, out } = captureContext();
      assert.equal(await runCli([flag], ctx), 0);
      assert.match(out(), /^\d+\.\d+\.\d+\n$/);
    }
  });

  it('gives every command a help with its usage, options and examples of that command', async () => {
    for (const name of Object.keys(COMMANDS)) {
      for (const argv of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
      ]) {
        const { ctx, out } = captureContext();
        assert.equal(await runCli(argv, ctx), 0, argv.join(' '));
        const help = out();
        assert.match(help, new RegExp(`^Usage: mfaguard ${name} `), argv.join(' '));
        assert.match(help, /\n {2}-h, --help +print this help\n/, argv.join(' '));
        const examples = help.slice(help.indexOf('\nExamples:\n'));
        const lines = [...examples.matchAll(/^ {2}\$ (.*)$/gm)].map((m) => m[1] ?? '');
        assert.ok(lines.length > 0, `${name} has no examples`);
        for (const line of lines) assert.match(line, new RegExp(`mfaguard ${name}\\b`), `${name}: ${line}`);
      }
    }
  });

  it('hands what follows -- to the command untouched', async () => {
    const { ctx, err } = captureContext();
    assert.equal(await runCli(['scan', '--quiet', '--', '-not-an-option.json'], ctx), 3);
    assert.doesNotMatch(err(), /Unknown option/);
  });
});
