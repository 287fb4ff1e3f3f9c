// The alert as a plain object with one fixed key order, so JSON, NDJSON and golden files are stable.

import type { Alert } from '../model/index.ts';

/** Copies an alert into the documented key order; optional triage fields appear only when present. */
export function alertToJson(alert: Alert): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: alert.id,
    rule: ruleToJson(alert.rule),
    severity: alert.severity,
    riskScore: alert.riskScore,
    title: alert.title,
    event: {
      id: alert.event.id,
      name: alert.event.name,
      source: alert.event.source,
      time: alert.event.time,
      outcome: alert.event.outcome,
      errorCode: alert.event.errorCode,
      account: alert.event.account,
      region: alert.event.region,
      location: alert.event.location,
      index: alert.event.index,
    },
    actor: {
      arn: alert.actor.arn,
      type: alert.actor.type,
      userName: alert.actor.userName,
      accessKeyId: alert.actor.accessKeyId,
      accessKeyKind: alert.actor.accessKeyKind,
      sourceIp: alert.actor.sourceIp,
      userAgent: alert.actor.userAgent,
      mfaAuthenticated: alert.actor.mfaAuthenticated,
      consoleSession: alert.actor.consoleSession,
    },
    target: {
      userName: alert.target.userName,
      serialNumber: alert.target.serialNumber,
    },
  };
  if (alert.aggregate !== undefined) {
    out['aggregate'] = { summary: alert.aggregate.summary, eventIds: [...alert.aggregate.eventIds] };
  }
  if (alert.classification !== undefined) out['classification'] = alert.classification;
  if (alert.reasons !== undefined) {
    out['reasons'] = alert.reasons.map((r) => {
      const reason: Record<string, unknown> = { code: r.code, message: r.message };
      if (r.weight !== undefined) reason['weight'] = r.weight;
      return reason;
    });
  }
  if (alert.related !== undefined) {
    out['related'] = alert.related.map((r) => {
      const related: Record<string, unknown> = {
        eventId: r.eventId,
        name: r.name,
        time: r.time,
        actor: r.actor,
      };
      if (r.relation !== undefined) related['relation'] = r.relation;
      return related;
    });
  }
  if (alert.correlation !== undefined) {
    const correlation = alert.correlation;
    out['correlation'] = {
      kind: correlation.kind,
      ...(correlation.burstAlertId === undefined ? {} : { burstAlertId: correlation.burstAlertId }),
      ...(correlation.targets === undefined ? {} : { targets: [...correlation.targets] }),
      count: correlation.count,
      windowSeconds: correlation.windowSeconds,
    };
  }
  if (alert.vulnerabilityWindowSeconds !== undefined) {
    out['vulnerabilityWindowSeconds'] = alert.vulnerabilityWindowSeconds;
  }
  if (alert.incident !== undefined) {
    out['incident'] = { removalEventId: alert.incident.removalEventId, role: alert.incident.role };
  }
  if (alert.investigation !== undefined) out['investigation'] = sortKeys(alert.investigation);
  return out;
}

/** The `rule` block of an alert in the documented key order. */
export function ruleToJson(rule: Alert['rule']): Record<string, unknown> {
  return {
    id: rule.id,
    name: rule.name,
    format: rule.format,
    severity: rule.severity,
    riskScore: rule.riskScore,
    mitre: rule.mitre.map((m) => ({
      tactic: m.tactic === null ? null : ref(m.tactic),
      technique: ref(m.technique),
      subtechnique: m.subtechnique === null ? null : ref(m.subtechnique),
    })),
  };
}

/**
 * An alert on its way to a writer. Its severity is known at once; the object, or its JSON in `alertToJson`'s layout,
 * is made when the format asks for it: a scan can hand over the JSON of an alert it never turned back into an object.
 */
export interface PendingAlert {
  readonly severity: Alert['severity'];
  alert(): Alert;
  /** `JSON.stringify(alertToJson(alert()))`, or text equal to it. */
  json(): string;
}

/** An alert already whole as a `PendingAlert`. */
export function pendingAlert(alert: Alert): PendingAlert {
  return { severity: alert.severity, alert: () => alert, json: () => JSON.stringify(alertToJson(alert)) };
}

function ref(r: {
  readonly id: string;
  readonly name: string;
  readonly reference?: string;
}): Record<string, string> {
  const out: Record<string, string> = { id: r.id, name: r.name };
  if (r.reference !== undefined) out['reference'] = r.reference;
  return out;
}

/** Free-form objects get sorted keys, at every depth, so their order does not depend on who built them. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
