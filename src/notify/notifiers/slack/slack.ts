// Slack incoming webhook: a Block Kit message per notification.

import type { SlackNotifierConfig } from './config-schema.ts';
import type { NotifierDeps } from '../../deps.ts';
import { DEFAULT_USER_AGENT, fetchOf, readSecret } from '../../deps.ts';
import { post, redactUrl, resultFromStatus } from '../../http.ts';
import { messageFacts, toSafeJson } from '../../message.ts';
import type { Notifier } from '../../notification.ts';
import { buildSlackMessage } from './blocks.ts';

export function createSlackNotifier(config: SlackNotifierConfig, deps: NotifierDeps): Notifier {
  const url = config.urlEnv === null ? (config.url ?? '') : readSecret(deps, config.urlEnv, config.id);
  // The path of a Slack webhook URL is the credential: errors name the host only.
  const label = `slack '${config.id}' at ${redactUrl(url)}`;
  const doFetch = fetchOf(deps);
  return {
    id: config.id,
    kind: 'slack',
    async send(n, signal) {
      const message = {
        ...buildSlackMessage(messageFacts(n, { verificationLinks: config.verificationLinks })),
        // Slack has no idempotency key for incoming webhooks and does not drop repeats; the message metadata
        // carries the notification's stable key so a reader (or an app on the channel) can tell a repeat.
        metadata: {
          event_type: 'mfaguard_notification',
          event_payload: { notification_key: n.dedupeKey, kind: n.kind, case_id: n.caseId ?? '' },
        },
      };
      const nowMs = deps.now();
      const outcome = await post({
        url,
        body: toSafeJson(message),
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': deps.userAgent ?? DEFAULT_USER_AGENT,
        },
        timeoutMs: config.timeoutMs,
        signal,
        label,
        fetch: doFetch,
        nowMs,
      });
      if ('failure' in outcome) return outcome.failure;
      // Slack answers 429 with Retry-After when the channel is rate limited; resultFromStatus carries it.
      return resultFromStatus(outcome.response, label, nowMs, `HTTP ${outcome.response.status}`);
    },
  };
}
