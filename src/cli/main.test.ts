// The command line as a user meets it: help, unknown commands and options, and errors without stack traces.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './main.ts';
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
