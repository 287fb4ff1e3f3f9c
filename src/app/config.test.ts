// The configuration file: a good one becomes typed settings; every kind of mistake is named with its line.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InputIssue } from '../model/index.ts';
import { UsageError } from '../model/index.ts';
import { parseConfig, parseDuration } from './config.ts';

const GOOD = `
triage:
  graceWindow: 2h
  burst: { count: 4, window: 10m }
  lookbackDays: 14
workingHours:
  timeZone: Europe/Paris
  days: [mon, tue, wed, thu, fri]
  start: "08:30"
  end: "18:00"
identities:
  privileged: [alice]
  breakGlass: [breakglass]
  administrators: [secadmin]
  owners:
    alice: { email: alice@example.com, team: platform }
approvals:
  - ticket: CHG-123
    user: dave
    actor: opsadmin
    from: 2026-11-18T22:00:00Z
    window: 2h
    approver: carol
`;

function issuesOf(text: string): InputIssue[] {
  try {
    parseConfig(text, 'mfaguard.yml');
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    return [...error.issues];
  }
  assert.fail('expected the configuration to be rejected');
}

describe('configuration file', () => {
  it('turns a valid file into typed settings', () => {
    const { triage } = parseConfig(GOOD, 'mfaguard.yml');
    assert.equal(triage.graceWindowMs, 7_200_000);
    assert.equal(triage.burstCount, 4);
    assert.equal(triage.burstWindowMs, 600_000);
    assert.equal(triage.lookbackMs, 14 * 86_400_000);
    assert.deepEqual(triage.workingHours, {
      timeZone: 'Europe/Paris',
      days: [1, 2, 3, 4, 5],
      startMinute: 510,
      endMinute: 1080,
    });
    assert.ok(triage.privilegedUsers.has('alice'));
    assert.ok(triage.breakGlassUsers.has('breakglass'));
    assert.equal(triage.owners.get('alice')?.email, 'alice@example.com');
    assert.equal(triage.approvals.length, 1);
    assert.equal(triage.approvals[0]?.toMs, Date.parse('2026-11-19T00:00:00Z'));
  });

  it('an empty file means the defaults', () => {
    assert.equal(parseConfig('', 'x.yml').triage.graceWindowMs, 3_600_000);
  });

  it('names every problem at once, with its line', () => {
    const issues = issuesOf(`triage:
  graceWindw: 2h
  burst: { count: one }
workingHours:
  timeZone: Mars/Olympus
approvals:
  - user: dave
    from: yesterday
`);
    const messages = issues.map((issue) => `${issue.line}: ${issue.message}`);
    assert.ok(
      messages.some((m) => m.startsWith('2:') && m.includes("unknown setting 'graceWindw'")),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => m.startsWith('3:') && m.includes('triage.burst.count')),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => m.startsWith('5:') && m.includes('IANA time zone')),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => m.includes('approvals.0.ticket')),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => m.startsWith('8:') && m.includes('approvals.0.from')),
      messages.join('\n'),
    );
  });

  it('rejects YAML that does not parse, with the position', () => {
    const issues = issuesOf('triage:\n  graceWindow: [1h\n');
    assert.ok(issues.length > 0);
    assert.ok(typeof issues[0]?.line === 'number');
  });

  it('rejects a top level that is not a mapping and wrong list types', () => {
    assert.ok(issuesOf('- a\n- b\n').some((issue) => issue.message.includes('expected a mapping')));
    assert.ok(
      issuesOf('identities:\n  privileged: alice\n').some((issue) => issue.message.includes('list of names')),
    );
  });

  it('parses durations and refuses nonsense', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('2d'), 172_800_000);
    assert.equal(parseDuration(30), 30_000);
    assert.equal(parseDuration('1 hour'), null);
    assert.equal(parseDuration('-5m'), null);
  });
});

describe('configuration errors on zod, with YAML positions', () => {
  it('points at the offending key and suggests the setting meant', () => {
    const issues = issuesOf('triage:\n  graceWindw: 2h\n');
    assert.equal(issues.length, 1);
    const [issue] = issues as [InputIssue];
    assert.equal(issue.line, 2);
    assert.equal(issue.column, 3);
    assert.equal(issue.message, "triage.graceWindw: unknown setting 'graceWindw'");
    assert.match(issue.hint ?? '', /^did you mean 'graceWindow'\? known settings here: burst, /);
    const far = issuesOf('serve:\n  colour: blue\n')[0];
    assert.match(far?.hint ?? '', /^known settings here: /);
  });

  it('gives the notify section line numbers, and checks it even when other sections are wrong', () => {
    const issues = issuesOf(`triage: { graceWindow: soon }
notify:
  notifiers:
    - id: soc
      kind: webhok
  routes:
    - name: all
      notify: [nobody]
`);
    const where = issues.map((issue) => `${issue.line}:${issue.column ?? '?'} ${issue.message}`);
    assert.deepEqual(where, [
      "1:11 triage.graceWindow: expected a duration such as 90s, 15m, 1h or 2d (at most 100 years), got 'soon'",
      "5:7 notify.notifiers.0.kind: unknown notifier kind 'webhok'",
      "8:7 notify.routes.0.notify: no notifier has the id 'nobody'",
    ]);
  });

  it('reads serve.logLevel, and names a level pino does not have with its line', () => {
    assert.equal(parseConfig('serve:\n  logLevel: debug\n', 'mfaguard.yml').serve?.logLevel, 'debug');
    assert.equal(parseConfig('serve: {}\n', 'mfaguard.yml').serve?.logLevel, null);
    const issues = issuesOf('serve:\n  logLevel: verbose\n');
    assert.deepEqual(
      issues.map((issue) => `${issue.line}:${issue.column ?? '?'} ${issue.message}`),
      ["2:3 serve.logLevel: expected one of trace, debug, info, warn, error, fatal, silent, got 'verbose'"],
    );
  });

  it("puts a notifier's value errors from its zod schema at their YAML line and column", () => {
    const issues = issuesOf(`notify:
  notifiers:
    - id: soar
      kind: webhook
      url: ftp://soar.example.com/hook
      secretEnv: not a name
      concurrency: 0
  routes:
    - notify: [soar]
`);
    assert.deepEqual(
      issues.map((issue) => `${issue.line}:${issue.column ?? '?'} ${issue.message}`),
      [
        "5:7 notify.notifiers.0.url: expected an http(s) URL, got the scheme 'ftp:'",
        "6:7 notify.notifiers.0.secretEnv: expected the name of an environment variable such as MFAGUARD_SECRET, got 'not a name'",
        '7:7 notify.notifiers.0.concurrency: expected a whole number of sends at once between 1 and 64, got 0',
      ],
    );
  });
});
