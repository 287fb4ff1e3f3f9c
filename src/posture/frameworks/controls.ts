// Framework mapping as data: which CIS recommendations and Security Hub controls each check serves.

import awsSecurityHub from './aws-securityhub.json' with { type: 'json' };
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
