// `mfaguard approve`: writes an approval the service matches, with a window from now; every bad input named.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../store/index.ts';
import { runCli } from '../main.ts';
import { captureContext } from '../test-support/context.ts';

const dir = mkdtempSync(join(tmpdir(), 'mfaguard-approve-'));
const store = `sqlite:${join(dir, 'store.db')}`;
const NOW = Date.parse('2026-11-23T12:00:00Z'); // captureContext's clock

describe('mfaguard approve', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('records an approval for a window from now that the store then finds', async () => {
    const captured = captureContext({ env: { USER: 'erin' } });
    const code = await runCli(
      [
        'approve',
        '--user',
        'bob',
        '--ticket',
        'CHG-123',
        '--window',
        '2h',
        '--account',
        '111122223333',
        '--store',
        store,
      ],
      captured.ctx,
    );
    assert.equal(code, 0, captured.err());
    assert.match(
      captured.out(),
      /bob may remove MFA from 2026-11-23T12:00:00.000Z to 2026-11-23T14:00:00.000Z \(ticket CHG-123, approved by erin\)/,
    );
    const db = await openStore(store);
    try {
      const match = await db.findApproval({
        user: 'BOB',
        account: '111122223333',
        actor: { arn: null, userName: 'bob' },
        atMs: NOW + 3_600_000,
      });
      assert.equal(match?.ticket, 'CHG-123');
      assert.equal(match?.createdBy, 'cli:erin');
      const outside = await db.findApproval({
        user: 'bob',
        account: '111122223333',
        actor: { arn: null, userName: 'bob' },
        atMs: NOW + 3 * 3_600_000,
      });
      assert.equal(outside, null);
    } finally {
      await db.close();
    }
  });

  it('takes an explicit window, actor and approver, and prints JSON', async () => {
    const captured = captureContext();
    const code = await runCli(
      [
        'approve',
        '--user',
        'carol',
        '--ticket',
        'CHG-9',
        '--from',
        '2026-11-24T09:00:00Z',
        '--to',
        '2026-11-24T10:00:00Z',
        '--actor',
        'arn:aws:iam::111122223333:user/helpdesk',
        '--approver',
        'frank',
        '--format',
        'json',
        '--store',
        store,
      ],
      captured.ctx,
    );
    assert.equal(code, 0, captured.err());
    const approval = JSON.parse(captured.out()) as {
      user: string;
      actor: string;
      approver: string;
      from: string;
      to: string;
    };
    assert.deepEqual(
      [approval.user, approval.actor, approval.approver, approval.from, approval.to],
      [
        'carol',
        'arn:aws:iam::111122223333:user/helpdesk',
        'frank',
        '2026-11-24T09:00:00.000Z',
        '2026-11-24T10:00:00.000Z',
      ],
    );
  });

  for (const [args, message] of [
    [['--ticket', 'CHG-1', '--window', '2h'], /--user is required/],
    [['--user', 'bob', '--window', '2h'], /--ticket is required/],
    [['--user', 'bob', '--ticket', 'CHG-1'], /give --window \(e\.g\. 2h\) or --to/],
    [['--user', 'bob', '--ticket', 'CHG-1', '--window', 'two hours'], /--window must be a duration/],
    [['--user', 'bob', '--ticket', 'CHG-1', '--window', '40d'], /longer than 30 days/],
    [['--user', 'bob', '--ticket', 'CHG-1', '--window', '2h', '--account', '12'], /12-digit AWS account id/],
    [
      ['--user', 'bob', '--ticket', 'CHG-1', '--from', 'tomorrow', '--window', '2h'],
      /--from must be a date-time/,
    ],
    [
      [
        '--user',
        'bob',
        '--ticket',
        'CHG-1',
        '--from',
        '2026-11-24T10:00:00Z',
        '--to',
        '2026-11-24T09:00:00Z',
      ],
      /ends before it starts/,
    ],
    [['--user', 'bob', '--ticket', 'CHG-1', '--window', '2h', '--colour'], /Unknown option '--colour'/],
  ] as const) {
    it(`exits 2 naming the problem: ${message.source}`, async () => {
      const captured = captureContext();
      assert.equal(await runCli(['approve', ...args, '--store', store], captured.ctx), 2, captured.err());
      assert.match(captured.err(), message);
    });
  }

  it('names every problem at once', async () => {
    const captured = captureContext();
    assert.equal(await runCli(['approve', '--account', 'x', '--store', store], captured.ctx), 2);
    assert.match(captured.err(), /--user is required/);
    assert.match(captured.err(), /--ticket is required/);
    assert.match(captured.err(), /12-digit/);
  });
});
