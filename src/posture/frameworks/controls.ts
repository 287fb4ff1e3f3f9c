// Framework mapping as data: which CIS recommendations and Security Hub controls each check serves.

import awsSecurityHub from './aws-securityhub.json' with { type: 'json' };
import securityHubControls from './aws-securityhub-controls.json' with { type: 'json' };
import cisAws from './cis-aws.json' with { type: 'json' };
import type { ControlRef } from '../../model/index.ts';

interface FrameworkFile {
  readonly framework: string;
  readonly versions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

export const FRAMEWORKS: readonly FrameworkFile[] = [cisAws, awsSecurityHub];

/** Every control a check maps to, newest CIS version first. */
export function controlsFor(
  checkId: string,
  frameworks: readonly FrameworkFile[] = FRAMEWORKS,
): ControlRef[] {
  const out: ControlRef[] = [];
  for (const file of frameworks) {
    for (const [version, checks] of Object.entries(file.versions)) {
      for (const id of checks[checkId] ?? []) out.push({ framework: file.framework, version, id });
    }
  }
  return out;
}

/** Check ids named in the mapping data, so a test can tell a typo in the JSON from a real check. */
export function mappedCheckIds(frameworks: readonly FrameworkFile[] = FRAMEWORKS): string[] {
  return [
    ...new Set(frameworks.flatMap((f) => Object.values(f.versions).flatMap((checks) => Object.keys(checks)))),
  ].sort();
}

interface SecurityHubStandard {
  readonly name: string;
  readonly standardsId: string;
  readonly type: string;
}

export interface SecurityHubControl {
  readonly id: string;
  readonly title: string;
  readonly url: string;
  /** The standards the control belongs to, as ASFF's Compliance.AssociatedStandards and Types want them. */
  readonly standards: readonly SecurityHubStandard[];
}

interface SecurityHubControlsFile {
  readonly standards: Readonly<Record<string, SecurityHubStandard>>;
  readonly controls: Readonly<
    Record<string, { readonly title: string; readonly url: string; readonly standards: readonly string[] }>
  >;
}

/** A Security Hub control (`IAM.5`) with its title, remediation page and standards; null when not described. */
export function securityHubControl(
  id: string,
  file: SecurityHubControlsFile = securityHubControls,
): SecurityHubControl | null {
  const control = file.controls[id];
  if (control === undefined) return null;
  return {
    id,
    title: control.title,
    url: control.url,
    standards: control.standards.flatMap((key) => {
      const standard = file.standards[key];
      return standard === undefined ? [] : [standard];
    }),
  };
}

/** Problems in the controls data (an unknown standard key, a mapped control not described), for a test. */
export function securityHubDataProblems(
  file: SecurityHubControlsFile = securityHubControls,
  frameworks: readonly FrameworkFile[] = FRAMEWORKS,
): string[] {
  const problems: string[] = [];
  for (const [id, control] of Object.entries(file.controls))
    for (const key of control.standards)
      if (file.standards[key] === undefined) problems.push(`${id}: unknown standard '${key}'`);
  for (const framework of frameworks.filter((f) => f.framework === 'aws-securityhub'))
    for (const checks of Object.values(framework.versions))
      for (const ids of Object.values(checks))
        for (const id of ids)
          if (file.controls[id] === undefined) problems.push(`${id}: mapped but not described`);
  return [...new Set(problems)];
}
