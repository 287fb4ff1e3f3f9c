// An alert as its rule made it is written from the text it crossed the threads as: that text, with the rule block put
// back, must be what `alertToJson` writes for the alert, to the byte, for every kind of rule and alert.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { alertRule } from '../detect/index.ts';
import type { Alert } from '../model/index.ts';
import { alertToJson, createAlertWriter, pendingAlert, writePending } from '../report/index.ts';
import { CORPUS, corpusMissing } from '../test-support/requirements.ts';
import { RuleBlocks, encodeAlert, entryOfLine, jsonOfBody, pendingOfEntry } from './alert-line.ts';
import { loadRuleSet } from './rule-set.ts';
import { runScan } from './scan.ts';

const DEMO = fileURLToPath(new URL('../../samples/demo/AWSLogs', import.meta.url));
/** The built-in rules' fixtures: single records, among them a root sign-in without MFA (a severity mapping's reason). */
const FIXTURES = fileURLToPath(new URL('../../rules/fixtures', import.meta.url));
const RULES = [`${CORPUS}/elastic/rules/integrations/aws`, `${CORPUS}/sigma/rules/cloud/aws/cloudtrail`];
const TRAILS = [`${CORPUS}/stratus-red-team/docs/detonation-logs`, `${CORPUS}/otrf-security-datasets`];

function blocksFor(rulePaths: readonly string[]): RuleBlocks {
  const ruleSet = loadRuleSet({ builtin: true, paths: rulePaths, strict: false });
  return new RuleBlocks(new Map(ruleSet.rules.map((rule) => [rule.meta.id, alertRule(rule.meta)])));
}

/** The alerts of a scan as the rules made them (no triage), which is what crosses from a worker as a line. */
async function untriaged(inputs: readonly string[], rulePaths: readonly string[]): Promise<Alert[]> {
  const result = await runScan({ inputs, rulePaths, triage: false, workers: 0 });
  return [...result.alerts];
}

function assertWrittenFromBody(alerts: readonly Alert[], blocks: RuleBlocks): void {
  assert.ok(alerts.length > 0, 'the comparison needs alerts');
  alerts.forEach((alert, seq) => {
    const entry = entryOfLine(encodeAlert(alert), seq);
    const fromBody = jsonOfBody(entry, blocks);
    assert.notEqual(fromBody, null, `alert ${alert.id} (${alert.rule.id}) was not written from its body`);
    assert.equal(fromBody, JSON.stringify(alertToJson(alert)));
    assert.equal(pendingOfEntry(entry, blocks).json(), fromBody);
    assert.equal(pendingOfEntry(entry, blocks).severity, alert.severity);
    assert.deepEqual(pendingOfEntry(entry, blocks).alert(), alert);
  });
}

describe('an alert written from its line', () => {
  it('is what alertToJson writes, for the built-in rules on the demo and their fixtures', async () => {
    const alerts = await untriaged([DEMO, FIXTURES], []);
    // A severity mapping's reason (root signed in without MFA) is part of the body too.
    assert.ok(alerts.some((alert) => alert.reasons !== undefined && alert.reasons.length > 0));
    assertWrittenFromBody(alerts, blocksFor([]));
  });

  it('is what alertToJson writes, for every corpus rule (MITRE blocks, with subtechniques)', async (t) => {
    if (corpusMissing(t, ...RULES, ...TRAILS)) return;
    const alerts = await untriaged([DEMO, ...TRAILS], RULES);
    assert.ok(alerts.some((alert) => alert.rule.mitre.some((m) => m.subtechnique !== null)));
    assertWrittenFromBody(alerts, blocksFor(RULES));
  });

  it('goes through the JSON writers exactly as the object does, terminal escapes included', async () => {
    const [first] = await untriaged([DEMO], []);
    const alert: Alert = {
      ...first!,
      actor: { ...first!.actor, userAgent: 'curl \u202e\u0085\u2028 \u001b[31m' },
    };
    const entry = entryOfLine(encodeAlert(alert), 0);
    for (const format of ['json', 'ndjson'] as const) {
      const viaObject: string[] = [];
      const viaLine: string[] = [];
      const a = createAlertWriter({ write: (text) => viaObject.push(text) }, format, { color: false });
      const b = createAlertWriter({ write: (text) => viaLine.push(text) }, format, { color: false });
      writePending(a, pendingAlert(alert));
      writePending(b, pendingOfEntry(entry, blocksFor([])));
      a.end();
      b.end();
      assert.equal(viaLine.join(''), viaObject.join(''));
      assert.doesNotMatch(viaLine.join(''), /[\u202e\u0085\u2028\u001b]/);
    }
  });

  it('falls back to the object when the body is not in the layout expected', async () => {
    const [first] = await untriaged([DEMO], []);
    const { id, severity, ...rest } = first!;
    // The same alert with its keys in another order: written in the documented order all the same.
    const shuffled = { severity, id, ...rest } as Alert;
    const entry = entryOfLine(encodeAlert(shuffled), 0);
    const blocks = blocksFor([]);
    assert.equal(jsonOfBody(entry, blocks), null);
    assert.equal(pendingOfEntry(entry, blocks).json(), JSON.stringify(alertToJson(first!)));
  });
});
