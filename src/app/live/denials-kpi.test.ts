// MFA-related denials from ingestion to the KPI: records in, figures out, on SQLite and PostgreSQL.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import { createThrowawayDatabase, postgresProblem } from '../../store/test-support/postgres.ts';
import type { ThrowawayDatabase } from '../../store/test-support/postgres.ts';
import { missing } from '../../test-support/requirements.ts';
import { loadKpiTrends } from '../kpi-trends.ts';
import {
  ACCOUNT,
  ORIGIN,
  TEST_CONFIG_YAML,
  eventBridge,
  fakeClock,
  makeService,
  rawRecord,
  tempSqlite,
  testConfig,
} from './test-support/live.ts';

const EXPLICIT = (policy: string) =>
  `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: ec2:RunInstances with an explicit deny in an identity-based policy: arn:aws:iam::${ACCOUNT}:policy/${policy}`;

/** An EC2 call as CloudTrail writes it: outside the MFA-relevant slice the events table keeps. */
function ec2(
  id: string,
  at: string,
  fields: Record<string, unknown>,
  mfa?: boolean,
): Record<string, unknown> {
  return {
    ...rawRecord({ name: 'RunInstances', at, id, ...(mfa === undefined ? {} : { mfa }) }),
    eventSource: 'ec2.amazonaws.com',
    ...fields,
  };
}

function records(): Record<string, unknown>[] {
  const denied = { errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized' };
  const roleSession = {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:build',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/build`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLEKEY00002',
    sessionContext: { attributes: { creationDate: '2026-11-03T09:00:00Z', mfaAuthenticated: 'false' } },
  };
  return [
    // 1: an IAM user's long-term key (no session context: no MFA) is denied -> no-mfa-session.
    ec2('d-1', '2026-11-03T10:00:00Z', denied),
    // 2: an MFA session denied explicitly by a configured MFA policy whose name does not say MFA -> mfa-policy.
    ec2(
      'd-2',
      '2026-11-03T11:00:00Z',
      { errorCode: 'AccessDenied', errorMessage: EXPLICIT('RequireSecondFactor') },
      true,
    ),
    // 3: the same explicit deny by another policy, from an MFA session -> not MFA-related.
    ec2(
      'd-3',
      '2026-11-03T11:05:00Z',
      { errorCode: 'AccessDenied', errorMessage: EXPLICIT('DenyRegions') },
      true,
    ),
    // 4: a role session saying mfaAuthenticated false -> not counted on the flag alone.
    ec2('d-4', '2026-11-03T12:00:00Z', { ...denied, userIdentity: roleSession }),
    // 5: a success -> nothing.
    ec2('d-5', '2026-11-03T12:30:00Z', {}),
    // 6: a kept event (an MFA removal) denied to a user without MFA -> stored and recorded, counted once.
    {
      ...rawRecord({
        name: 'DeactivateMFADevice',
        at: '2026-11-04T08:00:00Z',
        id: 'd-6',
        target: 'carol',
        mfa: false,
      }),
      errorCode: 'AccessDenied',
      errorMessage: 'not authorized',
    },
    // 7: next month.
    ec2('d-7', '2026-12-01T00:00:01Z', denied, false),
  ];
}

async function ingestAndCount(store: Store): Promise<void> {
  // Ingested while the configuration names no MFA policy: the kinds are decided when the KPIs are read.
  const live = makeService(store, fakeClock('2026-12-02T00:00:00Z'), {
    config: testConfig(TEST_CONFIG_YAML),
  });
  const input = records();
  await live.ingestRecords(input.map(eventBridge), ORIGIN);
  // Redelivery of the same records (EventBridge retries, an SQS message seen twice) counts nothing twice.
  await live.ingestRecords(input, ORIGIN);

  const window = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2027, 0, 1), bucket: 'month' as const };
  const before = await loadKpiTrends(store, window);
  assert.deepEqual(
    before.totals.denials,
    { noMfaSession: 3, mfaPolicy: 0, total: 3 },
    'RequireSecondFactor is no MFA policy yet: its deny of an MFA session does not count',
  );
  // The configuration now names it: the stored denial counts, though it was recorded before.
  const trends = await loadKpiTrends(store, window, { mfaPolicies: ['RequireSecondFactor'] });
  assert.deepEqual(
    trends.points.map((point) => [point.label, point.denials]),
    [
      ['2026-11', { noMfaSession: 2, mfaPolicy: 1, total: 3 }],
      ['2026-12', { noMfaSession: 1, mfaPolicy: 0, total: 1 }],
    ],
  );
  assert.deepEqual(trends.totals.denials, { noMfaSession: 3, mfaPolicy: 1, total: 4 });
  assert.equal(trends.denialsTruncated, false);
  // And a policy configured by ARN turns the deny of d-3 into an MFA denial too.
  const both = await loadKpiTrends(store, window, {
    mfaPolicies: ['RequireSecondFactor', `arn:aws:iam::${ACCOUNT}:policy/DenyRegions`],
  });
  assert.deepEqual(both.totals.denials, { noMfaSession: 3, mfaPolicy: 2, total: 5 });
  // The EC2 denials were counted without being stored as events: the events table keeps the MFA-relevant slice.
  const stored = await store.findEvents({ fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2027, 0, 1) });
  assert.deepEqual(
    stored.map((event) => event.id),
    ['d-6'],
  );
}

describe('MFA-related denials per month, from ingestion', () => {
  it('on SQLite', async () => {
    const temp = tempSqlite();
    const store = await temp.open();
    try {
      await ingestAndCount(store);
    } finally {
      await store.close();
      temp.cleanup();
    }
  });

  describe('on PostgreSQL', () => {
    let database: ThrowawayDatabase | null = null;
    let problem: string | null = null;
    before(async () => {
      problem = await postgresProblem();
      if (problem === null) database = await createThrowawayDatabase('mfaguard_denials');
    });
    after(async () => {
      await database?.drop();
    });
    it('the same figures', async (t) => {
      if (database === null) {
        missing(t, 'pg', problem ?? 'no database');
        return;
      }
      const store = await openStore(database.url, { schema: 'denials', poolSize: 2 });
      try {
        await ingestAndCount(store);
      } finally {
        await store.close();
      }
    });
  });
});
