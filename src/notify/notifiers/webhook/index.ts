// The webhook notifier: signed JSON over HTTP(S) (X-Mfaguard-Signature), for SOAR and ticketing receivers.

import { defineNotifier } from '../../definition.ts';
import { WEBHOOK_CONFIG, WEBHOOK_SETTINGS, adviseWebhook } from './config-schema.ts';
import { createWebhookNotifier } from './webhook.ts';

export const WEBHOOK_NOTIFIER = defineNotifier({
  kind: 'webhook',
  label: 'signed HTTP webhook',
  settings: WEBHOOK_SETTINGS,
  config: WEBHOOK_CONFIG,
  advise: adviseWebhook,
  create: createWebhookNotifier,
});
