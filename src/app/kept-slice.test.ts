// The kept slice a scan hands to correlation: every removal, and only what lies within an incident's reach of one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { incidentReach, isMfaRemoval } from '../detect/index.ts';
import { DEFAULT_TRIAGE_CONFIG } from '../enrich/index.ts';
import type { CloudTrailEvent } from '../model/index.ts';
import type { InputIssue } from '../model/index.ts';
import { KeptSlice, packSlice } from './kept-slice.ts';
import { processChunk } from './process-chunk.ts';
import { loadRuleSet } from './rule-set.ts';
import { runScan } from './scan.ts';

const DEMO = fileURLToPath(new URL('../../samples/demo/AWSLogs', import.meta.url));

describe('kept slice', () => {
  it('holds the removals and only the events within reach of one, once each, oldest first', async () => {
    const result = await runScan({ inputs: [DEMO], workers: 0 });
    const removals = result.events.filter(isMfaRemoval);
    assert.ok(removals.length >= 3, 'the demo holds removals');
    const reach = incidentReach(DEFAULT_TRIAGE_CONFIG);
    const outside = result.events.filter(
      (event) =>
        !removals.some(
          (removal) =>
            event.timeMs >= removal.timeMs - reach.beforeMs && event.timeMs <= removal.timeMs + reach.afterMs,
        ),
    );
    assert.deepEqual(outside, []);
    assert.equal(new Set(result.events.map((event) => event.id)).size, result.events.length);
    for (let i = 1; i < result.events.length; i++)
      assert.ok(result.events[i - 1]!.timeMs <= result.events[i]!.timeMs);
    // Every removal alert was triaged from this slice.
    const removalAlerts = result.alerts.filter((alert) => alert.incident?.role === 'removal');
    assert.equal(new Set(removalAlerts.map((alert) => alert.event.id)).size, removals.length);
  });

  it("hands over an input's events as JSON with their ids, span and removals", async () => {
    const result = await runScan({ inputs: [DEMO], workers: 0 });
    const pack = packSlice(result.events)!;
    assert.deepEqual(JSON.parse(pack.json), JSON.parse(JSON.stringify(result.events)));
    assert.deepEqual(
      pack.ids,
      result.events.map((event) => event.id),
    );
    assert.equal(pack.firstMs, result.events[0]!.timeMs);
    assert.equal(pack.lastMs, result.events.at(-1)!.timeMs);
    assert.deepEqual(pack.removals, result.events.filter(isMfaRemoval));
    assert.equal(packSlice([]), null);
  });

  it('leaves records no rule reads unparsed, and opens those in reach as the parsed path would', () => {
    const { engine, reading } = loadRuleSet({ builtin: true, paths: [] });
    const deferredNames = reading.deferredNames;
    assert.ok(deferredNames !== undefined);
    assert.ok(deferredNames.has('GetCallerIdentity'));
    assert.ok(!deferredNames.has('DeactivateMFADevice'), 'removals decide the windows: always parsed');
    const removalMs = Date.UTC(2024, 2, 5, 12);
    const file = (...records: string[]) => ({
      location: 'trail.json',
      baseIndex: 0,
      data: Buffer.from(`{"Records":[${records.join(',')}]}`),
      compression: 'none' as const,
    });
    const good = file(
      cloudTrail('GetCallerIdentity', removalMs - 60_000, 'p-near'),
      cloudTrail('GetCallerIdentity', removalMs - 3 * 86_400_000, 'p-far'),
      cloudTrail('DeactivateMFADevice', removalMs, 'removal'),
    );
    const opened = (deferring: boolean, chunk: ReturnType<typeof file>) => {
      const result = processChunk(chunk, engine, deferring ? reading : { prefilter: reading.prefilter! });
      const slice = new KeptSlice();
      slice.add(result.slice!);
      const issues: InputIssue[] = [];
      return { result, events: slice.open(DEFAULT_TRIAGE_CONFIG, (issue) => issues.push(issue)), issues };
    };
    const deferred = opened(true, good);
    const parsed = opened(false, good);
    assert.equal(deferred.result.slice?.deferred?.times.length, 2, 'both probes wait unparsed');
    assert.equal(parsed.result.slice?.deferred, undefined);
    assert.deepEqual(
      deferred.events.map((event) => event.id),
      ['p-near', 'removal'],
    );
    assert.deepEqual(deferred.events, parsed.events);
    assert.deepEqual(deferred.result.slice?.ids, ['removal', 'p-near', 'p-far']);
    assert.equal(deferred.result.events, 3);
    // A broken record is found only if a window reaches it (one that is never opened is never read).
    const broken = (timeMs: number, id: string) =>
      cloudTrail('GetCallerIdentity', timeMs, id).replace('"readOnly":true', '"readOnly":tru');
    const far = opened(
      true,
      file(broken(removalMs - 3 * 86_400_000, 'b-far'), cloudTrail('DeactivateMFADevice', removalMs, 'r')),
    );
    assert.deepEqual(far.issues, []);
    const near = opened(
      true,
      file(broken(removalMs - 60_000, 'b-near'), cloudTrail('DeactivateMFADevice', removalMs, 'r')),
    );
    assert.deepEqual(
      near.issues.map((issue) => [issue.code, issue.index]),
      [['not-json', 0]],
    );
  });

  it('holds inputs deflated a batch at a time past its budget of text, and opens them to the same events', async () => {
    for (const budget of [0, 1024 * 1024, Infinity]) await slicesOpenAsAdded(budget);
  });
});

async function slicesOpenAsAdded(budget: number): Promise<void> {
  const result = await runScan({ inputs: [DEMO], workers: 0 });
  const slice = new KeptSlice(budget);
  // The demo's slice again and again under new ids, one input per event, past a few batches; and the first
  // round's once more, which are duplicates.
  const added: CloudTrailEvent[] = [];
  let chars = 0;
  for (let round = 0; chars < 3 * 1024 * 1024; round++)
    for (const event of result.events) {
      const copy = { ...event, id: `${event.id}#${round}` };
      added.push(copy);
      const input = packSlice([copy])!;
      slice.add(input);
      chars += input.json.length;
    }
  for (const event of added.slice(0, 5)) slice.add(packSlice([{ ...event, name: 'Changed' }])!);
  assert.equal(slice.duplicates, 5);
  // Within its budget the slice keeps text (every character, and more); past it, deflated batches.
  if (budget === Infinity) assert.ok(slice.heldBytes > chars);
  else
    assert.ok(slice.heldBytes < budget + chars / 3, `${slice.heldBytes} bytes held for ${chars} characters`);
  const expected = added.sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const opened = slice.open(DEFAULT_TRIAGE_CONFIG);
  assert.deepEqual(
    opened.map((event) => event.id),
    expected.map((event) => event.id),
  );
  assert.deepEqual(opened, JSON.parse(JSON.stringify(expected)));
}

/** A CloudTrail record in CloudTrail's own key order, by one IAM user. */
function cloudTrail(name: string, timeMs: number, id: string): string {
  const time = new Date(timeMs).toISOString().replace('.000Z', 'Z');
  const source = name === 'GetCallerIdentity' ? 'sts.amazonaws.com' : 'iam.amazonaws.com';
  const request =
    name === 'DeactivateMFADevice'
      ? '{"userName":"alice","serialNumber":"arn:aws:iam::111122223333:mfa/alice"}'
      : 'null';
  return (
    `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAALICE","arn":"arn:aws:iam::111122223333:user/alice",` +
    `"accountId":"111122223333","userName":"alice"},"eventTime":"${time}","eventSource":"${source}","eventName":"${name}",` +
    `"awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15","requestParameters":${request},` +
    `"responseElements":null,"requestID":"r-${id}","eventID":"${id}","readOnly":true,"eventType":"AwsApiCall",` +
    `"recipientAccountId":"111122223333"}`
  );
}
