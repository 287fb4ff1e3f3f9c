// The live core end to end on a real SQLite file: ingestion, dedupe, triage, cases, verification links, tick, dead letters.

import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { Store, StoreTx } from '../../store/index.ts';
import type { Notification } from '../../notify/index.ts';
import { checkVerificationToken } from '../../cases/index.ts';
import {
  ACCOUNT,
  ORIGIN,
  PUBLIC_URL,
  SECRET,
  eventBridge,
  fakeClock,
  makeService,
  phoneSwapRecords,
  rawRecord,
  takeoverRecords,
  tempSqlite,
  testConfig,
  TEST_CONFIG_YAML,
} from './test-support/live.ts';
import type { FakeClock, TempStore } from './test-support/live.ts';

const HOUR = 3_600_000;

async function pending(store: Store): Promise<{ kind: string; channel: string; n: Notification }[]> {
  const rows = await store.listNotifications({ state: 'pending', limit: 1000 });
  return rows.map((row) => ({ kind: row.kind, channel: row.channel, n: row.payload as Notification }));
}

async function onlyCase(store: Store) {
  const page = await store.listCases({ limit: 10 });
  assert.equal(page.items.length, 1, `expected one case, got ${page.items.length}`);
  const detail = await store.getCase(page.items[0]!.id);
  assert.ok(detail);
  return detail;
}

/** The token inside a verification link. */
function tokenOf(link: string | undefined): string {
  if (link === undefined || !link.startsWith(`${PUBLIC_URL}/verify/`))
    assert.fail(`not a verification link: ${String(link)}`);
  return link.slice(`${PUBLIC_URL}/verify/`.length);
}

async function verificationLinks(store: Store): Promise<{ confirm: string; deny: string }> {
  const request = (await pending(store)).find((row) => row.kind === 'verification-request');
  assert.ok(request, 'no verification request queued');
  return { confirm: tokenOf(request.n.links?.confirm), deny: tokenOf(request.n.links?.deny) };
}

describe('live service on SQLite', () => {
  let temp: TempStore;
  let store: Store;
  let clock: FakeClock;

  before(() => {
    temp = tempSqlite();
  });
  after(() => temp.cleanup());

  async function fresh(at: string): Promise<void> {
    if (store !== undefined) await store.close();
    temp.cleanup();
    temp = tempSqlite();
    store = await temp.open();
    clock = fakeClock(at);
  }
  after(async () => {
    await store.close();
  });

  it('a removal gives an alert, a case asking the owner, and the owner message queued with the case change', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    const outcome = await live.ingestRecords(takeoverRecords().map(eventBridge), ORIGIN);
    assert.equal(outcome.received, 6);
    assert.equal(outcome.stored, 6);
    assert.deepEqual(outcome.rejected, []);
    const removal = outcome.alerts.find((alert) => alert.rule.id === 'mfaguard-iam-mfa-device-deactivated');
    assert.ok(removal);
    assert.equal(removal.classification, 'suspicious');
    assert.ok(['high', 'critical'].includes(removal.severity));
    assert.equal(removal.reasons?.[0]?.code, 'takeover-pattern');

    const stored = await store.getAlert(removal.id);
    assert.equal(stored?.alert.classification, 'suspicious', 'the triaged alert is what the store keeps');
    assert.equal(stored?.detectedAt, clock());

    const kase = await onlyCase(store);
    assert.equal(kase.userName, 'carol');
    assert.equal(kase.state, 'verifying');
    assert.equal(kase.classification, 'suspicious');
    assert.equal(kase.severity, removal.severity);
    // The device bob enabled for carol from his session without MFA is the intruder's: it closes no window.
    assert.equal(kase.vulnerabilityWindowSeconds, null);
    assert.deepEqual(outcome.caseIds, [kase.id]);
    assert.equal(kase.verifications.length, 1);
    assert.equal(kase.verifications[0]?.owner, 'carol@example.com');
    assert.equal(kase.verifications[0]?.expiresAt, clock() + 24 * HOUR);

    const queued = await pending(store);
    const request = queued.find((row) => row.kind === 'verification-request');
    assert.ok(request);
    assert.equal(request.channel, 'owners');
    assert.equal(request.n.recipient, 'carol@example.com');
    assert.equal(request.n.caseId, kase.id);
    assert.equal(request.n.links?.case, `${PUBLIC_URL}/cases/${kase.id}`);
    const confirm = checkVerificationToken(SECRET, tokenOf(request.n.links?.confirm), clock());
    const deny = checkVerificationToken(SECRET, tokenOf(request.n.links?.deny), clock());
    assert.ok(confirm.ok && deny.ok);
    assert.equal(confirm.claims.answer, 'confirmed');
    assert.equal(deny.claims.answer, 'denied');
    assert.equal(confirm.claims.v, deny.claims.v, 'both links answer one verification');
    const opened = queued.find((row) => row.kind === 'case-opened');
    assert.equal(opened?.channel, 'security');
    assert.equal(live.metrics.value('casesOpened'), 1);
    assert.equal(live.metrics.value('verificationsRequested'), 1);
  });

  it('a failure inside the transaction leaves neither the case nor its notification', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const bound = <T extends object>(target: T, name: string | symbol): unknown => {
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    };
    const failing = new Proxy(store, {
      get(target, property) {
        if (property !== 'transaction') return bound(target, property);
        return <T>(fn: (tx: StoreTx) => Promise<T>) =>
          target.transaction((tx) =>
            fn(
              new Proxy(tx, {
                get(inner, name) {
                  if (name === 'enqueueNotification') return () => Promise.reject(new Error('disk full'));
                  return bound(inner, name);
                },
              }),
            ),
          );
      },
    });
    const live = makeService(failing, clock);
    await assert.rejects(live.ingestRecords(takeoverRecords(), ORIGIN), /disk full/);
    assert.equal((await store.listCases({ limit: 10 })).items.length, 0);
    assert.equal((await store.listAlerts({ limit: 10 })).items.length, 0);
    assert.deepEqual(await pending(store), []);
    assert.equal(live.metrics.value('errors'), 1);
    assert.equal((await store.listDeadLetters({ limit: 10 })).length, 0);
    // Nothing was half-done: the source's retry after the failure stores everything, once.
    const retry = makeService(store, clock);
    const records = takeoverRecords();
    const outcome = await retry.ingestRecords(records, ORIGIN);
    assert.equal(outcome.stored, records.length);
    assert.equal((await onlyCase(store)).state, 'verifying');
    assert.equal((await pending(store)).filter((row) => row.kind === 'verification-request').length, 1);
  });

  it('the same event posted twice gives one alert and one case', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    const records = takeoverRecords();
    const first = await live.ingestRecords(records, ORIGIN);
    clock.advance(60_000);
    const second = await live.ingestRecords(records.map(eventBridge), { source: 'sqs', location: 'msg-2' });
    assert.ok(first.alerts.length > 0);
    assert.equal(second.stored, 0);
    assert.equal(second.duplicates, records.length);
    assert.deepEqual(second.alerts, []);
    assert.equal((await store.listAlerts({ limit: 100 })).items.length, first.alerts.length);
    const kase = await onlyCase(store);
    assert.equal(kase.verifications.length, 1);
    assert.equal((await pending(store)).filter((row) => row.kind === 'verification-request').length, 1);
  });

  it('a phone swap is a rotation: the case closes by itself and keeps the vulnerability window', async () => {
    await fresh('2026-11-17T09:10:00Z');
    const live = makeService(store, clock);
    const swap = phoneSwapRecords();
    await live.ingestRecords([...swap.history, ...swap.removal, ...swap.reEnrolment], ORIGIN);
    const kase = await onlyCase(store);
    assert.equal(kase.classification, 'rotation');
    assert.equal(kase.state, 'resolved');
    assert.equal(kase.resolution, 'rotation');
    assert.equal(kase.vulnerabilityWindowSeconds, 180);
    assert.equal(kase.severity, 'low');
    assert.equal(kase.verifications.length, 0, 'nobody is asked about a rotation');
    assert.ok(
      kase.audit.some((entry) => entry.action === 'transition' && entry.after?.['state'] === 'resolved'),
    );
    assert.deepEqual((await pending(store)).map((row) => row.kind).sort(), ['case-opened', 'case-resolved']);
  });

  it('a re-enrolment arriving later turns the open removal into a rotation and closes its case', async () => {
    await fresh('2026-11-17T09:06:00Z');
    const live = makeService(store, clock);
    const swap = phoneSwapRecords();
    await live.ingestRecords([...swap.history, ...swap.removal], ORIGIN);
    let kase = await onlyCase(store);
    assert.equal(kase.state, 'verifying', 'alone, the removal is not explained yet');
    clock.set('2026-11-17T09:12:00Z');
    const later = await live.ingestRecords(swap.reEnrolment, { source: 'sqs', location: 'later' });
    assert.deepEqual(later.caseIds, [kase.id]);
    kase = await onlyCase(store);
    assert.equal(kase.classification, 'rotation');
    assert.equal(kase.state, 'resolved');
    assert.equal(kase.resolution, 'rotation');
    assert.equal(kase.vulnerabilityWindowSeconds, 180);
    const removal = (await store.listAlerts({ limit: 10, ruleId: 'mfaguard-iam-mfa-device-deactivated' }))
      .items[0];
    assert.equal(removal?.alert.classification, 'rotation');
    // The removal's alert and the deleted device's alert, one incident.
    assert.equal(live.metrics.value('alertsUpdated'), 2);
    const deletion = (
      await store.listAlerts({ limit: 10, ruleId: 'mfaguard-iam-virtual-mfa-device-deleted' })
    ).items[0];
    assert.equal(deletion?.alert.classification, 'rotation');
    assert.equal(deletion?.caseId, kase.id);
  });

  it('"no, this was not me" makes the case unauthorized and escalated, and queues the escalation', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    await live.ingestRecords(takeoverRecords(), ORIGIN);
    const links = await verificationLinks(store);
    clock.advance(10 * 60_000);
    const answer = await live.answerVerification(links.deny);
    const kase = await onlyCase(store);
    assert.deepEqual(answer, { ok: true, caseId: kase.id, answer: 'denied', classification: 'unauthorized' });
    assert.equal(kase.state, 'escalated');
    assert.equal(kase.classification, 'unauthorized');
    assert.ok(
      kase.audit.some((entry) => entry.actor === 'owner:carol@example.com' && entry.action === 'transition'),
    );
    assert.equal(kase.verifications[0]?.state, 'denied');
    const escalation = (await pending(store)).find((row) => row.kind === 'case-escalated');
    assert.equal(escalation?.channel, 'security');
    assert.match(escalation?.n.title ?? '', /not me/);
    const removal = (await store.listAlerts({ limit: 10, ruleId: 'mfaguard-iam-mfa-device-deactivated' }))
      .items[0];
    assert.equal(removal?.alert.classification, 'unauthorized');
    assert.equal(removal?.alert.reasons?.[0]?.code, 'owner-denied');
  });

  it('after a responder closed the case, "yes" shows who closed it and spends nothing; "no" reopens it escalated', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    await live.ingestRecords(takeoverRecords(), ORIGIN);
    const links = await verificationLinks(store);
    const opened = await onlyCase(store);
    clock.advance(5 * 60_000);
    const closedAt = clock();
    await store.transitionCase(opened.id, 'resolved', {
      actor: 'token:responder-bob',
      nowMs: closedAt,
      note: 'looked fine',
    });
    clock.advance(5 * 60_000);
    assert.deepEqual(await live.answerVerification(links.confirm), {
      ok: false,
      reason: 'closed',
      caseId: opened.id,
      closedBy: 'token:responder-bob',
      closedAt,
    });
    let kase = await onlyCase(store);
    assert.equal(kase.state, 'resolved');
    assert.equal(
      kase.verifications[0]?.state,
      'pending',
      'the "yes" was rolled back: the "no" link still works',
    );

    const answer = await live.answerVerification(links.deny);
    assert.deepEqual(answer, {
      ok: true,
      caseId: opened.id,
      answer: 'denied',
      classification: 'unauthorized',
    });
    kase = await onlyCase(store);
    assert.equal(kase.state, 'escalated');
    assert.equal(kase.classification, 'unauthorized');
    assert.equal(kase.resolvedAt, null);
    assert.ok(
      kase.audit.some(
        (entry) =>
          entry.action === 'transition' &&
          entry.actor === 'owner:carol@example.com' &&
          entry.before?.['state'] === 'resolved' &&
          entry.after?.['state'] === 'escalated',
      ),
    );
    const escalation = (await pending(store)).find((row) => row.kind === 'case-escalated');
    assert.match(escalation?.n.title ?? '', /not me/);
    assert.deepEqual(await live.answerVerification(links.deny), { ok: false, reason: 'used' });
  });

  it('"yes, this was me" makes the case verified and resolved; the links then cannot be used again', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    await live.ingestRecords(takeoverRecords(), ORIGIN);
    const links = await verificationLinks(store);
    const answer = await live.answerVerification(links.confirm, 'confirmed');
    assert.equal(answer.ok, true);
    const kase = await onlyCase(store);
    assert.equal(kase.state, 'resolved');
    assert.equal(kase.classification, 'verified');
    assert.equal(kase.resolution, 'owner-confirmed');
    assert.deepEqual(await live.answerVerification(links.confirm), { ok: false, reason: 'used' });
    assert.deepEqual(await live.answerVerification(links.deny), { ok: false, reason: 'used' });
    assert.equal((await onlyCase(store)).classification, 'verified', 'a reused link changes nothing');
    // Late events re-triage the alert but never override what the owner said.
    await live.ingestRecords(
      [
        rawRecord({
          name: 'CreateAccessKey',
          at: '2026-11-18T02:18:00Z',
          actor: 'bob',
          ip: '192.0.2.66',
          target: 'carol',
        }),
      ],
      ORIGIN,
    );
    const removal = (await store.listAlerts({ limit: 10, ruleId: 'mfaguard-iam-mfa-device-deactivated' }))
      .items[0];
    assert.equal(removal?.alert.classification, 'verified');
    assert.ok(removal?.alert.reasons?.some((reason) => reason.code === 'follow-up-credentials'));
  });

  it('a forged, tampered or mismatched link is refused as forged and changes nothing', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    await live.ingestRecords(takeoverRecords(), ORIGIN);
    const links = await verificationLinks(store);
    const [payload, signature] = links.confirm.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const flipped = Buffer.from(JSON.stringify({ ...claims, answer: 'denied' })).toString('base64url');
    const attempts = [
      `${flipped}.${signature}`,
      `${payload}.${signature.slice(0, -2)}AA`,
      `${payload}.`,
      'not-a-token',
      '',
      `${payload}.${signature}.${signature}`,
    ];
    for (const token of attempts) {
      assert.deepEqual(await live.answerVerification(token), { ok: false, reason: 'forged' }, token);
    }
    assert.deepEqual(await live.answerVerification(links.confirm, 'denied'), { ok: false, reason: 'forged' });
    const other = makeService(store, clock, { secret: new Uint8Array(32) });
    assert.deepEqual(await other.answerVerification(links.confirm), { ok: false, reason: 'forged' });
    const kase = await onlyCase(store);
    assert.equal(kase.state, 'verifying');
    assert.equal(kase.verifications[0]?.state, 'pending');
    assert.equal(live.metrics.value('verificationRejected'), attempts.length + 1);
  });

  it('an expired link is refused; tick escalates the case once, however often it runs', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    await live.ingestRecords(takeoverRecords(), ORIGIN);
    const links = await verificationLinks(store);
    clock.advance(24 * HOUR);
    assert.deepEqual(await live.answerVerification(links.deny), { ok: false, reason: 'expired' });
    await live.tick();
    await live.tick();
    const second = makeService(store, clock);
    await second.tick();
    const kase = await onlyCase(store);
    assert.equal(kase.state, 'escalated');
    assert.equal(kase.verifications[0]?.state, 'expired');
    const escalations = (await pending(store)).filter((row) => row.kind === 'case-escalated');
    assert.equal(escalations.length, 1);
    assert.match(escalations[0]?.n.title ?? '', /no answer from the owner carol@example\.com/);
    assert.deepEqual(await live.answerVerification(links.confirm), { ok: false, reason: 'expired' });
  });

  it('an approval in the store makes the removal approved: no verification, the case closes', async () => {
    await fresh('2026-11-18T02:20:00Z');
    await store.createApproval({
      ticket: 'CHG-123',
      user: 'Carol',
      fromMs: Date.parse('2026-11-18T02:00:00Z'),
      toMs: Date.parse('2026-11-18T04:00:00Z'),
      approver: 'erin@example.com',
      createdBy: 'api:erin',
      nowMs: clock(),
    });
    const live = makeService(store, clock);
    const [removal] = takeoverRecords().filter((record) => record['eventName'] === 'DeactivateMFADevice');
    await live.ingestRecords([removal], ORIGIN);
    const kase = await onlyCase(store);
    assert.equal(kase.classification, 'approved');
    assert.equal(kase.state, 'resolved');
    assert.equal(kase.resolution, 'approved');
    assert.equal(kase.verifications.length, 0);
    const alert = (await store.listAlerts({ limit: 10 })).items[0]?.alert;
    assert.ok(
      alert?.reasons?.some((reason) => reason.code === 'approved' && reason.message.includes('CHG-123')),
    );
  });

  it('root losing MFA is critical and never closes by itself, even re-enrolled or confirmed', async () => {
    await fresh('2026-11-18T10:10:00Z');
    const live = makeService(store, clock);
    const root = { actor: 'root', ip: '198.51.100.9', console: true, mfa: true } as const;
    await live.ingestRecords(
      [
        rawRecord({ name: 'ConsoleLogin', at: '2026-11-10T10:00:00Z', ...root }),
        rawRecord({ name: 'DeactivateMFADevice', at: '2026-11-18T10:00:00Z', ...root }),
        rawRecord({ name: 'EnableMFADevice', at: '2026-11-18T10:03:00Z', ...root }),
      ],
      ORIGIN,
    );
    let kase = await onlyCase(store);
    assert.equal(kase.userName, 'root');
    assert.equal(kase.severity, 'critical');
    assert.notEqual(kase.state, 'resolved');
    assert.equal(kase.state, 'verifying');
    const links = await verificationLinks(store);
    await live.answerVerification(links.confirm);
    kase = await onlyCase(store);
    assert.equal(kase.classification, 'verified');
    assert.equal(kase.state, 'escalated', 'a person closes a root case');
    assert.equal(kase.severity, 'critical');
  });

  it('without an owner on record a case waits for the grace window, then escalates when nothing explains it', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    await live.ingestRecords(
      [rawRecord({ name: 'DeactivateMFADevice', at: '2026-11-18T02:14:00Z', actor: 'bob', target: 'zoe' })],
      ORIGIN,
    );
    let kase = await onlyCase(store);
    assert.equal(kase.state, 'open', 'a re-enrolment may still explain it: nobody is paged yet');
    assert.equal(kase.verifications.length, 0);
    assert.equal(
      (await pending(store)).find((row) => row.kind === 'case-escalated'),
      undefined,
    );
    clock.set('2026-11-18T03:30:00Z');
    await live.tick();
    kase = await onlyCase(store);
    assert.equal(kase.state, 'escalated');
    const escalation = (await pending(store)).find((row) => row.kind === 'case-escalated');
    assert.match(escalation?.n.title ?? '', /no owner on record/);
  });

  it('without an owner on record a phone swap closes as a rotation, even after an escalation for want of an owner', async () => {
    await fresh('2026-11-17T09:06:00Z');
    const live = makeService(store, clock, {
      config: testConfig(TEST_CONFIG_YAML.replace('alice: { email: alice@example.com }', '')),
    });
    const swap = phoneSwapRecords();
    await live.ingestRecords([...swap.history, ...swap.removal], ORIGIN);
    assert.equal((await onlyCase(store)).state, 'open');
    // Past grace the case escalates; then the re-enrolment, delivered late, explains it.
    clock.set('2026-11-17T10:30:00Z');
    await live.tick();
    assert.equal((await onlyCase(store)).state, 'escalated');
    await live.ingestRecords(swap.reEnrolment, { source: 'sqs', location: 'late' });
    const kase = await onlyCase(store);
    assert.equal(kase.classification, 'rotation');
    assert.equal(kase.state, 'resolved');
    assert.equal(kase.resolution, 'rotation');
  });

  it('a takeover with nobody to ask escalates at once', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock, {
      config: testConfig(TEST_CONFIG_YAML.replace('carol: { email: carol@example.com }', '')),
    });
    await live.ingestRecords(takeoverRecords(), ORIGIN);
    const kase = await onlyCase(store);
    assert.equal(kase.classification, 'suspicious');
    assert.equal(kase.state, 'escalated');
  });

  it('owners can come from IAM user tags through a lookup hook', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const { tagOwnerLookup } = await import('../../cases/index.ts');
    const live = makeService(store, clock, {
      ownerLookups: [
        tagOwnerLookup((target) =>
          Promise.resolve(
            target.userName === 'zoe' ? { Owner: 'team-x', 'Owner-Email': 'zoe@example.com' } : null,
          ),
        ),
      ],
    });
    await live.ingestRecords(
      [rawRecord({ name: 'DeactivateMFADevice', at: '2026-11-18T02:14:00Z', actor: 'bob', target: 'zoe' })],
      ORIGIN,
    );
    const kase = await onlyCase(store);
    assert.equal(kase.state, 'verifying');
    assert.equal(kase.verifications[0]?.owner, 'zoe@example.com');
  });

  it("a privileged user's removal without an approval is raised with the reason said", async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    const outcome = await live.ingestRecords(
      [rawRecord({ name: 'DeactivateMFADevice', at: '2026-11-18T02:14:00Z', actor: 'bob', target: 'dave' })],
      ORIGIN,
    );
    const codes = (outcome.alerts[0]?.reasons ?? []).map((reason) => reason.code);
    assert.ok(codes.includes('privileged-without-approval'), codes.join(', '));
    assert.ok(codes.includes('privileged-target'));
  });

  it('tick calls a removal still without a device past grace unresolved and raises it, once', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    const [removal] = await live
      .ingestRecords(
        [
          rawRecord({
            name: 'DeactivateMFADevice',
            at: '2026-11-18T02:14:00Z',
            actor: 'bob',
            target: 'carol',
          }),
        ],
        ORIGIN,
      )
      .then((outcome) => outcome.alerts);
    assert.ok(removal);
    assert.ok(removal.reasons?.some((reason) => reason.code === 'grace-window-open'));
    clock.advance(30 * 60_000);
    await live.tick();
    assert.equal(
      (await store.getAlert(removal.id))?.alert.riskScore,
      removal.riskScore,
      'not yet past grace',
    );
    clock.set('2026-11-18T03:30:00Z');
    await live.tick();
    const after = (await store.getAlert(removal.id))?.alert;
    // bob removed carol's device: an administrator's reset still waiting for carol, now past grace with MFA off.
    assert.equal(after?.classification, 'admin-reset');
    assert.ok(after.reasons?.some((reason) => reason.code === 'unresolved'));
    assert.ok(after.riskScore > removal.riskScore);
    const kase = await onlyCase(store);
    assert.equal(kase.riskScore, after.riskScore);
    const updates = live.metrics.value('alertsUpdated');
    await live.tick();
    assert.equal(live.metrics.value('alertsUpdated'), updates, 'a second tick changes nothing');
  });

  it('a malformed record is dead-lettered with its raw bytes and the reason; the others are stored', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    const good = rawRecord({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T02:14:00Z',
      actor: 'bob',
      target: 'carol',
    });
    const noTime = {
      ...rawRecord({ name: 'ListUsers', at: '2026-11-18T02:10:00Z' }),
      eventTime: 'yesterday',
    };
    const notCloudTrail = {
      'detail-type': 'EC2 Instance State-change Notification',
      detail: { state: 'running' },
    };
    const outcome = await live.ingestRecords([noTime, good, 42, notCloudTrail], ORIGIN);
    assert.equal(outcome.received, 4);
    assert.equal(outcome.stored, 1);
    assert.equal(outcome.rejected.length, 3);
    assert.deepEqual(
      outcome.rejected.map((issue) => issue.index),
      [0, 2, 3],
    );
    const letters = await store.listDeadLetters({ limit: 10 });
    assert.equal(letters.length, 3);
    const byLocation = new Map(letters.map((letter) => [letter.location, letter]));
    const first = byLocation.get('test-request#0');
    assert.ok(first);
    assert.equal(first.source, 'eventbridge');
    assert.match(first.reason, /eventTime/);
    assert.deepEqual(JSON.parse(first.raw.toString('utf8')), noTime);
    assert.equal(byLocation.get('test-request#2')?.raw.toString('utf8'), '42');
    assert.match(byLocation.get('test-request#3')?.reason ?? '', /EC2 Instance State-change/);
    assert.equal((await store.listAlerts({ limit: 10 })).items.length, 1);
  });

  it('ingestBytes reads a gzipped delivery file; unreadable records are kept with the file', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    const records = takeoverRecords();
    const file = gzipSync(Buffer.from(JSON.stringify({ Records: [...records, 'garbage'] })));
    const outcome = await live.ingestBytes(file, { source: 'sqs', location: 's3://trail/AWSLogs/x.json.gz' });
    assert.equal(outcome.stored, records.length);
    assert.equal(outcome.rejected.length, 1);
    const [letter] = await store.listDeadLetters({ limit: 10 });
    assert.equal(letter?.location, 's3://trail/AWSLogs/x.json.gz');
    assert.deepEqual(letter?.raw, file);
    assert.equal((await onlyCase(store)).state, 'verifying');
  });

  it('two services sharing one store ingest the same batch at once: one alert per rule, one case', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const other = await temp.open();
    try {
      const first = makeService(store, clock);
      const second = makeService(other, clock);
      const records = takeoverRecords();
      const [a, b] = await Promise.all([
        first.ingestRecords(records, ORIGIN),
        second.ingestRecords(records.map(eventBridge), { source: 'sqs', location: 'm' }),
      ]);
      assert.equal(a.stored + b.stored, records.length);
      const alerts = (await store.listAlerts({ limit: 100 })).items;
      assert.equal(alerts.length, a.alerts.length + b.alerts.length);
      assert.equal(new Set(alerts.map((alert) => alert.alert.id)).size, alerts.length);
      const kase = await onlyCase(store);
      assert.equal(kase.verifications.length, 1);
      assert.equal((await pending(store)).filter((row) => row.kind === 'verification-request').length, 1);
    } finally {
      await other.close();
    }
  });

  it('keeps the account in the case key', async () => {
    await fresh('2026-11-18T02:20:00Z');
    const live = makeService(store, clock);
    await live.ingestRecords(takeoverRecords(), ORIGIN);
    assert.equal((await onlyCase(store)).targetKey, `${ACCOUNT}/carol`);
  });

  it('a burst opens a case per target and asks each owner, whether the removals come in one batch or one by one', async () => {
    const owners = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const yaml = `${TEST_CONFIG_YAML.replace('identities:\n  owners:\n', `identities:\n  owners:\n${owners.map((u) => `    ${u}: { email: ${u}@example.com }\n`).join('')}`)}`;
    const sweep = owners.map((user, i) =>
      rawRecord({
        name: 'DeactivateMFADevice',
        at: new Date(Date.parse('2026-11-18T13:00:00Z') + i * 90_000).toISOString(),
        actor: 'mallory',
        target: user,
      }),
    );
    const results: unknown[] = [];
    for (const split of ['batch', 'one by one'] as const) {
      await fresh('2026-11-18T13:20:00Z');
      const live = makeService(store, clock, { config: testConfig(yaml) });
      if (split === 'batch') await live.ingestRecords(sweep, ORIGIN);
      else for (const record of sweep) await live.ingestRecords([record], ORIGIN);
      const cases = (await store.listCases({ limit: 100 })).items;
      assert.deepEqual(cases.map((kase) => kase.userName).sort(), owners, `${split}: one case per target`);
      const requests = (await pending(store)).filter((row) => row.kind === 'verification-request');
      assert.deepEqual(
        requests.map((row) => row.n.recipient).sort(),
        owners.map((user) => `${user}@example.com`),
        `${split}: every owner asked`,
      );
      const burst = (await store.listAlerts({ limit: 100, ruleId: 'mfaguard-mfa-removal-burst' })).items;
      assert.equal(burst.length, 1, `${split}: one burst alert`);
      results.push(
        cases
          .map((kase) => [kase.userName, kase.classification, kase.severity, kase.state])
          .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
      );
    }
    assert.deepEqual(results[1], results[0]);
  });
});
