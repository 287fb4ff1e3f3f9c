// The generic webhook: the notification as signed JSON, for SOAR platforms and in-house receivers.

import type { WebhookNotifierConfig } from './config-schema.ts';
import type { NotifierDeps } from '../../deps.ts';
import { DEFAULT_USER_AGENT, fetchOf, readSecret } from '../../deps.ts';
import { post, redactUrl, resultFromStatus } from '../../http.ts';
import { notificationPayload, toSafeJson } from '../../message.ts';
import type { Notifier } from '../../notification.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhookBody } from './signature.ts';

export function createWebhookNotifier(config: WebhookNotifierConfig, deps: NotifierDeps): Notifier {
  const secret = readSecret(deps, config.secretEnv, config.id);
  const label = `webhook '${config.id}' at ${redactUrl(config.url)}`;
  const doFetch = fetchOf(deps);
  return {
    id: config.id,
    kind: 'webhook',
    async send(n, signal) {
      // The data goes as it is (receivers are programs that escape for their own sinks); the JSON text itself
      // is made inert for HTML and terminals so a careless log viewer cannot be attacked through it.
      const body = toSafeJson(notificationPayload(n, config.verificationLinks));
      const nowMs = deps.now();
      const timestamp = Math.floor(nowMs / 1000);
      const outcome = await post({
        url: config.url,
        body,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': deps.userAgent ?? DEFAULT_USER_AGENT,
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhookBody(body, timestamp, secret),
          'X-Mfaguard-Delivery': n.dedupeKey.replace(/[^\x21-\x7e]/g, '_').slice(0, 200),
          'X-Mfaguard-Event': n.kind,
        },
        timeoutMs: config.timeoutMs,
        signal,
        label,
        fetch: doFetch,
        nowMs,
      });
      if ('failure' in outcome) return outcome.failure;
      return resultFromStatus(outcome.response, label, nowMs, `HTTP ${outcome.response.status}`);
    },
  };
}
