// `mfaguard serve` refuses bad options and secrets before it opens anything; the running service is tested end to end in app/.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../main.ts';
import { captureContext } from '../test-support/context.ts';

const dir = mkdtempSync(join(tmpdir(), 'mfaguard-serve-cli-'));
const store = `sqlite:${join(dir, 'store.db')}`;
const GOOD_ENV = { MFAGUARD_INGEST_TOKEN: 'a-long-enough-ingest-token' };

describe('mfaguard serve: bad input', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [args, env, message] of [
    [['--port', '70000'], GOOD_ENV, /--port must be a number from 0 to 65535/],
    [['--port', 'http'], GOOD_ENV, /--port must be a number/],
    [['--ingest-header', 'x api key'], GOOD_ENV, /--ingest-header must be an HTTP header name/],
    [['--max-body-bytes', '10'], GOOD_ENV, /--max-body-bytes must be a number of bytes, at least 1024/],
    [['--public-url', 'ftp://example.com'], GOOD_ENV, /--public-url must be an http\(s\) URL/],
    [['--outbox-interval', 'soon'], GOOD_ENV, /--outbox-interval must be a duration/],
    [['--tick-interval', '0s'], GOOD_ENV, /--tick-interval must be a duration/],
    [['extra'], GOOD_ENV, /serve takes no positional arguments/],
    [['--config', join(dir, 'missing.yaml')], GOOD_ENV, /cannot read the configuration file .*no such file/],
    [['--sqs-queue', 'my-queue'], GOOD_ENV, /--sqs-queue must be a queue URL/],
    [['--sqs-visibility', '1500ms'], GOOD_ENV, /--sqs-visibility must be a duration/],
    [['--sqs-visibility', '13h'], GOOD_ENV, /--sqs-visibility must be whole seconds from 1s to 12h/],
    [['--s3-poll', 'bucket/AWSLogs'], GOOD_ENV, /--s3-poll must be an s3:\/\/ URL/],
    [['--lookup-region', 'mars-1'], GOOD_ENV, /must be AWS regions such as us-east-1; got 'mars-1'/],
    [[], { MFAGUARD_INGEST_TOKEN: 'short' }, /MFAGUARD_INGEST_TOKEN is too short \(5 characters\)/],
    [[], { ...GOOD_ENV, MFAGUARD_ADMIN_TOKEN: 'admin' }, /MFAGUARD_ADMIN_TOKEN is too short/],
    [
      [],
      { ...GOOD_ENV, MFAGUARD_LINK_SECRET: 'sixteen-chars-ok' },
      /MFAGUARD_LINK_SECRET must be at least 32 bytes/,
    ],
  ] as const) {
    it(`exits 2: ${message.source}`, async () => {
      const captured = captureContext({ env: { ...env } });
      const code = await runCli(['serve', '--store', store, '--port', '0', ...args], captured.ctx);
      assert.equal(code, 2, captured.err());
      assert.match(captured.err(), message);
    });
  }

  it('exits 2 for a store URL it does not know, naming the accepted forms', async () => {
    const captured = captureContext({ env: GOOD_ENV });
    assert.equal(await runCli(['serve', '--store', 'mysql://db/x', '--port', '0'], captured.ctx), 2);
    assert.match(captured.err(), /unsupported store URL.*sqlite:PATH/);
  });
});
