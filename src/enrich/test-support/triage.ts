// Runs triage over a list of events as scan does (the baseline from the same events), for triage's tests.

import assert from 'node:assert/strict';
import type { Alert, CloudTrailEvent } from '../../model/index.ts';
import { Baseline, BaselineBuilder } from '../baseline.ts';
import { triageAlerts } from '../triage.ts';
import type { TriageOptions } from '../triage.ts';
import { DEFAULT_TRIAGE_CONFIG } from '../triage-config.ts';
import type { TriageConfig } from '../triage-config.ts';
import { removalAlert } from './events.ts';

export const PARIS_HOURS: TriageConfig['workingHours'] = {
  timeZone: 'Europe/Paris',
  days: [1, 2, 3, 4, 5],
  startMinute: 8 * 60,
  endMinute: 19 * 60,
};

/** The alerts triage gives for `events`: every removal and device deletion alerted by the built-in rule. */
export function triage(
  events: readonly CloudTrailEvent[],
  overrides: Partial<TriageConfig> = {},
  coverageEndMs?: number,
  options: TriageOptions = {},
): Alert[] {
  const builder = new BaselineBuilder();
  for (const event of events) builder.observe(event);
  const alerts = events
    .filter((event) => event.name === 'DeactivateMFADevice' || event.name === 'DeleteVirtualMFADevice')
    .map((event) => removalAlert(event));
  return triageAlerts(
    {
      alerts,
      events,
      baseline: new Baseline(builder.data),
      config: { ...DEFAULT_TRIAGE_CONFIG, workingHours: PARIS_HOURS, ...overrides },
      coverageEndMs: coverageEndMs ?? Math.max(...events.map((event) => event.timeMs)),
      ecs: (event) => ({ 'event.action': event.name, 'user.name': event.actor.userName }),
      burstAlert: (first) => ({
        ...removalAlert(first, 80),
        id: `burst-${first.id}`,
        rule: { ...removalAlert(first).rule, id: 'mfaguard-mfa-removal-burst' },
      }),
    },
    options,
  );
}

/** The alert on the successful removal of `target`'s MFA (not the burst's). */
export function removalOf(alerts: readonly Alert[], target: string): Alert {
  const alert = alerts.find(
    (candidate) =>
      candidate.event.name === 'DeactivateMFADevice' &&
      candidate.event.outcome === 'success' &&
      candidate.target.userName === target &&
      candidate.rule.id !== 'mfaguard-mfa-removal-burst',
  );
  assert.ok(alert, `no removal alert for ${target}`);
  return alert;
}
