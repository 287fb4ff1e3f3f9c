// The published JSON Schemas (docs/schemas/) are what `npm run schemas` generates, and real outputs validate against
// them: the demo scan's alerts (JSON and NDJSON), an audit's findings, and the example configuration.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { runCli } from '../src/cli/main.ts';
import { captureContext } from '../src/cli/test-support/context.ts';
import { CORPUS, corpusMissing } from '../src/test-support/requirements.ts';
import { generateSchemas, SCHEMA_DIR } from './schemas.ts';

function validator(name: string): ValidateFunction {
  const schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, name), 'utf8')) as object;
  return new Ajv2020({ allErrors: true, strict: false }).compile(schema);
}

function problems(validate: ValidateFunction, value: unknown): string {
  return validate(value) ? '' : JSON.stringify(validate.errors?.slice(0, 3));
}

void describe('published JSON Schemas', () => {
  void it('are the files `npm run schemas` writes', () => {
    for (const [name, text] of Object.entries(generateSchemas())) {
      assert.equal(
        readFileSync(path.join(SCHEMA_DIR, name), 'utf8'),
        text,
        `docs/schemas/${name} is stale: run npm run schemas`,
      );
    }
  });

  void it('every alert of the demo scan validates, in JSON and NDJSON', async () => {
    const validate = validator('alert.schema.json');
    const json = captureContext();
    await runCli(['demo', '--format', 'json'], json.ctx);
    const alerts = (JSON.parse(json.out()) as { alerts: unknown[] }).alerts;
    assert.ok(alerts.length > 10, `the demo gave ${alerts.length} alerts`);
    const triaged = alerts.filter(
      (alert) => (alert as { classification?: string }).classification !== undefined,
    );
    assert.ok(triaged.length > 0, 'no triaged alert to check the triage fields with');
    for (const alert of alerts)
      assert.equal(problems(validate, alert), '', JSON.stringify(alert).slice(0, 200));
    const ndjson = captureContext();
    await runCli(['demo', '--format', 'ndjson'], ndjson.ctx);
    const lines = ndjson.out().trim().split('\n');
    assert.equal(lines.length, alerts.length);
    for (const line of lines) assert.equal(problems(validate, JSON.parse(line)), '', line.slice(0, 200));
    // The schema bites: an unknown key or a wrong severity is refused.
    assert.notEqual(problems(validate, { ...(alerts[0] as object), extra: 1 }), '');
    assert.notEqual(problems(validate, { ...(alerts[0] as object), severity: 'severe' }), '');
  });

  void it('every finding of an audit of a real credential report validates', async (t) => {
    const report = path.join(
      CORPUS,
      'credential-reports/cloud-custodian__test_account_credential_report__iam.GetCredentialReport_1.csv',
    );
    if (corpusMissing(t, report)) return;
    const validate = validator('finding.schema.json');
    const { ctx, out } = captureContext({ cwd: '/', now: '2017-02-23T00:40:00Z' });
    await runCli(['audit', '--credential-report', report, '--format', 'json', '--region', 'us-east-1'], ctx);
    const findings = (JSON.parse(out()) as { findings: unknown[] }).findings;
    assert.ok(findings.length > 10, `the audit gave ${findings.length} findings`);
    for (const finding of findings)
      assert.equal(problems(validate, finding), '', JSON.stringify(finding).slice(0, 200));
    assert.notEqual(problems(validate, { ...(findings[0] as object), status: 'MAYBE' }), '');
  });

  void it('the example configuration validates; a typo does not', () => {
    const validate = validator('config.schema.json');
    const example = parse(
      readFileSync(path.join(SCHEMA_DIR, '..', '..', 'mfaguard.example.yml'), 'utf8'),
    ) as Record<string, unknown>;
    assert.equal(problems(validate, example), '');
    assert.notEqual(problems(validate, { ...example, triage: { graceWindw: '2h' } }), '');
    assert.notEqual(problems(validate, { ...example, serve: { escalateConfirmedAt: 'sometimes' } }), '');
    const notify = example['notify'] as { notifiers: Record<string, unknown>[] };
    assert.ok(notify.notifiers.length >= 5, 'the example shows every notifier kind');
    const typo = { ...notify, notifiers: [{ ...notify.notifiers[0], secretEnvv: 'X' }] };
    assert.notEqual(problems(validate, { ...example, notify: typo }), '');
  });
});
