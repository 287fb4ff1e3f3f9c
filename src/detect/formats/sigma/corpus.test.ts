import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { EventViews, RawRecord } from '../../../model/index.ts';
import { loadSigmaRule } from './loader.ts';
import { createEventViews, normalizeRecord } from '../../../ingest/index.ts';
import { CORPUS, corpusMissing } from '../../../test-support/requirements.ts';

const corpus = `${CORPUS}/`;
const rulesDir = `${corpus}sigma/rules/cloud/aws/cloudtrail/`;
const stratus = `${corpus}stratus-red-team/docs/detonation-logs/aws.initial-access.console-login-without-mfa.json`;

/** The records as the engine sees them: through the real normalisation. */
function viewsFor(records: RawRecord[]): EventViews[] {
  return records.map((r, index) => {
    const n = normalizeRecord(r, { location: stratus, index });
    assert.ok(n.ok, `record ${index} normalises`);
    return createEventViews(n.event);
  });
}

void describe('Sigma CloudTrail corpus', () => {
  void it('accounts for all 57 rules, at least 90% ok, listing the unsupported with reasons', (t) => {
    if (corpusMissing(t, rulesDir)) return;
    const files = readdirSync(rulesDir)
      .filter((f) => f.endsWith('.yml'))
      .sort();
    assert.equal(files.length, 57);
    const ok: string[] = [];
    const unsupported: string[] = [];
    const errors: string[] = [];
    for (const f of files) {
      const r = loadSigmaRule(f, readFileSync(rulesDir + f, 'utf8'));
      if (r.status === 'ok') ok.push(f);
      else if (r.status === 'unsupported') {
        assert.ok(r.reason.length > 10, `${f} has a reason`);
        unsupported.push(`${f}: ${r.reason}`);
      } else errors.push(`${f}: ${JSON.stringify(r.issues)}`);
    }
    t.diagnostic(`ok ${ok.length}, unsupported ${unsupported.length}, error ${errors.length}`);
    for (const u of unsupported) t.diagnostic(`unsupported ${u}`);
    assert.deepEqual(errors, []);
    assert.equal(ok.length + unsupported.length, 57);
    assert.ok(ok.length / files.length >= 0.9, `${ok.length}/57 ok`);
  });

  void it('reports the placeholder rule as unsupported and loads the v1 count() rules as aggregates', (t) => {
    const placeholder = `${corpus}sigma/rules-placeholder/cloud/aws/cloudtrail/aws_cloudtrail_console_login_success_from_susp_locations.yml`;
    if (corpusMissing(t, placeholder)) return;
    const r = loadSigmaRule(placeholder, readFileSync(placeholder, 'utf8'));
    assert.equal(r.status, 'unsupported');
    assert.match(r.status === 'unsupported' ? r.reason : '', /%Legitimate_Countries%/);
    const legacy = `${corpus}sigma/unsupported/cloud/aws_macic_evasion.yml`;
    const l = loadSigmaRule(legacy, readFileSync(legacy, 'utf8'));
    assert.equal(l.status === 'ok' ? l.rule.kind : l.status, 'aggregate');
    const near = `${corpus}sigma/unsupported/cloud/aws_lambda_function_created_or_invoked.yml`;
    const n = loadSigmaRule(near, readFileSync(near, 'utf8'));
    assert.match(n.status === 'unsupported' ? n.reason : '', /near/);
  });

  void it('fires console-login-without-MFA on the Stratus Red Team capture, and not on an MFA login', (t) => {
    if (corpusMissing(t, stratus)) return;
    const path = `${rulesDir}aws_cloudtrail_console_login_success_without_mfa.yml`;
    const r = loadSigmaRule(path, readFileSync(path, 'utf8'));
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok' || r.rule.kind !== 'event') return;
    const records = JSON.parse(readFileSync(stratus, 'utf8')) as RawRecord[];
    const views = viewsFor(records);
    const hits = views.filter((v) => r.rule.matches(v));
    assert.equal(hits.length, 1);
    assert.equal(hits[0]?.event.raw.eventName, 'ConsoleLogin');
    assert.ok(r.rule.eventNames?.has('ConsoleLogin'));
    const withMfa = { ...records[0], additionalEventData: { MFAUsed: 'Yes' } } as RawRecord;
    const [mfaView] = viewsFor([withMfa]);
    assert.equal(r.rule.matches(mfaView as EventViews), false);
  });
});
