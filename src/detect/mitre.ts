// MITRE ATT&CK (Enterprise) tactic ids and the shape of technique ids, to check a rule's mapping at load time.

import type { MitreMapping } from '../model/index.ts';

export const MITRE_TACTICS: Readonly<Record<string, string>> = {
  TA0001: 'Initial Access',
  TA0002: 'Execution',
  TA0003: 'Persistence',
  TA0004: 'Privilege Escalation',
  TA0005: 'Defense Evasion',
  TA0006: 'Credential Access',
  TA0007: 'Discovery',
  TA0008: 'Lateral Movement',
  TA0009: 'Collection',
  TA0010: 'Exfiltration',
  TA0011: 'Command and Control',
  TA0040: 'Impact',
  TA0042: 'Resource Development',
  TA0043: 'Reconnaissance',
};

const TECHNIQUE_ID = /^T\d{4}$/;
const SUBTECHNIQUE_ID = /^T\d{4}\.\d{3}$/;

/** Problems with one mapping, in words; empty when it is well-formed. */
export function checkMitreMapping(mapping: MitreMapping): string[] {
  const problems: string[] = [];
  if (mapping.tactic !== null) {
    const known = MITRE_TACTICS[mapping.tactic.id];
    if (known === undefined)
      problems.push(`tactic id ${JSON.stringify(mapping.tactic.id)} is not an ATT&CK tactic (TA00xx)`);
    else if (known !== mapping.tactic.name) {
      problems.push(
        `tactic ${mapping.tactic.id} is named ${JSON.stringify(known)}, not ${JSON.stringify(mapping.tactic.name)}`,
      );
    }
  }
  if (!TECHNIQUE_ID.test(mapping.technique.id)) {
    problems.push(`technique id ${JSON.stringify(mapping.technique.id)} is not of the form T1234`);
  }
  if (mapping.subtechnique !== null) {
    if (!SUBTECHNIQUE_ID.test(mapping.subtechnique.id)) {
      problems.push(
        `sub-technique id ${JSON.stringify(mapping.subtechnique.id)} is not of the form T1234.001`,
      );
    } else if (!mapping.subtechnique.id.startsWith(`${mapping.technique.id}.`)) {
      problems.push(
        `sub-technique ${mapping.subtechnique.id} does not belong to technique ${mapping.technique.id}`,
      );
    }
  }
  return problems;
}

export function mitreTechniqueUrl(id: string): string {
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}

export function mitreTacticUrl(id: string): string {
  return `https://attack.mitre.org/tactics/${id}/`;
}
