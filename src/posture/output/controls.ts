// How a finding's framework mapping reads in exports: its primary control, standards and requirement ids.

import type { Finding } from '../../model/index.ts';
import { securityHubControl } from '../frameworks/controls.ts';
import type { SecurityHubControl } from '../frameworks/controls.ts';

/** The newest CIS benchmark version the mapping has; its ids lead in tables and as the fallback control. */
export const LATEST_CIS = '7.0';

/** The Security Hub controls the finding maps to, described (title, page, standards). */
export function securityHubControlsOf(f: Finding): SecurityHubControl[] {
  return f.controls
    .filter((c) => c.framework === 'aws-securityhub')
    .flatMap((c) => {
      const control = securityHubControl(c.id);
      return control === null ? [] : [control];
    });
}

/** The control a pipeline groups by: the Security Hub control, else the newest CIS recommendation, else none. */
export function primaryControl(f: Finding): string | null {
  const hub = f.controls.find((c) => c.framework === 'aws-securityhub');
  if (hub !== undefined) return hub.id;
  const cis = f.controls.find((c) => c.framework === 'cis-aws' && c.version === LATEST_CIS);
  return cis === undefined ? null : `CIS ${cis.version} ${cis.id}`;
}

/** Every control as one readable id: `CIS 7.0 2.10`, `IAM.5`. */
export function requirementIds(f: Finding): string[] {
  return f.controls.map((c) => (c.framework === 'cis-aws' ? `CIS ${c.version} ${c.id}` : c.id));
}

/** The standards the finding speaks to, by name; a check mapped to none is mfaguard's own. */
export function standardNames(f: Finding): string[] {
  const names = new Set<string>();
  for (const c of f.controls)
    if (c.framework === 'cis-aws') names.add(`CIS AWS Foundations Benchmark v${c.version}`);
  for (const control of securityHubControlsOf(f)) for (const s of control.standards) names.add(s.name);
  return names.size === 0 ? ['mfaguard MFA posture checks'] : [...names];
}
