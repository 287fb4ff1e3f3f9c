// A burst's own alert costs each flush a bounded write: the bytes of alerts written per removal, and the notifications
// queued, do not grow with the burst (the alert was rewritten whole at each flush: ~100 KB at 500 members, in SQLite's
// single writer, which every unrelated request waits for). MFAGUARD_BURST_MEASURE=500 prints the counts per removal.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BURST_RULE } from '../../detect/index.ts';
import type { Alert } from '../../model/index.ts';
import type { Store } from '../../store/index.ts';
import type { TempStore } from './test-support/live.ts';
import { ORIGIN, burstRemoval, fakeClock, makeService, tempSqlite } from './test-support/live.ts';

const MEASURE = Number(process.env['MFAGUARD_BURST_MEASURE'] ?? 0);
const REMOVALS = MEASURE > 0 ? MEASURE : 160;

describe("a burst's own alert", () => {
  let temp: TempStore;
  let store: Store;
  const counts = { alertBytes: 0, burstBytes: 0, notifications: 0, writerMs: 0 };
  before(async () => {
    temp = tempSqlite();
    const real = await temp.open();
    const written = (alerts: readonly Alert[]): void => {
      for (const alert of alerts) {
        const bytes = Buffer.byteLength(JSON.stringify(alert));
        counts.alertBytes += bytes;
        if (alert.rule.id === BURST_RULE.meta.id) counts.burstBytes += bytes;
      }
    };
    const counting = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(inner, name, receiver) {
          const value: unknown = Reflect.get(inner, name, receiver);
          if (typeof value !== 'function') return value;
          const bound = (value as (...a: unknown[]) => unknown).bind(inner);
          if (name === 'updateAlert')
            return (alert: Alert, ...rest: unknown[]) => {
              written([alert]);
              return bound(alert, ...rest);
            };
          if (name === 'insertAlerts')
            return (alerts: Alert[], ...rest: unknown[]) => {
              written(alerts);
              return bound(alerts, ...rest);
            };
          if (name === 'enqueueNotification')
            return (...a: unknown[]) => {
              counts.notifications++;
              return bound(...a);
            };
          if (name === 'transaction')
            return async (fn: Parameters<Store['transaction']>[0], ...rest: unknown[]) => {
              const started = performance.now();
              try {
                return await (real.transaction as (...a: unknown[]) => Promise<unknown>)(
                  (tx: Parameters<typeof fn>[0]) => fn(counting(tx)),
                  ...rest,
                );
              } finally {
                counts.writerMs += performance.now() - started;
              }
            };
          return bound;
        },
      });
    store = counting(real);
  });
  after(async () => {
    await store.close();
    temp.cleanup();
  });

  it('is written with a bounded number of bytes per removal, however long the burst', async () => {
    const service = makeService(store, fakeClock('2026-11-20T12:00:00Z'));
    const removal = (i: number) => burstRemoval(i, { stepMs: 1_000, idPrefix: 'burst-' });
    const per: { alertBytes: number; burstBytes: number; notifications: number; writerMs: number }[] = [];
    for (let i = 0; i < REMOVALS; i++) {
      const before = { ...counts };
      const outcome = await service.ingestRecords([removal(i)], ORIGIN);
      assert.equal(outcome.stored, 1);
      per.push({
        alertBytes: counts.alertBytes - before.alertBytes,
        burstBytes: counts.burstBytes - before.burstBytes,
        notifications: counts.notifications - before.notifications,
        writerMs: counts.writerMs - before.writerMs,
      });
    }
    if (MEASURE > 0)
      for (const n of [10, 100, 200, 500].filter((n) => n <= REMOVALS)) {
        const at = per[n - 1]!;
        const span = per.slice(Math.max(0, n - 10), n);
        const avgMs = span.reduce((sum, p) => sum + p.writerMs, 0) / span.length;
        console.log(
          `#${n}: alert bytes ${at.alertBytes} (burst alert ${at.burstBytes}), notifications ${at.notifications}, ` +
            `writer held ${at.writerMs.toFixed(1)} ms (mean of the last 10: ${avgMs.toFixed(1)} ms)`,
        );
      }
    const peak = (from: number, to: number, key: 'alertBytes' | 'notifications') =>
      Math.max(...per.slice(from, to).map((p) => p[key]));
    // Once the burst's alert lists what it keeps, a member more changes its count and span, not its size.
    const early = peak(110, 120, 'alertBytes');
    const late = peak(REMOVALS - 10, REMOVALS, 'alertBytes');
    assert.ok(
      late <= early,
      `alert bytes written per removal grew from ${early} to ${late}: ${per.map((p) => p.alertBytes).join(' ')}`,
    );
    // An update to an existing burst notifies nobody again (its case was announced when it opened).
    const notified = peak(10, REMOVALS, 'notifications');
    assert.ok(
      notified <= peak(1, 10, 'notifications') + 1,
      `notifications per removal: ${per.map((p) => p.notifications).join(' ')}`,
    );

    const burst = (await store.listAlerts({ limit: 10, ruleId: BURST_RULE.meta.id })).items[0]!.alert;
    assert.equal(burst.correlation?.count, REMOVALS, "the burst's alert counts every user");
    assert.equal(burst.correlation?.windowSeconds, REMOVALS - 1);
  });
});
