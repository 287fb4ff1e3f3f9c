// The exit codes scripts depend on, as numbers (not as EXIT.* names, which a swapped constant would still satisfy):
// 4 when AWS or the network fails, 70 for a bug, each end to end through the command line.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { ExternalError, InternalError, UsageError } from '../model/index.ts';
import { describeError, EXIT } from './exit-codes.ts';
import { runCli } from './main.ts';
import { captureContext } from './test-support/context.ts';

void describe('exit codes', () => {
  void it('are the numbers the README documents', () => {
    assert.deepEqual({ ...EXIT }, { ok: 0, failOn: 1, usage: 2, partial: 3, external: 4, internal: 70 });
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('## Running the service'));
    const documented = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    assert.deepEqual(documented, [0, 1, 2, 3, 4, 70]);
  });

  void it('AWS or the network failing is 4, with the service named and whether retrying may help', () => {
    const retryable = describeError(
      new ExternalError('sts', 'connect ETIMEDOUT', { retryable: true }),
      false,
    );
    assert.deepEqual(retryable, {
      code: 4,
      message: 'error: sts: connect ETIMEDOUT (temporary: trying again later may work)',
    });
    const final = describeError(new ExternalError('iam', 'AccessDenied'), false);
    assert.deepEqual(final, { code: 4, message: 'error: iam: AccessDenied' });
  });

  void it('a bug is 70, asks to be reported, and shows the stack only with MFAGUARD_DEBUG', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const quiet = describeError(bug, false);
    assert.equal(quiet.code, 70);
    assert.equal(
      quiet.message,
      "internal error: Cannot read properties of undefined (reading 'x')\n" +
        'This is a bug in mfaguard. Please report it with the command you ran (set MFAGUARD_DEBUG=1 to see the stack trace).',
    );
    const debug = describeError(bug, true);
    assert.equal(debug.code, 70);
    assert.match(debug.message, /^internal error: TypeError: Cannot read.*\n\s+at /);
    assert.equal(describeError(new InternalError('state machine reached nowhere'), false).code, 70);
    assert.equal(describeError('a thrown string', false).code, 70);
  });

  void it('bad input is 2 with each issue where it happened; control characters never reach the terminal', () => {
    const error = new UsageError('bad config \u001b[31m', [
      {
        level: 'error',
        code: 'x',
        location: 'mfaguard.yml',
        line: 3,
        column: 5,
        message: 'expected a number',
      },
    ]);
    const { code, message } = describeError(error, false);
    assert.equal(code, 2);
    assert.match(message, /^error: bad config /);
    assert.match(message, /\n {2}mfaguard\.yml:3:5: expected a number$/);
    assert.doesNotMatch(message, /\u001b/);
  });
});

void describe('exit codes through the command line', () => {
  void it('exits 4 when AWS cannot be reached', async () => {
    const sts = mockClient(STSClient);
    try {
      sts
        .on(GetCallerIdentityCommand)
        .rejects(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }));
      const { ctx, err } = captureContext();
      assert.equal(await runCli(['audit', '--format', 'json'], ctx), 4);
      assert.match(err(), /^error: sts: cannot reach AWS with these credentials: connect ECONNREFUSED/m);
      assert.doesNotMatch(err(), /\n\s+at /);
    } finally {
      sts.restore();
    }
  });

  void it('exits 70 on an unexpected failure, without a stack trace', async () => {
    const { ctx, err } = captureContext();
    // Output that cannot be written in an unforeseen way is no error kind mfaguard knows: a bug to report.
    const broken = {
      ...ctx,
      stdout: {
        ...ctx.stdout,
        write: (): void => {
          throw new RangeError('output exploded');
        },
      },
    };
    assert.equal(await runCli(['rules', 'list'], broken), 70);
    assert.match(err(), /^internal error: output exploded\nThis is a bug in mfaguard/);
    assert.doesNotMatch(err(), /\n\s+at /);
  });
});
