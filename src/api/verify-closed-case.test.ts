// Verification links after the case was closed, over real HTTP on loopback with the real live service on SQLite and
// PostgreSQL: a
// responder resolves through the API (or the service closes a rotation); the link's GET says who closed it and when
// and changes nothing; "yes" is refused and changes nothing; "not me" reopens the case escalated, once.

import assert from 'node:assert/strict';
import { after, describe, it, test } from 'node:test';
import {
  ORIGIN,
  PUBLIC_URL,
  fakeClock,
  makeService,
  phoneSwapRecords,
  takeoverRecords,
} from '../app/live/test-support/live.ts';
import type { FakeClock } from '../app/live/test-support/live.ts';
import type { LiveCore } from '../app/live/index.ts';
import type { Store } from '../store/index.ts';
import { createThrowawayDatabase, postgresProblem } from '../store/test-support/postgres.ts';
import { missing } from '../test-support/requirements.ts';
import { hashApiToken } from './auth.ts';
import { startHarness } from './test-support/harness.ts';
import type { Harness } from './test-support/harness.ts';

/** A responder whose name would inject markup and reverse the sentence it is shown in, if it were not escaped. */
const HOSTILE_NAME = '<img src=x onerror=alert(1)>\u202eevil\u2066';
const HOSTILE_TOKEN = 'tok-hostile-responder';

interface Links {
  readonly confirm: string;
  readonly deny: string;
}

async function verificationLinks(store: Store): Promise<Links> {
  const rows = await store.listNotifications({ state: 'pending', limit: 1000 });
  const request = rows.find((row) => row.kind === 'verification-request');
  const links = (request?.payload as { links?: { confirm?: string; deny?: string } } | undefined)?.links;
  const token = (link: string | undefined): string => {
    if (link === undefined || !link.startsWith(`${PUBLIC_URL}/verify/`))
      assert.fail(`not a verification link: ${String(link)}`);
    return link.slice(`${PUBLIC_URL}/verify/`.length);
  };
  return { confirm: token(links?.confirm), deny: token(links?.deny) };
}

/** Everything an answer could change: the case (with audit log and verifications) and the whole outbox. */
async function snapshot(store: Store, caseId: string): Promise<unknown> {
  const outbox = [];
  for (const state of ['pending', 'sent', 'dead'] as const)
    outbox.push(...(await store.listNotifications({ state, limit: 1000 })));
  return { kase: await store.getCase(caseId), outbox };
}

async function onlyCaseId(store: Store): Promise<string> {
  const page = await store.listCases({ limit: 10 });
  assert.equal(page.items.length, 1);
  return page.items[0]!.id;
}

interface World {
  readonly h: Harness;
  readonly clock: FakeClock;
  /** The live service behind the harness's server (same store, same clock). */
  readonly live: LiveCore;
}

/** Where a world keeps its state: a new SQLite file, or a new PostgreSQL database. */
interface Backend {
  readonly name: string;
  /** Null when usable; else why not. */
  readonly problem: string | null;
  /** An empty store's URL (undefined: the harness's own SQLite file) and how to remove it. */
  fresh(): Promise<{ readonly url: string | undefined; readonly drop: () => Promise<void> }>;
}

const BACKENDS: readonly Backend[] = [
  {
    name: 'SQLite',
    problem: null,
    fresh: () => Promise.resolve({ url: undefined, drop: () => Promise.resolve() }),
  },
  {
    name: 'PostgreSQL',
    problem: await postgresProblem(),
    fresh: async () => {
      const database = await createThrowawayDatabase('mfaguard_verify');
      return { url: database.url, drop: database.drop };
    },
  },
];

/** The real API server over a fresh store with the real live service, at `at` on a fake clock. */
async function startWorld(at: string, storeUrl: string | undefined): Promise<World> {
  const clock = fakeClock(at);
  let live: LiveCore | undefined;
  const h = await startHarness((store) => {
    live = makeService(store, clock);
    return { live, now: clock };
  }, storeUrl);
  await h.store.createApiToken({
    name: 'laptop',
    role: 'responder',
    tokenHash: hashApiToken(HOSTILE_TOKEN),
    createdBy: 'test',
    nowMs: clock(),
    subject: 'sub-1',
    displayName: HOSTILE_NAME,
  });
  return { h, clock, live: live! };
}

async function get(w: World, token: string): Promise<{ status: number; html: string }> {
  const response = await fetch(`${w.h.base}/verify/${token}`);
  return { status: response.status, html: await response.text() };
}

async function post(w: World, token: string, answer: string): Promise<{ status: number; html: string }> {
  const response = await fetch(`${w.h.base}/verify/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `answer=${answer}`,
  });
  return { status: response.status, html: await response.text() };
}

/** The escalations "not me" queued. */
async function denialEscalations(store: Store): Promise<number> {
  const rows = await store.listNotifications({ state: 'pending', limit: 1000 });
  return rows.filter(
    (row) => row.kind === 'case-escalated' && /not me/.test((row.payload as { title?: string }).title ?? ''),
  ).length;
}

function closedCaseLinks(backend: Backend): void {
  const worlds: World[] = [];
  const drops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const w of worlds) await w.h.close();
    for (const drop of drops) await drop();
  });

  async function world(at: string): Promise<World> {
    const fresh = await backend.fresh();
    drops.push(fresh.drop);
    const w = await startWorld(at, fresh.url);
    worlds.push(w);
    return w;
  }

  it('closed by a responder: GET says by whom and when and changes nothing; "yes" is refused; "not me" reopens it escalated, once', async () => {
    const w = await world('2026-11-18T02:20:00Z');
    const { h, clock } = w;
    await w.live.ingestRecords(takeoverRecords(), ORIGIN);
    const caseId = await onlyCaseId(h.store);
    const links = await verificationLinks(h.store);
    assert.equal((await h.store.getCase(caseId))?.state, 'verifying');

    clock.advance(5 * 60_000);
    const closedAt = clock();
    const resolved = await fetch(`${h.base}/api/cases/${caseId}/transition`, {
      method: 'POST',
      headers: { authorization: `Bearer ${HOSTILE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'resolved', note: 'looked fine' }),
    });
    assert.equal(resolved.status, 200, await resolved.text());
    clock.advance(5 * 60_000);
    const closed = await snapshot(h.store, caseId);

    // GET, twice each: the state is read, nothing is written.
    for (let i = 0; i < 2; i++) {
      const confirm = await get(w, links.confirm);
      assert.equal(confirm.status, 409);
      assert.match(confirm.html, /Case already closed/);
      assert.match(confirm.html, new RegExp(`on ${new Date(closedAt).toISOString()}`));
      assert.match(confirm.html, /This link no longer changes anything/);
      assert.doesNotMatch(confirm.html, /<form/, 'no button that could answer');
      const deny = await get(w, links.deny);
      assert.equal(deny.status, 200);
      assert.match(deny.html, /This case was closed by <strong>/);
      assert.match(deny.html, /name="answer" value="denied"/, '"not me" still counts');
      for (const html of [confirm.html, deny.html]) {
        assert.ok(!html.includes('<img'), 'markup in the name is inert');
        assert.ok(!/[\u202e\u2066]/.test(html), 'bidi controls in the name are shown as escapes');
        assert.ok(
          html.includes('&#60;img src=x onerror=alert(1)&#62;\\u202eevil\\u2066 &#60;sub:sub-1&#62;'),
          html,
        );
      }
    }
    assert.deepEqual(await snapshot(h.store, caseId), closed, 'GETs changed nothing');

    // "Yes, it was me": refused with the same page; the case, its audit log, its links and the outbox unchanged.
    const yes = await post(w, links.confirm, 'confirmed');
    assert.equal(yes.status, 409);
    assert.match(yes.html, /Case already closed/);
    assert.match(yes.html, /no answer was recorded/);
    assert.deepEqual(await snapshot(h.store, caseId), closed, '"yes" changed nothing');

    // "Not me": reopened as escalated, audited, one escalation queued.
    const no = await post(w, links.deny, 'denied');
    assert.equal(no.status, 200, no.html);
    assert.match(no.html, /unauthorized/);
    const reopened = await h.store.getCase(caseId);
    assert.equal(reopened?.state, 'escalated');
    assert.equal(reopened?.classification, 'unauthorized');
    assert.equal(reopened?.resolvedAt, null);
    assert.ok(
      reopened?.audit.some(
        (entry) =>
          entry.action === 'transition' &&
          entry.actor === 'owner:carol@example.com' &&
          entry.before?.['state'] === 'resolved' &&
          entry.after?.['state'] === 'escalated',
      ),
      'the reopening is audited',
    );
    assert.equal(await denialEscalations(h.store), 1, 'one escalation queued');
    const afterDenial = await snapshot(h.store, caseId);

    // A second "not me", and the spent link's page, do nothing more.
    const again = await post(w, links.deny, 'denied');
    assert.equal(again.status, 409);
    assert.match(again.html, /already been used/);
    assert.equal((await get(w, links.deny)).status, 409);
    assert.deepEqual(await snapshot(h.store, caseId), afterDenial);
    assert.equal(await denialEscalations(h.store), 1);
  });

  it('closed by the service (a phone swap explained itself): "yes" says so and changes nothing; "not me" still reopens', async () => {
    const w = await world('2026-11-17T09:06:00Z');
    const { h, clock } = w;
    const swap = phoneSwapRecords();
    await w.live.ingestRecords([...swap.history, ...swap.removal], ORIGIN);
    const caseId = await onlyCaseId(h.store);
    const links = await verificationLinks(h.store);
    clock.set('2026-11-17T09:12:00Z');
    await w.live.ingestRecords(swap.reEnrolment, ORIGIN);
    const rotation = await h.store.getCase(caseId);
    assert.equal(rotation?.state, 'resolved');
    assert.equal(rotation?.resolution, 'rotation');
    clock.advance(60_000);
    const closed = await snapshot(h.store, caseId);

    const page = await get(w, links.confirm);
    assert.equal(page.status, 409);
    assert.match(page.html, /closed by <strong>mfaguard itself/);
    assert.match(page.html, /on 2026-11-17T09:12:00.000Z/);
    const yes = await post(w, links.confirm, 'confirmed');
    assert.equal(yes.status, 409);
    assert.match(yes.html, /mfaguard itself/);
    assert.deepEqual(await snapshot(h.store, caseId), closed, 'GET and "yes" changed nothing');

    const no = await post(w, links.deny, 'denied');
    assert.equal(no.status, 200, no.html);
    assert.equal((await h.store.getCase(caseId))?.state, 'escalated');
    assert.equal(await denialEscalations(h.store), 1);
  });
}

for (const backend of BACKENDS) {
  const name = `verification links after the case was closed (HTTP, live service, ${backend.name})`;
  const problem = backend.problem;
  if (problem === null) describe(name, () => closedCaseLinks(backend));
  else test(name, (t) => void missing(t, 'pg', problem));
}
