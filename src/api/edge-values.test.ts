// Dates and numbers at the edge: only times in years 1970..9999 get in (API bodies, query strings, configuration),
// and a bad time already stored never makes a list or a revocation fail.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../app/config.ts';
import { UsageError } from '../model/index.ts';
import type { Harness } from './test-support/harness.ts';
import { JSON_HEADERS, NOW, startHarness } from './test-support/harness.ts';

describe('times at the edge', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const auth = (token: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    ...extra,
  });
  const postApproval = (body: Record<string, unknown>) =>
    fetch(`${h.base}/api/approvals`, {
      method: 'POST',
      headers: auth(h.tokens.responder, JSON_HEADERS),
      body: JSON.stringify({ user: 'bob', ticket: 'CHG-1', approver: 'erin', window: '2h', ...body }),
    });

  it('refuses approval times past year 9999 or before 1970, as text or epoch numbers, naming the range', async () => {
    for (const from of [
      '+275760-09-13T00:00:00.000Z',
      8.64e15,
      '8640000000000000',
      -1,
      '10000-01-01T00:00:00Z',
      1.5,
    ]) {
      const response = await postApproval({ from });
      assert.equal(response.status, 400, `from=${String(from)}`);
      const problem = (await response.json()) as { issues: { path: string; message: string }[] };
      assert.ok(problem.issues.some((issue) => issue.path === 'from'));
      assert.match(
        JSON.stringify(problem),
        /1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z|expected a date-time/,
      );
    }
    const edge = await postApproval({
      from: '9999-12-31T00:00:00Z',
      to: '9999-12-31T23:59:59.999Z',
      window: undefined,
    });
    assert.equal(edge.status, 201, 'the last printable instant is accepted');
    assert.equal(((await edge.json()) as { to: string }).to, '9999-12-31T23:59:59.999Z');
  });

  it('refuses query times out of range too', async () => {
    const response = await fetch(`${h.base}/api/kpis?from=%2B275760-09-13T00:00:00.000Z`, {
      headers: auth(h.tokens.viewer),
    });
    assert.equal(response.status, 400);
  });

  it('lists and revokes an approval whose stored time cannot be printed (written before the edge checked it)', async () => {
    const poisoned = await h.store.createApproval({
      user: 'mallory',
      ticket: 'CHG-666',
      approver: 'eve',
      actor: null,
      account: null,
      fromMs: 8.64e15,
      toMs: 8.64e15 + 1,
      createdBy: 'test',
      nowMs: NOW,
    });
    const list = await fetch(`${h.base}/api/approvals`, { headers: auth(h.tokens.viewer) });
    assert.equal(list.status, 200);
    const items = ((await list.json()) as { items: { id: string; from: string | null }[] }).items;
    assert.equal(items.find((item) => item.id === poisoned.id)?.from, null);
    const revoked = await fetch(`${h.base}/api/approvals/${poisoned.id}`, {
      method: 'DELETE',
      headers: auth(h.tokens.responder),
    });
    assert.equal(revoked.status, 200);
  });
});

describe('times in the configuration', () => {
  it('refuses an approval beyond year 9999 and durations over 100 years, naming where', () => {
    const yaml = `approvals:
  - ticket: CHG-1
    user: bob
    from: "+275760-09-13T00:00:00.000Z"
    window: 2h
  - ticket: CHG-2
    user: bob
    from: "2026-01-01T00:00:00Z"
    window: 9999999d
`;
    assert.throws(
      () => parseConfig(yaml, 'mfaguard.yaml'),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        const paths = error.issues.map((issue) => issue.path ?? issue.message).join('\n');
        assert.match(paths, /approvals\.0\.from|approvals\[0\]\.from/);
        assert.match(paths, /approvals\.1|approvals\[1\]/);
        return true;
      },
    );
  });
});
