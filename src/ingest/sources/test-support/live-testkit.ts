// Test support for the live sources: a fake clock with sleepers, and an SQLite store in memory.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Clock, Sleep } from '../live-source.ts';

export interface FakeTime {
  readonly clock: Clock;
  /** Resolves when the test advances the clock past the wake-up time (or the signal aborts). */
  readonly sleep: Sleep;
  /** Moves the clock forward at once: for code that should not wait in a test (rate limits, backoff). */
  readonly instantSleep: Sleep;
  /** Every duration passed to either sleep, in order. */
  readonly sleeps: number[];
  /** Moves time forward, waking each sleeper in time order and letting it run before the next. */
  advance(ms: number): Promise<void>;
  /** Sleepers waiting now. */
  pending(): number;
  set(ms: number): void;
}

/** Lets every promise continuation and I/O callback queued so far run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function createFakeTime(startMs: number): FakeTime {
  let now = startMs;
  const sleepers: { at: number; wake: () => void }[] = [];
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleeps,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        sleeps.push(ms);
        if (signal?.aborted === true) {
          resolve();
          return;
        }
        const entry = {
          at: now + ms,
          wake: () => {
            const i = sleepers.indexOf(entry);
            if (i !== -1) sleepers.splice(i, 1);
            resolve();
          },
        };
        sleepers.push(entry);
        signal?.addEventListener('abort', entry.wake, { once: true });
      }),
    instantSleep: (ms) => {
      sleeps.push(ms);
      now += Math.max(0, ms);
      return Promise.resolve();
    },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        await settle();
        const due = sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        now = Math.max(now, due.at);
        due.wake();
      }
      now = target;
      await settle();
    },
    pending: () => sleepers.length,
    set(ms) {
      now = ms;
    },
  };
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface LocalS3 {
  readonly client: S3Client;
  /** `http://127.0.0.1:PORT`, for processes that reach it (AWS_ENDPOINT_URL_S3). */
  readonly endpoint: string;
  put(bucket: string, key: string, body: string | Uint8Array): Promise<string>;
  close(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

/** s3rver on loopback in a temporary folder; `put` returns the object's ETag without quotes. */
export async function startLocalS3(buckets: readonly string[]): Promise<LocalS3> {
  // s3rver is CommonJS without type declarations.
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-live-s3-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    client,
    endpoint: `http://127.0.0.1:${port}`,
    async put(bucket, key, body) {
      const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return (out.ETag ?? '').replace(/^"|"$/g, '');
    },
    async close() {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
