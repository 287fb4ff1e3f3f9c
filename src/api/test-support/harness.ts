// Test harness: the real HTTP server on loopback over a real SQLite store, with a fake live service that records calls.

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  IngestOutcome,
  LiveService,
  RecordOrigin,
  VerificationLinkState,
  VerificationResponse,
} from '../../app/live/contract.ts';
import type { Alert } from '../../model/index.ts';
import type { ApiRole, Store } from '../../store/index.ts';
import { openStore, targetKeyOf } from '../../store/index.ts';
import { hashApiToken } from '../auth.ts';
import type { ApiOptions } from '../context.ts';
import { Metrics } from '../metrics.ts';
import { createApiServer } from '../server.ts';
import { answerInToken } from '../verify.ts';

export const NOW = Date.parse('2026-11-23T12:00:00Z');
export const INGEST_TOKEN = 'ingest-secret-for-tests';

export interface FakeLive extends LiveService {
  readonly ingested: { records: readonly unknown[]; origin: RecordOrigin }[];
  readonly answers: { token: string; answer: 'confirmed' | 'denied' | undefined }[];
  /** What answerVerification answers next. */
  verification: VerificationResponse;
  /** Tokens inspected (a GET of a link). */
  readonly inspected: string[];
  /** What inspectVerification answers next; null: an open case, for the answer the token carries. */
  link: VerificationLinkState | null;
  /** When set, ingestRecords throws it. */
  failure: Error | null;
}

export function fakeLive(): FakeLive {
  const fake: FakeLive = {
    ingested: [],
    answers: [],
    verification: { ok: true, caseId: 'case-1', answer: 'denied', classification: 'unauthorized' },
    failure: null,
    inspected: [],
    link: null,
    ingestRecords(records, origin): Promise<IngestOutcome> {
      if (fake.failure !== null) return Promise.reject(fake.failure);
      fake.ingested.push({ records, origin });
      return Promise.resolve({
        received: records.length,
        stored: records.length,
        duplicates: 0,
        ignored: 0,
        rejected: [],
        alerts: [],
        caseIds: [],
      });
    },
    ingestBytes() {
      return Promise.reject(new Error('not used'));
    },
    answerVerification(token, answer) {
      fake.answers.push({ token, answer });
      return Promise.resolve(fake.verification);
    },
    inspectVerification(token) {
      fake.inspected.push(token);
      const answer = answerInToken(token);
      if (fake.link !== null) return Promise.resolve(fake.link);
      return Promise.resolve(
        answer === null
          ? { ok: false, reason: 'forged' }
          : { ok: true, caseId: 'case-1', answer, closed: null },
      );
    },
    tick: () => Promise.resolve(),
  };
  return fake;
}

export interface Harness {
  readonly base: string;
  readonly store: Store;
  readonly live: FakeLive;
  readonly metrics: Metrics;
  readonly tokens: Readonly<Record<ApiRole, string>>;
  close(): Promise<void>;
}

/** The options every harness server starts from (a test building its own fastify app uses them too). */
export function harnessOptions(store: Store, live: LiveService, metrics: Metrics): ApiOptions {
  return {
    store,
    live,
    metrics,
    version: '0.0.0-test',
    ingestToken: INGEST_TOKEN,
    ingestHeader: 'authorization',
    maxBodyBytes: 64 * 1024,
    metricsPublic: false,
    webRoot: null,
    now: () => NOW,
    log: () => undefined,
  };
}

/**
 * `overrides` may depend on the harness's store (e.g. a real live service over it: `h.live` is then unused).
 */
export async function startHarness(
  overrides: Partial<ApiOptions> | ((store: Store) => Partial<ApiOptions>) = {},
  /** The store to use (an empty one, e.g. a throw-away PostgreSQL database); default a new SQLite file. */
  storeUrl?: string,
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-api-'));
  const store = await openStore(storeUrl ?? `sqlite:${join(dir, 'test.db')}`);
  const tokens = { viewer: 'tok-viewer', responder: 'tok-responder', admin: 'tok-admin' } as const;
  for (const [role, token] of Object.entries(tokens) as [ApiRole, string][]) {
    await store.createApiToken({
      name: `${role}-token`,
      role,
      tokenHash: hashApiToken(token),
      createdBy: 'test',
      nowMs: NOW,
    });
  }
  const live = fakeLive();
  const metrics = new Metrics();
  const server = createApiServer({
    ...harnessOptions(store, live, metrics),
    ...(typeof overrides === 'function' ? overrides(store) : overrides),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    store,
    live,
    metrics,
    tokens,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A DeactivateMFADevice alert in the `scan` schema, for seeding the store. */
export function sampleAlert(
  overrides: { id?: string; user?: string; severity?: Alert['severity']; time?: string } = {},
): Alert {
  const user = overrides.user ?? 'bob';
  return {
    id: overrides.id ?? `alert-${user}`,
    rule: {
      id: 'mfaguard-iam-mfa-device-deactivated',
      name: 'IAM MFA device deactivated',
      format: 'builtin',
      severity: 'high',
      riskScore: 73,
      mitre: [],
    },
    severity: overrides.severity ?? 'high',
    riskScore: 73,
    title: `MFA device deactivated for ${user}`,
    event: {
      id: `event-${user}`,
      name: 'DeactivateMFADevice',
      source: 'iam.amazonaws.com',
      time: overrides.time ?? '2026-11-23T11:00:00Z',
      outcome: 'success',
      errorCode: null,
      account: '111122223333',
      region: 'us-east-1',
      location: 'eventbridge',
      index: 0,
    },
    actor: {
      arn: `arn:aws:iam::111122223333:user/${user}`,
      type: 'IAMUser',
      userName: user,
      accessKeyId: null,
      accessKeyKind: null,
      sourceIp: '203.0.113.7',
      userAgent: 'console.amazonaws.com',
      mfaAuthenticated: true,
      consoleSession: true,
    },
    target: { userName: user, serialNumber: `arn:aws:iam::111122223333:mfa/${user}` },
    classification: 'suspicious',
  };
}

/** Stores an alert and opens its case, as the live service would. */
export async function seedCase(store: Store, alert: Alert): Promise<string> {
  await store.insertAlerts([alert], NOW);
  const result = await store.openOrAttachCase({
    alert,
    targetKey: targetKeyOf(alert.event.account, alert.target.userName ?? ''),
    nowMs: NOW,
    actor: 'system',
  });
  return result.case.id;
}

export function auth(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;
