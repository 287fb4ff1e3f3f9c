// Runs checks over a snapshot: missing inputs become NOT_APPLICABLE, failed collection and thrown errors become ERROR.

import type { Finding } from '../../model/index.ts';
import type { AccountSnapshot, SnapshotPartName } from '../collect/snapshot.ts';
import { controlsFor } from '../frameworks/controls.ts';
import type { Check, CheckContext, FindingDraft } from './check.ts';
import { accountResource } from './check.ts';

const FLAG_FOR: Readonly<Record<SnapshotPartName, string>> = {
  credentialReport: '--credential-report',
  mfaDevices: '--mfa-devices',
  virtualMfaDevices: '--virtual-mfa-devices',
  authorization: '--authorization-details',
  accountSummary: '--account-summary',
  passwordPolicy: '--password-policy',
  rootAccess: '--account-summary',
  scps: '--org',
};

function gate(check: Check, snapshot: AccountSnapshot): FindingDraft | null {
  const resource = accountResource(snapshot);
  if (snapshot.unreachable !== null) {
    return {
      status: 'ERROR',
      resource,
      message: `Account ${snapshot.accountId ?? 'unknown'} could not be audited: ${snapshot.unreachable}`,
      evidence: { reason: snapshot.unreachable },
    };
  }
  for (const name of check.requires) {
    const part = snapshot[name];
    if (part.state === 'failed') {
      return {
        status: 'ERROR',
        resource,
        message: `Could not collect ${name} for account ${snapshot.accountId ?? 'unknown'} (${part.location}): ${part.reason}`,
        evidence: { input: name, reason: part.reason },
      };
    }
  }
  const missing = check.requires.filter((name) => snapshot[name].state === 'not-collected');
  if (missing.length > 0) {
    return {
      status: 'NOT_APPLICABLE',
      resource,
      message: `Not evaluated for account ${snapshot.accountId ?? 'unknown'}: no ${missing.join(' or ')} was given (${[...new Set(missing.map((m) => FLAG_FOR[m]))].join(', ')}).`,
      evidence: { missingInputs: missing },
    };
  }
  return null;
}

/** Runs every check in `checks` (registry order) on one snapshot. Never throws for a check's sake. */
export function runChecks(
  checks: Readonly<Record<string, Check>>,
  snapshot: AccountSnapshot,
  ctx: CheckContext,
): Finding[] {
  const findings: Finding[] = [];
  for (const check of Object.values(checks)) {
    const controls = controlsFor(check.id);
    const finish = (draft: FindingDraft): Finding => ({
      checkId: check.id,
      status: draft.status,
      severity: draft.severity ?? check.severity,
      resource: draft.resource,
      controls,
      message: draft.message,
      remediation: check.remediation,
      remediationUrl: check.remediationUrl,
      ...(draft.evidence === undefined ? {} : { evidence: draft.evidence }),
    });
    const blocked = gate(check, snapshot);
    if (blocked !== null) {
      findings.push(finish(blocked));
      continue;
    }
    try {
      findings.push(...check.run(snapshot, ctx).map(finish));
    } catch (error) {
      // cdk-nag's lesson: a check that throws is an error result, never a silent pass.
      const reason = error instanceof Error ? error.message : String(error);
      findings.push(
        finish({
          status: 'ERROR',
          resource: accountResource(snapshot),
          message: `Check ${check.id} failed on account ${snapshot.accountId ?? 'unknown'}: ${reason}`,
          evidence: { reason },
        }),
      );
    }
  }
  return findings;
}
