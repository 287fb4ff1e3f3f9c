// Tests of the familiarity baseline's flat form: what crosses from a worker merges exactly as the maps it came from.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  actorKey,
  Baseline,
  BaselineBuilder,
  baselineFromSightings,
  baselineSightings,
  clientFamily,
  userAgentFamily,
} from './baseline.ts';
import { makeEvent } from './test-support/events.ts';
import { assertProperty } from '../test-support/property.ts';

const ACTORS = ['alice', 'bob', 'root', 'carol'];
const IPS = ['198.51.100.7', '203.0.113.9', '192.0.2.1'];
const AGENTS = ['aws-cli/2.15 Python/3.11', 'Boto3/1.34', 'AWS Internal', 'console.amazonaws.com'];
const BASE_MS = Date.parse('2024-03-01T00:00:00Z');

const sighting = fc.record({
  actor: fc.constantFrom(...ACTORS),
  ip: fc.constantFrom(...IPS),
  agent: fc.constantFrom(...AGENTS),
  offsetMs: fc.integer({ min: 0, max: 10 * 86_400_000 }),
});

function chunkBuilder(sightings: readonly { actor: string; ip: string; agent: string; offsetMs: number }[]) {
  const builder = new BaselineBuilder();
  for (const s of sightings) {
    const at = new Date(BASE_MS + s.offsetMs).toISOString();
    builder.observe(makeEvent({ name: 'ListUsers', at, actor: s.actor, ip: s.ip, userAgent: s.agent }));
  }
  return builder;
}

describe('baseline transfer', () => {
  it('merges chunks through encode/structuredClone/mergeTransfer as merge does, order and values alike', () => {
    assertProperty(
      fc.property(fc.array(fc.array(sighting, { maxLength: 25 }), { maxLength: 5 }), (chunks) => {
        const direct = new BaselineBuilder();
        const transferred = new BaselineBuilder();
        for (const chunk of chunks) {
          const builder = chunkBuilder(chunk);
          direct.merge(builder.data);
          transferred.mergeTransfer(structuredClone(builder.encode()));
        }
        assert.deepEqual(transferred.data, direct.data);
        // Map order too: the same keys, values and days, inserted in the same order.
        const order = (data: BaselineBuilder['data']) =>
          [...data].map(([key, values]) => [key, [...values].map(([value, days]) => [value, [...days]])]);
        assert.deepEqual(order(transferred.data), order(direct.data));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the earliest sighting of a day when a later chunk brings an earlier one', () => {
    const late = chunkBuilder([{ actor: 'alice', ip: IPS[0]!, agent: AGENTS[0]!, offsetMs: 50_000 }]);
    const early = chunkBuilder([{ actor: 'alice', ip: IPS[0]!, agent: AGENTS[0]!, offsetMs: 1_000 }]);
    const merged = new BaselineBuilder();
    merged.mergeTransfer(late.encode());
    merged.mergeTransfer(early.encode());
    const [alice] = [...merged.data.keys()];
    assert.equal(
      merged.data
        .get(alice!)
        ?.get(`ip:${IPS[0]}`)
        ?.get(Math.floor(BASE_MS / 86_400_000)),
      BASE_MS + 1_000,
    );
    assert.equal(merged.data.size, 1);
  });

  it('names each value once in the table, however many callers used it', () => {
    const both = chunkBuilder([
      { actor: 'alice', ip: IPS[0]!, agent: AGENTS[0]!, offsetMs: 0 },
      { actor: 'bob', ip: IPS[0]!, agent: AGENTS[0]!, offsetMs: 0 },
    ]);
    const encoded = both.encode();
    assert.equal(encoded.actors.length, 2);
    assert.deepEqual([...encoded.values].sort(), ['any', `ip:${IPS[0]}`, 'ua:aws-cli'].sort());
  });

  it('encodes an empty baseline as empty tables', () => {
    const encoded = new BaselineBuilder().encode();
    assert.deepEqual([encoded.actors, encoded.values, [...encoded.numbers]], [[], [], []]);
  });
});

describe('baseline sightings (what the live store keeps)', () => {
  it('give the same baseline as observing the events, split into batches any way, and count each sighting', () => {
    assertProperty(
      fc.property(fc.array(sighting, { maxLength: 40 }), fc.nat({ max: 40 }), (sightings, cut) => {
        const events = sightings.map((s) =>
          makeEvent({
            name: 'ListUsers',
            at: new Date(BASE_MS + s.offsetMs).toISOString(),
            actor: s.actor,
            ip: s.ip,
            userAgent: s.agent,
          }),
        );
        const rows = [...baselineSightings(events.slice(0, cut)), ...baselineSightings(events.slice(cut))];
        assert.deepEqual(baselineFromSightings(rows), new Baseline(chunkBuilder(sightings).data));
        const anyCount = rows.filter((row) => row.value === 'any').reduce((sum, row) => sum + row.count, 0);
        assert.equal(anyCount, events.length);
        for (const row of rows) assert.ok(row.firstMs <= row.lastMs);
      }),
    );
  });
});

describe('what counts as the same caller and the same client', () => {
  const call = (spec: Partial<Parameters<typeof makeEvent>[0]> = {}) =>
    makeEvent({ name: 'ListUsers', at: '2024-03-01T10:00:00Z', ...spec });

  it('a caller is its ARN, else its principal id, else account and user name, else nobody', () => {
    const event = call({ actor: 'alice' });
    assert.equal(actorKey(event), 'arn:aws:iam::111122223333:user/alice');
    const noArn = { ...event, actor: { ...event.actor, arn: null } };
    assert.equal(actorKey(noArn), 'AIDAALICE');
    const nameOnly = { ...noArn, actor: { ...noArn.actor, principalId: null } };
    assert.equal(actorKey(nameOnly), '111122223333:alice');
    assert.equal(actorKey({ ...nameOnly, account: null }), ':alice');
    assert.equal(actorKey({ ...nameOnly, actor: { ...nameOnly.actor, userName: null } }), null);
  });

  const families: [string | null, string | null][] = [
    ['aws-cli/2.15.0 Python/3.11.6 Linux/6.1', 'aws-cli'],
    ['Boto3/1.34.0 md/Botocore#1.34.0', 'boto3'],
    ['[aws-sdk-go-v2/1.24.0]', 'aws-sdk-go-v2'],
    ['  terraform-provider-aws (+https://registry.terraform.io)', 'terraform-provider-aws'],
    ['curl,7.88', 'curl'],
    ['[terraform]', 'terraform'],
    // Only a leading bracket is dropped: one inside the token is part of it.
    ['a[b/1.0', 'a[b'],
    ['Mozilla;5.0', 'mozilla'],
    ['Mozilla(5.0)', 'mozilla'],
    ['x'.repeat(70), 'x'.repeat(64)],
    ['/1.0', null],
    ['', null],
    [null, null],
  ];
  for (const [agent, family] of families) {
    it(`user agent ${JSON.stringify(agent)?.slice(0, 40) ?? 'null'} is family ${String(family)}`, () =>
      assert.equal(userAgentFamily(agent), family));
  }

  const clients: { what: string; spec: Partial<Parameters<typeof makeEvent>[0]>; family: string | null }[] = [
    { what: 'a console session', spec: { console: true, userAgent: 'aws-cli/2.15' }, family: 'console' },
    {
      what: 'a console sign-in',
      spec: { name: 'ConsoleLogin', userAgent: 'Mozilla/5.0' },
      family: 'console',
    },
    { what: 'AWS Internal', spec: { userAgent: 'AWS Internal' }, family: 'console' },
    { what: 'AWS Internal with a suffix', spec: { userAgent: 'AWS Internal (console)' }, family: 'console' },
    { what: 'aws-internal/3', spec: { userAgent: 'aws-internal/3 aws-sdk-java/1.12' }, family: 'console' },
    {
      what: 'the console host, any case, padded',
      spec: { userAgent: ' Console.AmazonAWS.com ' },
      family: 'console',
    },
    { what: 'the sign-in host', spec: { userAgent: 'signin.amazonaws.com' }, family: 'console' },
    { what: 'the EC2 console', spec: { userAgent: 'console.ec2.amazonaws.com' }, family: 'console' },
    { what: 'the CLI', spec: { userAgent: 'aws-cli/2.15 Python/3.11' }, family: 'aws-cli' },
  ];
  for (const c of clients) {
    it(`client of ${c.what}: ${String(c.family)}`, () => assert.equal(clientFamily(call(c.spec)), c.family));
  }

  it('an event whose caller is nobody (no ARN, principal id or user name) is no sighting of anyone', () => {
    const event = call({ actor: 'alice' });
    const nobody = { ...event, actor: { ...event.actor, arn: null, principalId: null, userName: null } };
    assert.deepEqual(baselineSightings([nobody]), []);
    const builder = new BaselineBuilder();
    builder.observe(nobody);
    assert.equal(builder.data.size, 0);
  });

  it('an event without a user agent has no client family', () => {
    assert.equal(clientFamily({ ...call(), userAgent: null }), null);
  });
});

describe('familiarity in a time range', () => {
  const DAY = 86_400_000;
  const day0 = Math.floor(BASE_MS / DAY);
  const builder = new BaselineBuilder();
  // Seen on day 0 first at 10:00, and on day 3 first at 05:00.
  builder.addSighting('alice', 'ip:a', day0, BASE_MS + 10 * 3_600_000);
  builder.addSighting('alice', 'ip:a', day0 + 3, BASE_MS + 3 * DAY + 5 * 3_600_000);
  builder.addSighting('alice', 'any', day0, BASE_MS + 10 * 3_600_000);
  const baseline = new Baseline(builder.data);

  const cases: { what: string; from: number; until: number; seen: boolean }[] = [
    { what: 'a range holding the first sighting', from: BASE_MS, until: BASE_MS + DAY, seen: true },
    {
      what: 'a range ending at the first sighting (exclusive)',
      from: BASE_MS,
      until: BASE_MS + 10 * 3_600_000,
      seen: false,
    },
    { what: 'a range ending just after it', from: BASE_MS, until: BASE_MS + 10 * 3_600_000 + 1, seen: true },
    {
      what: 'a range starting later that day (the day reaches into it)',
      from: BASE_MS + 23 * 3_600_000,
      until: BASE_MS + 2 * DAY,
      seen: true,
    },
    {
      what: 'a range starting at the end of that day',
      from: BASE_MS + DAY,
      until: BASE_MS + 2 * DAY,
      seen: false,
    },
    { what: 'a range between the two days', from: BASE_MS + DAY, until: BASE_MS + 3 * DAY, seen: false },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.seen ? 'seen' : 'not seen'}`, () =>
      assert.equal(baseline.seenBetween('alice', 'ip:a', c.from, c.until), c.seen));
  }

  it('another value or another caller was never seen', () => {
    assert.equal(baseline.seenBetween('alice', 'ip:b', 0, Number.MAX_SAFE_INTEGER), false);
    assert.equal(baseline.seenBetween('bob', 'ip:a', 0, Number.MAX_SAFE_INTEGER), false);
  });

  it('the look-back leaves out the last minutes before the call, and history is any sighting', () => {
    const call = BASE_MS + 10 * 3_600_000 + 5 * 60_000;
    assert.equal(baseline.seenBefore('alice', 'ip:a', call, 7 * DAY), true);
    assert.equal(baseline.seenBefore('alice', 'ip:a', call, 7 * DAY, 5 * 60_000), false);
    assert.equal(baseline.seenBefore('alice', 'ip:a', call, 7 * DAY, 5 * 60_000 - 1), true);
    assert.equal(baseline.hasHistory('alice', call, 7 * DAY), true);
    assert.equal(baseline.hasHistory('alice', call, 7 * DAY, 6 * 60_000), false);
    assert.equal(baseline.hasHistory('alice', BASE_MS + 30 * DAY, 7 * DAY), false, 'out of the look-back');
  });

  it('a sighting keeps the earliest time of its day, whatever order they come in', () => {
    const rows = baselineSightings([
      makeEvent({
        name: 'ListUsers',
        at: '2024-03-01T12:00:00Z',
        actor: 'bob',
        ip: '192.0.2.1',
        userAgent: 'Boto3/1.34',
      }),
      makeEvent({
        name: 'ListUsers',
        at: '2024-03-01T08:00:00Z',
        actor: 'bob',
        ip: '192.0.2.1',
        userAgent: 'Boto3/1.34',
      }),
      makeEvent({
        name: 'ListUsers',
        at: '2024-03-01T20:00:00Z',
        actor: 'bob',
        ip: '192.0.2.1',
        userAgent: 'Boto3/1.34',
      }),
    ]);
    const ip = rows.find((row) => row.value === 'ip:192.0.2.1');
    assert.deepEqual(ip && [ip.firstMs, ip.lastMs, ip.count, ip.day], [
      Date.parse('2024-03-01T08:00:00Z'),
      Date.parse('2024-03-01T20:00:00Z'),
      3,
      day0,
    ]);
    assert.deepEqual(rows.map((row) => row.value).sort(), ['any', 'ip:192.0.2.1', 'ua:boto3']);
    const anonymous = makeEvent({ name: 'ListUsers', at: '2024-03-01T08:00:00Z' });
    assert.deepEqual(
      baselineSightings([{ ...anonymous, sourceIp: null, userAgent: null }]).map((row) => row.value),
      ['any'],
    );
  });
});
