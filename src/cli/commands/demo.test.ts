// `mfaguard demo` and `mfaguard kpi` on the bundled sample: the findings match the sample's ground truth.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../main.ts';
import { captureContext } from '../test-support/context.ts';

describe('mfaguard demo', () => {
  it('finds every planted story in the bundled sample and nothing else', async () => {
    const { ctx, out, err } = captureContext();
    const code = await runCli(['demo'], ctx);
    assert.equal(code, 0, err());
    assert.match(
      err(),
      /ground truth: (\d+)\/\1 expected alerts found, 0 unexpected; triage (\d+)\/\2 classifications as expected/,
    );
    assert.match(out(), /rotation/);
    assert.match(out(), /suspicious/);
    // The sample's hostile user agents reach the table only as harmless text.
    assert.doesNotMatch(out(), /[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});

describe('mfaguard kpi', () => {
  it('reports removals by month and classification over the sample', async () => {
    const { ctx, out } = captureContext();
    assert.equal(await runCli(['kpi', 'samples/demo/AWSLogs', '--format', 'json', '--quiet'], ctx), 0);
    const { kpis } = JSON.parse(out()) as {
      kpis: {
        removals: number;
        byClassification: Record<string, number>;
        months: { month: string }[];
        vulnerabilityWindow: { count: number };
      };
    };
    assert.equal(kpis.months[0]?.month, '2024-03');
    assert.ok(kpis.removals >= 10, `removals ${kpis.removals}`);
    assert.equal(kpis.byClassification['rotation'], 2);
    assert.equal(kpis.byClassification['admin-reset'], 1);
    assert.ok((kpis.byClassification['suspicious'] ?? 0) >= 1);
    // Only the two rotations closed a window: the intruder's device in the takeover closes none.
    assert.equal(kpis.vulnerabilityWindow.count, 2);
  });
});
