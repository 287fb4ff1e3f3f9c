// PagerDuty Events API v2: trigger an incident per case (dedup_key = case id), resolve it when the case is resolved.

import { forTerminal } from '../../../report/index.ts';
import type { Severity } from '../../../model/index.ts';
import type { PagerDutyNotifierConfig } from './config-schema.ts';
import type { NotifierDeps } from '../../deps.ts';
import { DEFAULT_USER_AGENT, fetchOf, readSecret } from '../../deps.ts';
import { post, redactUrl, resultFromStatus } from '../../http.ts';
import { fitEscaped, messageFacts, toSafeJson } from '../../message.ts';
import type { Notification, Notifier, SendResult } from '../../notification.ts';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** PagerDuty has four levels to our five; `low` joins `info` so that only medium and up can wake anyone. */
export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

const SUMMARY_MAX = 1024;
const FIELD_MAX = 1024;
const DEDUP_MAX = 255;

/** PagerDuty shows these as text in its web app, mobile push and emails: one line, controls made visible. */
function text(raw: string, max = FIELD_MAX): string {
  return fitEscaped(raw, forTerminal, max);
}

function optionalText(raw: string | null, max = FIELD_MAX): string | undefined {
  return raw === null || raw === '' ? undefined : text(raw, max);
}

export function buildPagerDutyEvent(
  n: Notification,
  config: PagerDutyNotifierConfig,
  routingKey: string,
): Record<string, unknown> {
  const dedupKey = (n.caseId ?? n.dedupeKey).slice(0, DEDUP_MAX);
  if (n.kind === 'case-resolved') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  }
  const facts = messageFacts(n, { verificationLinks: config.verificationLinks });
  const details: Record<string, unknown> = {
    kind: n.kind,
    case_id: optionalText(facts.caseId),
    severity: n.severity,
    classification: facts.classification,
    case_state: optionalText(facts.caseState),
    summary: optionalText(facts.summary),
    summary_written_at: optionalText(facts.writtenAt),
    target: optionalText(facts.target),
    actor: optionalText(facts.actor),
    source_ip: optionalText(facts.sourceIp),
    user_agent: optionalText(facts.userAgent),
    event: optionalText(facts.eventName),
    event_time: optionalText(facts.eventTime),
    region: optionalText(facts.region),
    reasons: facts.reasons.map((reason) => text(reason)),
    // dedup_key is the case (one incident per case); this names the message, so a repeat trigger is recognisable.
    notification_key: text(n.dedupeKey, 255),
  };
  const payload: Record<string, unknown> = {
    summary: text(`${facts.heading}: ${n.title}`, SUMMARY_MAX),
    source: text(facts.account === null ? config.source : `aws:${facts.account}`, 255),
    severity: PAGERDUTY_SEVERITY[n.severity],
    component: optionalText(facts.target, 255),
    group: optionalText(facts.account, 255),
    class: text(facts.rule ?? n.kind, 255),
    custom_details: Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)),
  };
  // PagerDuty rejects a malformed timestamp, so only a parseable one is passed on.
  if (facts.eventTime !== null && !Number.isNaN(Date.parse(facts.eventTime))) {
    payload['timestamp'] = new Date(Date.parse(facts.eventTime)).toISOString();
  }
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: 'mfaguard',
    ...(facts.links[0]?.role === 'case' ? { client_url: facts.links[0].url } : {}),
    payload: Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== undefined)),
    links: facts.links.map((link) => ({ href: link.url, text: link.label })),
  };
}

export function createPagerDutyNotifier(config: PagerDutyNotifierConfig, deps: NotifierDeps): Notifier {
  const routingKey = readSecret(deps, config.routingKeyEnv, config.id);
  const label = `pagerduty '${config.id}' at ${redactUrl(config.url)}`;
  const doFetch = fetchOf(deps);
  return {
    id: config.id,
    kind: 'pagerduty',
    async send(n, signal): Promise<SendResult> {
      if (n.kind === 'case-resolved' && n.caseId === null) {
        return {
          ok: false,
          retryable: false,
          error: `${label}: a case-resolved notification without a case id cannot resolve an incident`,
        };
      }
      const nowMs = deps.now();
      const outcome = await post({
        url: config.url,
        body: toSafeJson(buildPagerDutyEvent(n, config, routingKey)),
        headers: { 'content-type': 'application/json', 'user-agent': deps.userAgent ?? DEFAULT_USER_AGENT },
        timeoutMs: config.timeoutMs,
        signal,
        label,
        fetch: doFetch,
        nowMs,
      });
      if ('failure' in outcome) return outcome.failure;
      let detail = `HTTP ${outcome.response.status}`;
      try {
        const answer = JSON.parse(outcome.response.body) as { dedup_key?: unknown };
        if (typeof answer.dedup_key === 'string') detail += ` dedup_key=${text(answer.dedup_key, 255)}`;
      } catch {
        // The answer's body is informative only; the status decides.
      }
      // 202 accepted; 400 is a malformed event (will not get better), 429 is PagerDuty's rate limit.
      return resultFromStatus(outcome.response, label, nowMs, detail);
    },
  };
}
