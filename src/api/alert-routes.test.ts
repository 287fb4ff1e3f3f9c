// The alerts API over HTTP and a real SQLite store: server-side filters, sorts and paging, the stored record, bulk triage.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizeRecord } from '../ingest/index.ts';
import type { Alert } from '../model/index.ts';
import type { Harness } from './test-support/harness.ts';
import { JSON_HEADERS, auth, sampleAlert, seedCase, startHarness } from './test-support/harness.ts';

const HOSTILE = '<img src=x onerror=alert(1)>\u202Egnp.exe =cmd|x <!channel> \u001b[31m';

interface Item {
  alert: Alert;
  eventTime: string;
  detectedAt: string;
  caseId: string | null;
  incidentId: string;
}

function variant(id: string, user: string, changes: { ip?: string; region?: string; time: string }): Alert {
  const base = sampleAlert({ id, user, time: changes.time });
  return {
    ...base,
    event: { ...base.event, region: changes.region ?? 'us-east-1' },
    actor: { ...base.actor, sourceIp: changes.ip ?? '203.0.113.7' },
  };
}

describe('alerts API', () => {
  let h: Harness;
  const caseIds: Record<string, string> = {};

  before(async () => {
    h = await startHarness();
    caseIds['bob'] = await seedCase(h.store, variant('a-bob', 'bob', { time: '2026-11-23T10:00:00Z' }));
    caseIds['carol'] = await seedCase(
      h.store,
      variant('a-carol', 'carol', { time: '2026-11-23T09:00:00Z', ip: '198.51.100.9', region: 'eu-west-1' }),
    );
    caseIds['dave'] = await seedCase(h.store, variant('a-dave', 'dave', { time: '2026-11-23T11:00:00Z' }));
    // The removal's CloudTrail record, kept as delivered, with hostile text in it.
    const normalized = normalizeRecord(
      {
        eventVersion: '1.08',
        eventID: 'event-bob',
        eventName: 'DeactivateMFADevice',
        eventSource: 'iam.amazonaws.com',
        eventTime: '2026-11-23T10:00:00Z',
        awsRegion: 'us-east-1',
        recipientAccountId: '111122223333',
        sourceIPAddress: '203.0.113.7',
        userAgent: HOSTILE,
        userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/bob', userName: 'bob' },
        requestParameters: { userName: 'bob', serialNumber: 'arn:aws:iam::111122223333:mfa/bob' },
        responseElements: null,
      },
      { location: 'test', index: 0 },
    );
    assert.ok(normalized.ok);
    await h.store.insertEvents([normalized.event]);
  });
  after(() => h?.close());

  const get = async (query: string, token = h.tokens.viewer) =>
    fetch(`${h.base}/api/alerts${query}`, { headers: auth(token) });
  const ids = async (query: string): Promise<string[]> => {
    const response = await get(query);
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { items: Item[] }).items.map((item) => item.alert.id);
  };

  it('filters on the server and carries event and detection times and the incident', async () => {
    assert.deepEqual(await ids('?region=eu-west-1'), ['a-carol']);
    assert.deepEqual(await ids('?sourceIp=198.51.100.9'), ['a-carol']);
    assert.deepEqual(await ids('?actor=DAVE'), ['a-dave']);
    assert.deepEqual(await ids('?actor=arn:aws:iam::111122223333:user/bob'), ['a-bob']);
    assert.deepEqual(await ids('?account=111122223333&from=2026-11-23T09:30:00Z&to=2026-11-23T10:30:00Z'), [
      'a-bob',
    ]);
    assert.deepEqual(await ids('?caseState=none'), []);
    assert.deepEqual(await ids('?sort=eventTime&order=asc'), ['a-carol', 'a-bob', 'a-dave']);
    const item = ((await (await get('?actor=bob')).json()) as { items: Item[] }).items[0];
    assert.equal(item?.eventTime, '2026-11-23T10:00:00Z');
    assert.equal(item?.detectedAt, '2026-11-23T12:00:00.000Z');
    assert.equal(item?.incidentId, 'event-bob');
    assert.equal(item?.caseId, caseIds['bob']);
  });

  it('pages with a cursor tied to its sort', async () => {
    const first = (await (await get('?sort=eventTime&limit=2')).json()) as {
      items: Item[];
      nextCursor: string;
    };
    assert.deepEqual(
      first.items.map((i) => i.alert.id),
      ['a-dave', 'a-bob'],
    );
    assert.deepEqual(await ids(`?sort=eventTime&limit=2&cursor=${encodeURIComponent(first.nextCursor)}`), [
      'a-carol',
    ]);
    const wrong = await get(`?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`);
    assert.equal(wrong.status, 400);
  });

  it('answers bad parameters with 400 problem+json naming each of them', async () => {
    const response = await get(
      '?sort=name&order=up&account=12&caseState=lost&from=2026-11-24&to=2026-11-23&x=1',
    );
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const problem = (await response.json()) as { issues: { path: string; message: string }[] };
    assert.deepEqual(problem.issues.map((issue) => issue.path).sort(), [
      'account',
      'caseState',
      'from',
      'order',
      'sort',
      'x',
    ]);
    assert.match(
      problem.issues.find((i) => i.path === 'sort')?.message ?? '',
      /detectedAt, eventTime, severity/,
    );
  });

  it('gives the stored CloudTrail record of an alert, hostile text as data', async () => {
    const response = await get('/a-bob/record');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await response.json()) as { eventId: string; record: Record<string, unknown> };
    assert.equal(body.eventId, 'event-bob');
    assert.equal(body.record['userAgent'], HOSTILE);
    const missing = await get('/a-carol/record');
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { detail: string }).detail, /not stored/);
    assert.equal((await get('/nope/record')).status, 404);
  });

  describe('bulk triage', () => {
    const bulk = (body: unknown, token = h.tokens.responder) =>
      fetch(`${h.base}/api/cases/bulk`, {
        method: 'POST',
        headers: auth(token, JSON_HEADERS),
        body: JSON.stringify(body),
      });

    it('assigns, classifies and resolves the chosen cases only, audited per case', async () => {
      const chosen = [caseIds['bob']!, caseIds['carol']!];
      assert.equal((await bulk({ caseIds: chosen, action: 'assign', assignee: 'grace' })).status, 200);
      assert.equal(
        (await bulk({ caseIds: chosen, action: 'classify', classification: 'verified' })).status,
        200,
      );
      const resolved = await bulk({ caseIds: chosen, action: 'resolve', note: 'owner confirmed by phone' });
      assert.equal(resolved.status, 200);
      const body = (await resolved.json()) as { updated: { id: string; state: string }[] };
      assert.deepEqual(
        body.updated.map((c) => c.state),
        ['resolved', 'resolved'],
      );
      for (const id of chosen) {
        const detail = await h.store.getCase(id);
        assert.equal(detail?.state, 'resolved');
        assert.equal(detail?.assignee, 'grace');
        assert.equal(detail?.classification, 'verified');
        const actions = detail?.audit.filter((entry) => entry.actor === 'api:responder-token') ?? [];
        assert.equal(actions.length, 3, JSON.stringify(detail?.audit));
      }
      const untouched = await h.store.getCase(caseIds['dave']!);
      assert.equal(untouched?.state, 'open');
      assert.equal(untouched?.assignee, null);
      assert.deepEqual(await ids('?caseState=resolved&sort=eventTime&order=asc'), ['a-carol', 'a-bob']);
      // One alert read alone carries its case as it stands, exactly as its list row does.
      const one = await fetch(`${h.base}/api/alerts/a-bob`, { headers: auth(h.tokens.viewer) });
      assert.equal(one.status, 200);
      const single = (await one.json()) as Item & { caseState: string; caseClassification: string };
      assert.deepEqual(
        [single.caseId, single.caseState, single.caseClassification],
        [caseIds['bob'], 'resolved', 'verified'],
      );
      const listed = ((await (await get('?actor=bob')).json()) as { items: Item[] }).items[0];
      assert.deepEqual(single, listed);
    });

    it('changes nothing when one case cannot change, and names it', async () => {
      const response = await bulk({
        caseIds: [caseIds['dave'], caseIds['bob']],
        action: 'resolve',
        note: 'again',
      });
      assert.equal(response.status, 409);
      assert.match(((await response.json()) as { detail: string }).detail, new RegExp(caseIds['bob']!));
      assert.equal((await h.store.getCase(caseIds['dave']!))?.state, 'open');
      const unknown = await bulk({ caseIds: [caseIds['dave'], '999999'], action: 'assign', assignee: 'x' });
      assert.equal(unknown.status, 404);
      assert.equal((await h.store.getCase(caseIds['dave']!))?.assignee, null);
    });

    it('needs the responder role and a valid body', async () => {
      const viewer = await bulk(
        { caseIds: [caseIds['dave']], action: 'assign', assignee: 'x' },
        h.tokens.viewer,
      );
      assert.equal(viewer.status, 403);
      const bad = await bulk({ caseIds: [], action: 'resolve' });
      assert.equal(bad.status, 400);
      const problem = (await bad.json()) as { issues: { path: string }[] };
      assert.deepEqual(problem.issues.map((i) => i.path).sort(), ['caseIds', 'note']);
    });
  });
});
