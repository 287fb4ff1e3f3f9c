// The burst rule is raised by correlation, not loaded from a file, so the collection-wide checks of the shipped rules
// (builtin-rules.test.ts) do not see it: it is held to the same standard here, since its text and mapping reach the
// alert, the SIEM exports and the case.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { severityFromRiskScore } from '../../model/index.ts';
import { checkMitreMapping } from '../mitre.ts';
import { BURST_RULE } from './burst-rule.ts';

describe('the burst rule', () => {
  const m = BURST_RULE.meta;

  it('keeps its id: stored cases and the live service find burst alerts by it', () => {
    assert.equal(m.id, 'mfaguard-mfa-removal-burst');
    assert.equal(m.format, 'builtin');
  });

  it('has complete metadata, as every shipped rule must', () => {
    const offenders: string[] = [];
    const bad = (what: string): void => void offenders.push(what);
    if (m.name.trim().length < 10) bad('name is missing or too short');
    if (m.description.trim().length < 40) bad('description is missing or too short');
    // A sweep is high, and its risk score sits in the same band, so a list sorted by either agrees.
    if (m.severity !== 'high') bad(`severity ${m.severity} is not high`);
    if (severityFromRiskScore(m.riskScore) !== m.severity)
      bad(
        `risk score ${m.riskScore} falls in the ${severityFromRiskScore(m.riskScore)} band, not ${m.severity}`,
      );
    if (m.mitre.length < 2) bad('the mapping lost a technique (impact and defense evasion)');
    for (const mapping of m.mitre) {
      offenders.push(...checkMitreMapping(mapping));
      if (mapping.tactic === null) bad(`${mapping.technique.id} has no tactic`);
      for (const part of [mapping.technique, mapping.subtechnique])
        if (part !== null && part.name.trim() === '') bad(`${part.id} has no name`);
    }
    if ((m.investigationGuide ?? '').trim().length < 150) bad('investigation guide is missing or too short');
    if (m.falsePositives.length === 0 || m.falsePositives.some((text) => text.trim().length < 20))
      bad('false positives missing or empty');
    if (
      m.investigationFields.length < 4 ||
      m.investigationFields.some((field) => !/^[a-z_]+(\.[a-z_]+)+$/.test(field))
    )
      bad(`investigation fields are not ECS field names: ${JSON.stringify(m.investigationFields)}`);
    if (!m.tags.includes('correlation') || !m.tags.includes('mfa')) bad(`tags ${JSON.stringify(m.tags)}`);
    if (m.maturity !== 'production') bad(`maturity ${String(m.maturity)}`);
    if (m.path.trim() === '') bad('no path to show where the rule comes from');
    // Every reference is a page a responder can open: AWS's documentation or the ATT&CK entry the rule maps to.
    if (m.references.length === 0) bad('no references');
    for (const reference of m.references)
      if (!/^https:\/\/(docs\.aws\.amazon\.com|attack\.mitre\.org)\/\S+$/.test(reference))
        bad(`reference ${JSON.stringify(reference)} is not an AWS documentation or ATT&CK page`);
    for (const mapping of m.mitre)
      if (
        mapping.subtechnique !== null &&
        !m.references.includes(
          `https://attack.mitre.org/techniques/${mapping.subtechnique.id.replace('.', '/')}/`,
        )
      )
        bad(`no reference to the ATT&CK page of ${mapping.subtechnique.id}`);
    assert.deepEqual(offenders, []);
    // The sub-technique is MFA itself: what a SIEM filters on.
    assert.ok(m.mitre.some((mapping) => mapping.subtechnique?.id === 'T1556.006'));
  });

  it('never matches an event on its own', () => {
    assert.equal(BURST_RULE.kind, 'event');
    assert.equal(BURST_RULE.eventSources, null);
    assert.equal(BURST_RULE.eventNames?.size, 0);
  });
});
