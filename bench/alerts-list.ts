// First-page latency of the alerts list (the dashboard's Alerts page) over many alerts on SQLite.
//
//   node --import tsx bench/alerts-list.ts [--alerts 50000] [--runs 7]
//
// Not a test: it prints figures. It fills a fresh SQLite file with `--alerts` alerts spread over 30 days, 40 accounts,
// 6 regions, 500 actors, 2,000 targets and 1,000 source addresses, a third of them in cases, then times the first
// page (50 rows, as the page asks) of the unfiltered list, of each filter, of each sort, and of a second page, and
// prints the median and the slowest of `--runs` runs with the load average.

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Alert, Severity } from '../src/model/index.ts';
import { SEVERITIES } from '../src/model/index.ts';
import type { AlertQuery } from '../src/store/index.ts';
import { openStore, targetKeyOf } from '../src/store/index.ts';

const { values: args } = parseArgs({
  options: { alerts: { type: 'string', default: '50000' }, runs: { type: 'string', default: '7' } },
});
const COUNT = Number(args.alerts);
const RUNS = Number(args.runs);
const T0 = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-south-1', 'sa-east-1'];

function alertAt(i: number): { alert: Alert; detectedAt: number } {
  const account = String(100000000000 + (i % 40));
  const actor = `actor-${i % 500}`;
  const target = `user-${(i * 7) % 2000}`;
  const severity: Severity = SEVERITIES[i % SEVERITIES.length] ?? 'high';
  const eventMs = T0 + Math.floor((i / COUNT) * 30 * DAY);
  const removal = `evt-${i - (i % 3)}`;
  return {
    detectedAt: eventMs + 20_000 + (i % 7) * 1000,
    alert: {
      id: `alert-${i}`,
      rule: {
        id: `rule-${i % 12}`,
        name: 'MFA device deactivated',
        format: 'builtin',
        severity,
        riskScore: 50,
        mitre: [],
      },
      severity,
      riskScore: 50,
      title: `${actor} removed the MFA device of ${target}`,
      event: {
        id: `evt-${i}`,
        name: i % 3 === 0 ? 'DeactivateMFADevice' : 'DeleteVirtualMFADevice',
        source: 'iam.amazonaws.com',
        time: new Date(eventMs).toISOString(),
        outcome: 'success',
        errorCode: null,
        account,
        region: REGIONS[i % REGIONS.length] ?? null,
        location: 'bench',
        index: i,
      },
      actor: {
        arn: `arn:aws:iam::${account}:user/${actor}`,
        type: 'IAMUser',
        userName: actor,
        accessKeyId: null,
        accessKeyKind: null,
        sourceIp: `198.51.${(i >> 8) % 4}.${i % 250}`,
        userAgent: 'aws-cli/2',
        mfaAuthenticated: i % 2 === 0,
        consoleSession: false,
      },
      target: { userName: target, serialNumber: null },
      classification: i % 5 === 0 ? 'suspicious' : 'rotation',
      incident: { removalEventId: removal, role: removal === `evt-${i}` ? 'removal' : 'member' },
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-bench-alerts-'));
  const store = await openStore(`sqlite:${join(dir, 'bench.db')}`);
  try {
    const fillStart = performance.now();
    for (let start = 0; start < COUNT; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, COUNT - start) }, (_, k) => alertAt(start + k));
      await store.insertAlerts(
        batch.map((b) => b.alert),
        batch[batch.length - 1]?.detectedAt ?? T0,
      );
    }
    // A third of the targets have a case (one per target), so the case-state filter has something to join.
    for (let i = 0; i < Math.min(COUNT, 6000); i += 3) {
      const { alert } = alertAt(i);
      await store.openOrAttachCase({
        alert,
        targetKey: targetKeyOf(alert.event.account, alert.target.userName ?? ''),
        nowMs: T0 + 31 * DAY,
        actor: 'bench',
      });
    }
    console.log(`${COUNT} alerts stored in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`);

    const second = (await store.listAlerts({ limit: 50 })).nextCursor ?? undefined;
    const queries: [string, Omit<AlertQuery, 'limit'>][] = [
      ['newest detected (default)', {}],
      ['second page', second === undefined ? {} : { cursor: second }],
      ['sort eventTime asc', { sort: 'eventTime', order: 'asc' }],
      ['sort severity', { sort: 'severity' }],
      ['account', { account: '100000000007' }],
      ['region', { region: 'eu-west-1' }],
      ['actor (user name)', { actor: 'ACTOR-42' }],
      ['target', { targetUser: 'user-77' }],
      ['source IP', { sourceIp: '198.51.1.17' }],
      ['rule', { ruleId: 'rule-3' }],
      ['severity', { severity: 'critical' }],
      ['classification', { classification: 'suspicious' }],
      ['case state open', { caseState: 'open' }],
      ['incident', { incident: 'evt-300' }],
      ['event time, one day', { eventFrom: T0 + 10 * DAY, eventTo: T0 + 11 * DAY }],
      [
        'account + severity + sort eventTime',
        { account: '100000000003', severity: 'high', sort: 'eventTime' },
      ],
    ];
    console.log(
      `first page of 50, ${RUNS} runs each; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const [name, query] of queries) {
      const times: number[] = [];
      let rows = 0;
      for (let run = 0; run < RUNS; run++) {
        const start = performance.now();
        rows = (await store.listAlerts({ ...query, limit: 50 })).items.length;
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)] ?? 0;
      const worst = times[times.length - 1] ?? 0;
      console.log(
        `${name.padEnd(38)} ${String(rows).padStart(3)} rows  median ${median.toFixed(1).padStart(6)} ms  max ${worst.toFixed(1).padStart(6)} ms`,
      );
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
