// Notifications: the one Notifier interface, the notifier registry (one folder + one line each), routing by severity/classification/kind, retry policy, config.

export { DEFAULT_PAGERDUTY_URL, DEFAULT_TIMEOUT_MS, parseNotifyConfig } from './config.ts';
export type {
  EmailNotifierConfig,
  Environment,
  NotifierConfig,
  NotifyConfig,
  PagerDutyNotifierConfig,
  Route,
  SlackNotifierConfig,
  SnsNotifierConfig,
  StartTls,
  WebhookNotifierConfig,
} from './config.ts';
export { DEFAULT_USER_AGENT } from './deps.ts';
export type { NotifierDeps } from './deps.ts';
export type { FetchLike } from './http.ts';
export { PAYLOAD_VERSION, kindLabel, messageFacts, notificationPayload, safeLink } from './message.ts';
export type { MessageFacts, MessageLink, NotificationPayload } from './message.ts';
export {
  NOTIFICATION_KINDS,
  NOTIFY_CLASSIFICATIONS,
  caseAtSend,
  isNotificationKind,
  parseStoredNotification,
} from './notification.ts';
export type { Notification, NotificationKind, Notifier, SendFailure, SendResult } from './notification.ts';
export { composeEmail } from './notifiers/email/compose.ts';
export { PAGERDUTY_SEVERITY, buildPagerDutyEvent } from './notifiers/pagerduty/pagerduty.ts';
export { buildSlackMessage } from './notifiers/slack/blocks.ts';
export { buildPublishInput } from './notifiers/sns/sns.ts';
export {
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhookBody,
  verifyWebhookSignature,
} from './notifiers/webhook/signature.ts';
export type { HeaderBag, VerifyResult } from './notifiers/webhook/signature.ts';
export { NOTIFIERS, NOTIFIER_KINDS, createNotifier, createNotifiers, isNotifierKind } from './registry.ts';
export type { NotifierFactory, NotifierKind } from './registry.ts';
export type { NotifierDefinition } from './definition.ts';
export { DEFAULT_RETRY_POLICY, nextAttempt } from './retry.ts';
export type { NextAttempt, RetryPolicy } from './retry.ts';
export { routeMatches, routeNotification } from './route.ts';
export { NOTIFY_SECTION_SCHEMA } from './config-schemas.ts';
