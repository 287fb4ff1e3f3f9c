// One pipeline: the same events through `scan`, through `serve` (real HTTP on loopback, SQLite and PostgreSQL; one event
// per request and one batch) and through the Lambda handler give the same alerts: ids, classification, severity, risk
// score, reasons, related events, correlation and incident.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { E2E_ENV, throwawayPostgres } from '../api/test-support/e2e.ts';
import { generateEpisodeMix } from '../generate/index.ts';
import type { EpisodeMix } from '../generate/index.ts';
import { BURST_LISTED_MEMBERS, BURST_LISTED_TARGETS } from '../enrich/index.ts';
import type { Alert } from '../model/index.ts';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { parseConfig } from './config.ts';
import { createHandler } from './lambda.ts';
import { createLiveService } from './live/index.ts';
import { eventBridge } from './live/test-support/live.ts';
import { loadRuleSet } from './rule-set.ts';
import { runScan } from './scan.ts';
import { startService } from '../api/index.ts';
import type { RunningService } from './serve.ts';
import { writeMix } from './triage-evaluation.ts';
import { missing } from '../test-support/requirements.ts';

const DAY = 86_400_000;

/** A small mix with every kind of episode: a seed nobody tuned triage on. */
const MIX: EpisodeMix = generateEpisodeMix({ seed: 52_711, episodes: 18, accounts: 1, historyDays: 5 });
/** Long after the data: every grace window is over, as it is for a scan reaching past the last episode. */
const CLOCK_MS = MIX.endMs + 2 * DAY;
const CONFIG_YAML = `
identities:
  owners:
    it-admin: { email: it-admin@example.com }
serve:
  deliveryLag: 5m
`;
const config = parseConfig(CONFIG_YAML, 'parity.yaml', { env: E2E_ENV });

/** What the pipeline decides about an alert (where it came from, the file or the request, is left out). */
function decided(alert: Alert): unknown {
  return {
    id: alert.id,
    rule: alert.rule.id,
    classification: alert.classification ?? null,
    severity: alert.severity,
    riskScore: alert.riskScore,
    reasons: alert.reasons ?? [],
    related: alert.related ?? [],
    correlation: alert.correlation ?? null,
    vulnerabilityWindowSeconds: alert.vulnerabilityWindowSeconds ?? null,
    incident: alert.incident ?? null,
    target: alert.target,
    investigation: alert.investigation ?? null,
  };
}

function byId(alerts: readonly Alert[]): Map<string, unknown> {
  return new Map(
    [...alerts].sort((a, b) => (a.id < b.id ? -1 : 1)).map((alert) => [alert.id, decided(alert)]),
  );
}

async function scanAlerts(): Promise<Alert[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-parity-'));
  try {
    writeMix(MIX, dir);
    const result = await runScan({ inputs: [dir], workers: 0, triage: config.triage });
    return [...result.alerts];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function storedAlerts(store: Store): Promise<Alert[]> {
  const alerts: Alert[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listAlerts({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    alerts.push(...page.items.map((item) => item.alert));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return alerts;
}

/** Cases as people see them: whose, in what state, classified how, with which alerts. */
async function storedCases(store: Store): Promise<unknown[]> {
  const page = await store.listCases({ limit: 1000 });
  const cases = await Promise.all(page.items.map((kase) => store.getCase(kase.id)));
  return cases
    .flatMap((kase) => (kase === null ? [] : [kase]))
    .map((kase) => ({
      target: kase.targetKey,
      state: kase.state,
      classification: kase.classification,
      severity: kase.severity,
      riskScore: kase.riskScore,
      window: kase.vulnerabilityWindowSeconds,
      alerts: [...kase.alertIds].sort(),
    }))
    .sort((a, b) =>
      a.target < b.target ? -1 : a.target > b.target ? 1 : a.alerts[0]! < b.alerts[0]! ? -1 : 1,
    );
}

function assertSameAlerts(actual: readonly Alert[], expected: readonly Alert[], what: string): void {
  const a = byId(actual);
  const e = byId(expected);
  assert.deepEqual([...a.keys()], [...e.keys()], `${what}: the same alert ids`);
  for (const [id, value] of e) assert.deepEqual(a.get(id), value, `${what}: alert ${id}`);
}

const records = MIX.records as Record<string, unknown>[];

interface Backend {
  readonly name: string;
  open(): Promise<{ url: string; cleanup: () => Promise<void> } | { unavailable: string }>;
}

const BACKENDS: readonly Backend[] = [
  {
    name: 'sqlite',
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'mfaguard-parity-'));
      return Promise.resolve({
        url: `sqlite:${join(dir, 'parity.db')}`,
        cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      });
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await throwawayPostgres();
      return 'unavailable' in db ? db : { url: db.url, cleanup: db.drop };
    },
  },
];

const expected = await scanAlerts();

describe('the scan itself', () => {
  it('triages every kind of episode in the parity mix', () => {
    const classes = new Set(
      expected.flatMap((alert) => (alert.classification === undefined ? [] : [alert.classification])),
    );
    for (const name of ['rotation', 'admin-reset', 'suspicious'] as const)
      assert.ok(classes.has(name), `no ${name} in the mix`);
  });
});

for (const backend of BACKENDS) {
  for (const mode of ['batch', 'one event per request'] as const) {
    const opened = await backend.open();
    if ('unavailable' in opened) {
      it(`serve gives the scan's alerts (${backend.name}, ${mode})`, (t) =>
        void missing(t, 'pg', opened.unavailable));
      continue;
    }
    describe(`serve gives the scan's alerts (${backend.name}, ${mode})`, () => {
      let service: RunningService;
      before(async () => {
        service = await startService({
          storeUrl: opened.url,
          host: '127.0.0.1',
          port: 0,
          env: E2E_ENV,
          config,
          webRoot: null,
          maxBodyBytes: 32 * 1024 * 1024,
          outboxIntervalMs: 3_600_000,
          tickIntervalMs: 3_600_000,
          clock: () => CLOCK_MS,
          log: () => undefined,
        });
      });
      after(async () => {
        await service?.stop();
        await opened.cleanup();
      });

      it("posts the events over HTTP and stores exactly the scan's alerts", async () => {
        const post = async (body: unknown): Promise<void> => {
          const response = await fetch(`${service.url}/ingest/eventbridge`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${E2E_ENV.MFAGUARD_INGEST_TOKEN}`,
            },
            body: JSON.stringify(body),
          });
          assert.equal(response.status, 202, await response.text());
        };
        if (mode === 'batch') await post(records.map(eventBridge));
        else for (const record of records) await post(eventBridge(record));
        assertSameAlerts(await storedAlerts(service.store), expected, `${backend.name}, ${mode}`);
      });
    });
  }
}

describe('cases do not depend on how events were posted', () => {
  it('one request per event gives the cases one batch gives, bursts included', async () => {
    const cases: unknown[][] = [];
    for (const split of ['batch', 'single'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'mfaguard-parity-'));
      const store = await openStore(`sqlite:${join(dir, 'cases.db')}`);
      try {
        const live = createLiveService({
          store,
          rules: loadRuleSet({ builtin: true, paths: [] }),
          config,
          secret: Buffer.from('0123456789abcdef0123456789abcdef-parity'),
          publicUrl: 'https://mfaguard.example.test',
          clock: () => CLOCK_MS,
        });
        const origin = { source: 'eventbridge', location: 'parity' };
        if (split === 'batch') await live.ingestRecords(records, origin);
        else for (const record of records) await live.ingestRecords([record], origin);
        cases.push(await storedCases(store));
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    assert.ok((cases[0]?.length ?? 0) > 0, 'the mix opens cases');
    assert.deepEqual(cases[1], cases[0]);
  });
});

describe('the Lambda handler', () => {
  it("gives the scan's alerts, one EventBridge event per invocation", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-parity-'));
    const store = await openStore(`sqlite:${join(dir, 'lambda.db')}`);
    try {
      const service = createLiveService({
        store,
        rules: loadRuleSet({ builtin: true, paths: [] }),
        config,
        secret: Buffer.from('0123456789abcdef0123456789abcdef-parity'),
        publicUrl: 'https://mfaguard.example.test',
        clock: () => CLOCK_MS,
      });
      const handler = createHandler({
        getRuntime: () =>
          Promise.resolve({
            service,
            store,
            s3: () => {
              throw new Error('no S3 in this test');
            },
            clock: () => CLOCK_MS,
            workerId: 'lambda:parity',
          }),
        log: () => undefined,
      });
      for (const record of records) {
        const result = await handler(eventBridge(record));
        assert.equal('status' in result ? result.status : 'batch', 'ingested');
      }
      assertSameAlerts(await storedAlerts(store), expected, 'lambda');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Familiarity from every event of the caller: the address is known only from the caller's earlier ListBuckets, which
// no rule and no correlation keeps. Scan (second pass), serve and Lambda (stored sightings) must agree.
describe('familiarity is learned from events outside the kept slice', () => {
  const ACCOUNT = '111122223333';
  const REMOVAL_MS = Date.UTC(2024, 4, 10, 14, 0, 0);
  const carol = {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLECAROL0001',
    arn: `arn:aws:iam::${ACCOUNT}:user/carol`,
    accountId: ACCOUNT,
    accessKeyId: 'AKIAEXAMPLECAROL0001',
    userName: 'carol',
  };
  // Keys in CloudTrail's own order, so the scan takes its byte path for both passes.
  const record = (
    id: string,
    timeMs: number,
    source: string,
    name: string,
    address: string,
    params: unknown,
  ) => ({
    eventVersion: '1.08',
    userIdentity: carol,
    eventTime: new Date(timeMs).toISOString().replace('.000Z', 'Z'),
    eventSource: source,
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: address,
    userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64',
    requestParameters: params,
    responseElements: null,
    requestID: `req-${id}`,
    eventID: `00000000-0000-4000-8000-${id.padStart(12, '0')}`,
    readOnly: name === 'ListBuckets',
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
  });
  const history = (address: string): Record<string, unknown>[] =>
    [3, 2, 1].map((days, i) =>
      record(`${10 + i}`, REMOVAL_MS - days * DAY, 's3.amazonaws.com', 'ListBuckets', address, null),
    );
  const removal = record('99', REMOVAL_MS, 'iam.amazonaws.com', 'DeactivateMFADevice', '198.51.100.7', {
    userName: 'carol',
    serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/carol`,
  });

  async function viaScan(all: Record<string, unknown>[]): Promise<Alert[]> {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-familiar-'));
    try {
      // One delivery file per day, as CloudTrail writes them.
      all.forEach((rec, i) =>
        writeFileSync(
          join(dir, `${ACCOUNT}_CloudTrail_us-east-1_${i}.json`),
          JSON.stringify({ Records: [rec] }),
        ),
      );
      return [...(await runScan({ inputs: [dir], workers: 0, triage: config.triage })).alerts];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function viaLive(all: Record<string, unknown>[], lambda: boolean): Promise<Alert[]> {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-familiar-'));
    const store = await openStore(`sqlite:${join(dir, 'familiar.db')}`);
    try {
      const service = createLiveService({
        store,
        rules: loadRuleSet({ builtin: true, paths: [] }),
        config,
        secret: Buffer.from('0123456789abcdef0123456789abcdef-parity'),
        publicUrl: 'https://mfaguard.example.test',
        clock: () => REMOVAL_MS + 2 * DAY,
      });
      if (!lambda) await service.ingestRecords(all, { source: 'eventbridge', location: 'familiar' });
      else {
        const handler = createHandler({
          getRuntime: () =>
            Promise.resolve({
              service,
              store,
              s3: () => {
                throw new Error('no S3 in this test');
              },
              clock: () => REMOVAL_MS + 2 * DAY,
              workerId: 'lambda:familiar',
            }),
          log: () => undefined,
        });
        for (const rec of all) await handler(eventBridge(rec));
      }
      return storedAlerts(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const codes = (alerts: readonly Alert[]): string[] =>
    alerts
      .filter((alert) => alert.event.name === 'DeactivateMFADevice')
      .flatMap((alert) => (alert.reasons ?? []).map((reason) => reason.code));

  for (const [title, address, familiar] of [
    ['the address is familiar from earlier ListBuckets', '198.51.100.7', true],
    ['the address was never seen (ListBuckets came from elsewhere)', '203.0.113.44', false],
  ] as const) {
    it(`${title}: scan, serve and Lambda agree`, async () => {
      // A later event by someone else: the scan's data then reaches past the grace window, as serve's clock does.
      const later = {
        ...record('77', REMOVAL_MS + DAY, 's3.amazonaws.com', 'ListBuckets', '192.0.2.1', null),
        userIdentity: {
          ...carol,
          principalId: 'AIDAEXAMPLEDAVE00001',
          arn: `arn:aws:iam::${ACCOUNT}:user/dave`,
          userName: 'dave',
        },
      };
      const all = [...history(address), removal, later];
      const scanned = await viaScan(all);
      assert.ok(scanned.length > 0);
      const found = codes(scanned);
      assert.ok(!found.includes('no-baseline'), `the caller has history: ${found.join(', ')}`);
      assert.equal(found.includes('new-source-ip'), !familiar, found.join(', '));
      assertSameAlerts(await viaLive(all, false), scanned, 'serve');
      assertSameAlerts(await viaLive(all, true), scanned, 'lambda');
    });
  }
});

// A burst: each removal by one caller changes every earlier removal of its chain (burst members and size are on each
// alert). Re-triage is deferred and coalesced in serve, so the stored result must still be the scan's: posted
// concurrently (re-triage shared between requests), and one event per Lambda invocation.
describe('a burst of 200 removals by one caller', () => {
  const ACCOUNT = '111122223333';
  const START_MS = Date.UTC(2024, 4, 14, 23, 0, 0);
  const mallory = {
    type: 'AssumedRole',
    principalId: 'AROAADMINQQQQQQQQQQQQ:mallory',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/mallory`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAXYZ2MALLORY4CLI',
  };
  const record = (i: number, timeMs: number, name: string, params: unknown, identity: unknown = mallory) => ({
    eventVersion: '1.09',
    userIdentity: identity,
    eventTime: new Date(timeMs).toISOString().replace('.000Z', 'Z'),
    eventSource: 'iam.amazonaws.com',
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.77',
    userAgent: 'aws-cli/2.15.40 Python/3.11.8 Linux/6.5.0-1017-aws exe/x86_64.ubuntu.22',
    requestParameters: params,
    responseElements: null,
    requestID: `req-burst-${i}`,
    eventID: `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`,
    readOnly: name.startsWith('List'),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
  });
  // 6 s apart: 1,194 s in all, so greedy 15-minute bursts cut the chain in two (151 + 49 removals).
  const removals = Array.from({ length: 200 }, (_, i) =>
    record(i, START_MS + i * 6_000, 'DeactivateMFADevice', {
      userName: `user-${String(i).padStart(3, '0')}`,
      serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/user-${String(i).padStart(3, '0')}`,
    }),
  );
  // The caller looked around first (precursors), and a day later someone else's call: the scan's data then reaches
  // past every grace window, as serve's clock does.
  const before = record(1_000, START_MS - 60_000, 'ListMFADevices', { userName: 'user-000' });
  const later = record(1_001, START_MS + DAY, 'ListUsers', null, {
    ...mallory,
    principalId: 'AIDAEXAMPLEDAVE00001',
    arn: `arn:aws:iam::${ACCOUNT}:user/dave`,
    type: 'IAMUser',
    userName: 'dave',
  });
  const all: Record<string, unknown>[] = [before, ...removals, later];
  const clock = () => START_MS + 2 * DAY;

  async function viaScan(): Promise<Alert[]> {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-burst-'));
    try {
      writeFileSync(
        join(dir, `${ACCOUNT}_CloudTrail_us-east-1_burst.json`),
        JSON.stringify({ Records: all }),
      );
      return [...(await runScan({ inputs: [dir], workers: 0, triage: config.triage })).alerts];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function viaLive(mode: 'concurrent' | 'lambda'): Promise<{ alerts: Alert[]; cases: unknown[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-burst-'));
    const store = await openStore(`sqlite:${join(dir, 'burst.db')}`);
    try {
      const service = createLiveService({
        store,
        rules: loadRuleSet({ builtin: true, paths: [] }),
        config,
        secret: Buffer.from('0123456789abcdef0123456789abcdef-parity'),
        publicUrl: 'https://mfaguard.example.test',
        clock,
      });
      if (mode === 'concurrent') {
        // Waves of 25 requests in flight at once, in a shuffled order: arrival order must not matter.
        const shuffled = [...all].sort((a, b) =>
          String(a['eventID']).slice(-3) < String(b['eventID']).slice(-3) ? -1 : 1,
        );
        for (let from = 0; from < shuffled.length; from += 25) {
          await Promise.all(
            shuffled
              .slice(from, from + 25)
              .map((rec) => service.ingestRecords([rec], { source: 'eventbridge', location: 'burst' })),
          );
        }
      } else {
        const handler = createHandler({
          getRuntime: () =>
            Promise.resolve({
              service,
              store,
              s3: () => {
                throw new Error('no S3 in this test');
              },
              clock,
              workerId: 'lambda:burst',
            }),
          log: () => undefined,
        });
        for (const rec of all) await handler(eventBridge(rec));
      }
      return { alerts: await storedAlerts(store), cases: await storedCases(store) };
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('scan, serve (concurrent single-event requests) and Lambda give the same alerts and cases', async () => {
    const scanned = await viaScan();
    const bursts = scanned.filter(
      (alert) => alert.correlation?.kind === 'burst' && alert.incident?.role === 'removal',
    );
    assert.equal(bursts.length, 200, 'every removal is in a burst');
    // Members name their burst's alert and the burst as it stood at them; the bursts' own alerts hold the totals.
    const sizes = new Map<string, number>();
    for (const alert of bursts) {
      const id = alert.correlation?.burstAlertId ?? '?';
      sizes.set(id, Math.max(sizes.get(id) ?? 0, alert.correlation?.count ?? 0));
    }
    assert.deepEqual([...sizes.values()].sort(), [151, 49].sort(), 'the chain is cut into two bursts');
    const summaries = scanned.filter((alert) => alert.rule.id === 'mfaguard-mfa-removal-burst');
    assert.deepEqual(
      summaries.map((alert) => [alert.id, alert.correlation?.count]).sort(),
      [...sizes.entries()].sort(),
    );
    // The bursts' alerts list their first targets and members only (bounded: serve rewrites them at each flush).
    assert.deepEqual(
      summaries.map((alert) => [alert.correlation?.targets?.length, alert.related?.length]).sort(),
      [
        [Math.min(151, BURST_LISTED_TARGETS), BURST_LISTED_MEMBERS],
        [Math.min(49, BURST_LISTED_TARGETS), BURST_LISTED_MEMBERS],
      ].sort(),
    );
    const served = await viaLive('concurrent');
    assertSameAlerts(served.alerts, scanned, 'serve, concurrent');
    const lambda = await viaLive('lambda');
    assertSameAlerts(lambda.alerts, scanned, 'lambda');
    assert.equal(served.cases.length, 200, 'one case per user');
    assert.deepEqual(lambda.cases, served.cases);
  });
});
