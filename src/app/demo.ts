// The demo: scans the bundled sample archive and checks what was found against the archive's own ground truth.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GroundTruth } from '../generate/index.ts';
import type { Alert } from '../model/index.ts';
import { runScan } from './scan.ts';
import type { ScanOptions, ScanResult } from './scan.ts';

/** Which built-in rule stands for each intent the generator writes in its ground truth. */
export const INTENT_RULES: Readonly<Record<string, string>> = {
  'console-login-no-mfa': 'mfaguard-console-sign-in-without-mfa',
  'deactivate-mfa': 'mfaguard-iam-mfa-device-deactivated',
  'deactivate-mfa-attempt': 'mfaguard-iam-mfa-deactivation-refused',
  'delete-virtual-mfa': 'mfaguard-iam-virtual-mfa-device-deleted',
  'mfa-registration-temporary-creds': 'mfaguard-iam-mfa-registered-with-temporary-credentials',
  'root-console-login': 'mfaguard-root-console-sign-in',
  'root-mfa-removed': 'mfaguard-root-mfa-removed',
};

export interface GroundTruthCheck {
  readonly expected: number;
  readonly found: number;
  readonly missing: readonly string[];
  /** Built-in alerts the ground truth does not list. */
  readonly unexpected: readonly string[];
  readonly triageExpected: number;
  readonly triageMatched: number;
  readonly triageMismatches: readonly string[];
}

export function demoSamplePaths(): { archive: string; groundTruth: string } {
  const root = new URL('../../samples/demo/', import.meta.url);
  return {
    archive: fileURLToPath(new URL('AWSLogs/', root)),
    groundTruth: fileURLToPath(new URL('ground-truth.json', root)),
  };
}

/** Compares built-in alerts and triage with what the generator says a correct scanner reports. */
export function checkGroundTruth(alerts: readonly Alert[], truth: GroundTruth): GroundTruthCheck {
  const builtin = alerts.filter(
    (alert) => alert.rule.format === 'builtin' && alert.rule.id !== 'mfaguard-mfa-removal-burst',
  );
  const have = new Set(builtin.map((alert) => `${alert.rule.id}:${alert.event.id}`));
  const wanted = new Set<string>();
  const missing: string[] = [];
  let triageExpected = 0;
  let triageMatched = 0;
  const triageMismatches: string[] = [];
  for (const scenario of truth.scenarios) {
    for (const expect of scenario.expect) {
      const key = `${INTENT_RULES[expect.intent] ?? expect.intent}:${expect.eventId}`;
      wanted.add(key);
      if (!have.has(key))
        missing.push(`${scenario.id}: ${expect.intent} on ${expect.eventName} ${expect.eventId}`);
    }
    const triage = scenario.triage;
    if (triage?.classification !== undefined && triage.removalEventId !== undefined) {
      triageExpected++;
      const alert = builtin.find(
        (candidate) => candidate.event.id === triage.removalEventId && candidate.classification !== undefined,
      );
      const windowOk =
        triage.vulnerabilityWindowSeconds === undefined ||
        alert?.vulnerabilityWindowSeconds === triage.vulnerabilityWindowSeconds;
      if (alert?.classification === triage.classification && windowOk) triageMatched++;
      else
        triageMismatches.push(
          `${scenario.id}: expected ${triage.classification}, got ${alert?.classification ?? 'no alert'}`,
        );
    }
  }
  const unexpected = [...have].filter((key) => !wanted.has(key));
  return {
    expected: wanted.size,
    found: wanted.size - missing.length,
    missing,
    unexpected,
    triageExpected,
    triageMatched,
    triageMismatches,
  };
}

export async function runDemo(
  options: Omit<ScanOptions, 'inputs'> = {},
): Promise<{ result: ScanResult; check: GroundTruthCheck }> {
  const paths = demoSamplePaths();
  const truth = JSON.parse(readFileSync(paths.groundTruth, 'utf8')) as GroundTruth;
  const result = await runScan({ ...options, inputs: [paths.archive] });
  return { result, check: checkGroundTruth(result.alerts, truth) };
}
