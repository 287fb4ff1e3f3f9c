// End-to-end helpers: a loopback receiver standing in for the owner's and the team's notifier, events built
// from the rule fixtures, and throw-away PostgreSQL databases.

import { randomUUID } from 'node:crypto';
import { createThrowawayDatabase, postgresProblem } from '../../store/test-support/postgres.ts';
import type { ThrowawayDatabase } from '../../store/test-support/postgres.ts';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Waits until `predicate` holds over what arrived (polling), or fails naming what did arrive. */
  waitFor(
    predicate: (received: readonly Received[]) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<void>;
  /** Delays each answer by this long (to catch the service mid-delivery). */
  delayMs: number;
  /** Called when a request arrives, before it is answered. */
  onRequest: (() => void) | null;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    delayMs: 0,
    onRequest: null,
    async waitFor(predicate, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) {
          const kinds = received.map((r) => String(r.headers['x-mfaguard-event'] ?? r.path)).join(', ');
          throw new Error(`timed out waiting for ${what}; received: [${kinds}]`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown = Buffer.concat(chunks).toString('utf8');
      try {
        body = JSON.parse(body as string);
      } catch {
        // kept as text
      }
      receiver.onRequest?.();
      setTimeout(() => {
        received.push({ path: req.url ?? '/', headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }, receiver.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** The notification inside a webhook delivery (see notify's payload: `{version, notification}`). */
export function notificationOf(received: Received): {
  kind: string;
  caseId: string | null;
  dedupeKey: string;
  recipient?: string;
  classification: string | null;
  links?: { case?: string; confirm?: string; deny?: string };
} {
  return (received.body as { notification: ReturnType<typeof notificationOf> }).notification;
}

export const FIXTURE_REMOVAL = new URL(
  '../../../rules/fixtures/iam-mfa-device-deactivated/must-fire/assumed-role-cli-other-user.json',
  import.meta.url,
);

/**
 * A DeactivateMFADevice record from the rule fixtures, moved to `eventTime` with a fresh eventID, wrapped as
 * EventBridge delivers it ("AWS API Call via CloudTrail").
 */
export function removalEvent(eventTimeMs: number, eventId: string = randomUUID()): Record<string, unknown> {
  const record = JSON.parse(readFileSync(FIXTURE_REMOVAL, 'utf8')) as Record<string, unknown>;
  const time = new Date(eventTimeMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const detail = { ...record, eventID: eventId, eventTime: time };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account: String(record['recipientAccountId']),
    time,
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

/** The owner of the fixture's target (bob) and a webhook notifier that receives every notification with its links. */
export function e2eConfigYaml(receiverUrl: string): string {
  return `
identities:
  owners:
    bob:
      email: bob@example.com
serve:
  verificationTtl: 1h
notify:
  notifiers:
    - id: hook
      kind: webhook
      url: ${receiverUrl}/hook
      secretEnv: E2E_WEBHOOK_SECRET
      verificationLinks: true
  routes:
    - name: everything
      notify: [hook]
`;
}

export const E2E_ENV = {
  MFAGUARD_INGEST_TOKEN: 'e2e-ingest-token-0123456789',
  MFAGUARD_ADMIN_TOKEN: 'e2e-admin-token-0123456789',
  E2E_WEBHOOK_SECRET: 'e2e-webhook-secret-0123456789',
} as const;

/** A database of its own for one test run, or the reason PostgreSQL cannot be used here. */
export async function throwawayPostgres(): Promise<ThrowawayDatabase | { unavailable: string }> {
  const problem = await postgresProblem();
  return problem === null ? createThrowawayDatabase('mfaguard_e2e') : { unavailable: problem };
}
