// One contract for every finding writer in the registry: a new format gets these checks by being registered.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_FILE_EXTENSIONS, AUDIT_FORMATS, AUDIT_WRITERS, renderAudit } from './render.ts';
import type { AuditFormat } from './render.ts';
import { sampleReport } from './test-support/output.ts';

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('finding writer registry', () => {
  it('is kept in alphabetical order, lists every entry with the default first, and gives each a file', () => {
    const names = Object.keys(AUDIT_WRITERS);
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual([...AUDIT_FORMATS].sort(), names);
    assert.equal(AUDIT_FORMATS[0], 'table');
    assert.equal(new Set(Object.values(AUDIT_FILE_EXTENSIONS)).size, names.length);
  });

  for (const format of Object.keys(AUDIT_WRITERS) as AuditFormat[]) {
    it(`${format}: shows every check of the report, escapes attacker text, ends with a line break`, () => {
      const report = sampleReport();
      const text = renderAudit(report, format, { all: true, region: 'eu-west-1', productVersion: '0.0.0' });
      assert.ok(text.endsWith('\n'));
      assert.doesNotMatch(text, CONTROL);
      for (const finding of report.findings)
        assert.ok(text.includes(finding.checkId), `${format}: ${finding.checkId}`);
      if (AUDIT_FILE_EXTENSIONS[format].endsWith('.json')) assert.doesNotThrow(() => JSON.parse(text));
    });
  }
});
