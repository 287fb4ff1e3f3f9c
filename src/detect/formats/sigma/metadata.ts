// Sigma rule metadata mapped onto mfaguard's RuleMeta: level to severity and risk score, ATT&CK tags to MITRE mappings.

import type { MitreMapping, MitreRef, RuleMeta, Severity } from '../../../model/index.ts';

/** Sigma levels to our severities, and risk scores in the middle-top of Elastic's bands for that severity. */
export const LEVELS: Readonly<Record<string, { readonly severity: Severity; readonly riskScore: number }>> = {
  informational: { severity: 'info', riskScore: 0 },
  low: { severity: 'low', riskScore: 21 },
  medium: { severity: 'medium', riskScore: 47 },
  high: { severity: 'high', riskScore: 73 },
  critical: { severity: 'critical', riskScore: 99 },
};

/**
 * ATT&CK enterprise tactics by the slug Sigma tags use. `stealth` and `defense-impairment` replaced
 * `defense-evasion` in ATT&CK v19; their TA ids are not recorded here, so their id is the slug itself.
 */
const TACTICS: Readonly<Record<string, { readonly id: string; readonly name: string }>> = {
  reconnaissance: { id: 'TA0043', name: 'Reconnaissance' },
  'resource-development': { id: 'TA0042', name: 'Resource Development' },
  'initial-access': { id: 'TA0001', name: 'Initial Access' },
  execution: { id: 'TA0002', name: 'Execution' },
  persistence: { id: 'TA0003', name: 'Persistence' },
  'privilege-escalation': { id: 'TA0004', name: 'Privilege Escalation' },
  'defense-evasion': { id: 'TA0005', name: 'Defense Evasion' },
  stealth: { id: 'stealth', name: 'Stealth' },
  'defense-impairment': { id: 'defense-impairment', name: 'Defense Impairment' },
  'credential-access': { id: 'TA0006', name: 'Credential Access' },
  discovery: { id: 'TA0007', name: 'Discovery' },
  'lateral-movement': { id: 'TA0008', name: 'Lateral Movement' },
  collection: { id: 'TA0009', name: 'Collection' },
  'command-and-control': { id: 'TA0011', name: 'Command and Control' },
  exfiltration: { id: 'TA0010', name: 'Exfiltration' },
  impact: { id: 'TA0040', name: 'Impact' },
};

function tacticRef(slug: string): MitreRef | null {
  const t = TACTICS[slug];
  if (t === undefined) return null;
  return t.id.startsWith('TA')
    ? { id: t.id, name: t.name, reference: `https://attack.mitre.org/tactics/${t.id}/` }
    : { id: t.id, name: t.name };
}

function techniqueRef(id: string): MitreRef {
  // Sigma tags carry no technique names; the id stands in, with the link to the full entry.
  return { id, name: id, reference: `https://attack.mitre.org/techniques/${id.replace('.', '/')}/` };
}

/**
 * Maps `attack.*` tags. Sigma does not say which tactic a technique serves, so each technique is listed
 * under every tactic tag of the rule (or with no tactic when there is none); a bare technique is dropped
 * when one of its sub-techniques is tagged too.
 */
export function mitreFromTags(tags: readonly string[]): { mappings: MitreMapping[]; unknown: string[] } {
  const tactics: MitreRef[] = [];
  const techniques = new Set<string>();
  const unknown: string[] = [];
  for (const raw of tags) {
    const tag = raw.toLowerCase();
    if (!tag.startsWith('attack.')) continue;
    const rest = tag.slice('attack.'.length);
    const tech = /^t(\d{4})(?:\.(\d{3}))?$/.exec(rest);
    if (tech !== null) {
      techniques.add(`T${tech[1]}${tech[2] === undefined ? '' : `.${tech[2]}`}`);
      continue;
    }
    if (/^[gs]\d{4}$/.test(rest)) continue; // groups and software are not part of the mapping
    const ref = tacticRef(rest.replace(/_/g, '-'));
    if (ref === null) unknown.push(raw);
    else if (!tactics.some((t) => t.id === ref.id)) tactics.push(ref);
  }
  const ids = [...techniques].filter(
    (t) => t.includes('.') || ![...techniques].some((s) => s.startsWith(`${t}.`)),
  );
  const mappings: MitreMapping[] = [];
  for (const tactic of tactics.length > 0 ? tactics : [null]) {
    for (const id of ids) {
      const [base = id] = id.split('.');
      mappings.push({
        tactic,
        technique: techniqueRef(base),
        subtechnique: id.includes('.') ? techniqueRef(id) : null,
      });
    }
  }
  return { mappings, unknown };
}

export interface MetaProblem {
  readonly kind: 'error' | 'warning';
  readonly field: string;
  readonly message: string;
  readonly hint?: string;
}

/** Reads title, id, status, level, tags and the rest; problems name the field. */
export function readMeta(
  doc: Record<string, unknown>,
  path: string,
): { meta: RuleMeta; problems: MetaProblem[] } {
  const problems: MetaProblem[] = [];
  const str = (field: string): string | null => {
    const v = doc[field];
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    problems.push({ kind: 'warning', field, message: `'${field}' should be a string` });
    return null;
  };
  const list = (field: string): string[] => {
    const v = doc[field];
    if (v === undefined || v === null) return [];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v))
      return v
        .filter((x) => x !== null && x !== undefined)
        .map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    problems.push({ kind: 'warning', field, message: `'${field}' should be a list of strings` });
    return [];
  };
  const title = str('title');
  if (title === null || title.trim() === '') {
    problems.push({
      kind: 'error',
      field: 'title',
      message: "a Sigma rule needs a 'title'",
      hint: 'add title: <what it detects>',
    });
  }
  const id = str('id');
  if (id === null) {
    problems.push({
      kind: 'warning',
      field: 'id',
      message: "no 'id': the rule is identified by its file name",
      hint: 'add id: <a UUID v4>',
    });
  }
  const levelText = str('level');
  let level = LEVELS.medium as { severity: Severity; riskScore: number };
  if (levelText === null) {
    problems.push({ kind: 'warning', field: 'level', message: "no 'level': medium assumed" });
  } else {
    const known = LEVELS[levelText.toLowerCase()];
    if (known === undefined) {
      problems.push({
        kind: 'error',
        field: 'level',
        message: `unknown level '${levelText}'`,
        hint: `one of ${Object.keys(LEVELS).join(', ')}`,
      });
    } else {
      level = known;
    }
  }
  const tags = list('tags');
  const mitre = mitreFromTags(tags);
  for (const t of mitre.unknown) {
    problems.push({
      kind: 'warning',
      field: 'tags',
      message: `unknown ATT&CK tag '${t}' left out of the MITRE mapping`,
    });
  }
  const base = path.split(/[\\/]/).pop() ?? path;
  const meta: RuleMeta = {
    id: id ?? `sigma:${base.replace(/\.ya?ml$/i, '')}`,
    name: title ?? base,
    description: str('description') ?? '',
    format: 'sigma',
    path,
    severity: level.severity,
    riskScore: level.riskScore,
    mitre: mitre.mappings,
    falsePositives: list('falsepositives'),
    investigationGuide: null,
    investigationFields: list('fields'),
    references: [...list('references'), ...list('reference')],
    tags,
    maturity: str('status'),
  };
  return { meta, problems };
}
