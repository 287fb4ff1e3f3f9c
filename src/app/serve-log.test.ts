import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../model/index.ts';
import { createServeLog, logLevelFrom } from './serve-log.ts';

function capture(level: Parameters<typeof createServeLog>[0]) {
  const lines: string[] = [];
  const log = createServeLog(level, (line) => lines.push(line));
  return { log, lines };
}

describe('serve log', () => {
  it('writes one JSON object per line with time, level, msg and the fields', () => {
    const { log, lines } = capture('info');
    log({ level: 'warn', msg: 'store connection error', error: 'ECONNRESET', count: 2 });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.endsWith('\n'));
    assert.equal(lines[0]!.trimEnd().includes('\n'), false);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.match(String(entry['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(
      { ...entry, time: 'T' },
      { time: 'T', level: 'warn', msg: 'store connection error', error: 'ECONNRESET', count: 2 },
    );
  });

  it('escapes what a terminal would obey in attacker text, and the line still parses to the same text', () => {
    const { log, lines } = capture('info');
    const hostile = 'alice\u202egnp.exe\u001b[2J\u0085\u007f\n{"level":"error"}';
    log({ level: 'info', msg: `user ${hostile}`, userName: hostile });
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry['userName'], hostile);
    assert.equal(entry['msg'], `user ${hostile}`);
  });

  it('drops entries below the level asked for', () => {
    const { log, lines } = capture('error');
    log({ level: 'info', msg: 'listening' });
    log({ level: 'warn', msg: 'slow' });
    log({ level: 'error', msg: 'outbox stopped' });
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { msg: string }).msg),
      ['outbox stopped'],
    );
  });

  it('takes the level from MFAGUARD_LOG_LEVEL, else serve.logLevel, info by default, and names a wrong one', () => {
    assert.equal(logLevelFrom({}), 'info');
    assert.equal(logLevelFrom({ MFAGUARD_LOG_LEVEL: ' WARN ' }), 'warn');
    assert.equal(logLevelFrom({ MFAGUARD_LOG_LEVEL: 'silent' }), 'silent');
    assert.equal(logLevelFrom({}, 'warn'), 'warn', "the configuration's serve.logLevel applies");
    assert.equal(logLevelFrom({ MFAGUARD_LOG_LEVEL: 'debug' }, 'warn'), 'debug', 'the environment wins');
    assert.throws(
      () => logLevelFrom({ MFAGUARD_LOG_LEVEL: 'verbose' }),
      (error: unknown) =>
        error instanceof UsageError && /MFAGUARD_LOG_LEVEL must be one of .*'verbose'/.test(error.message),
    );
  });
});
