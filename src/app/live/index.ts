// The live service's public face: the core behind `mfaguard serve`, its outbox worker and its metrics.

export type {
  IngestOutcome,
  LiveService,
  RecordOrigin,
  VerificationLinkState,
  VerificationResponse,
} from './contract.ts';
export { createLiveService } from './live-service.ts';
export type { LiveCore, LiveLogEntry, LiveServiceDeps } from './live-service.ts';
export { LIVE_COUNTERS, createLiveMetrics } from './metrics.ts';
export type { LiveCounter, LiveMetrics } from './metrics.ts';
export { DEFAULT_LANE_CONCURRENCY, ROUTED_CHANNEL, createOutboxWorker } from './outbox-worker.ts';
export type { LaneSettings, OutboxRunResult, OutboxWorker, OutboxWorkerOptions } from './outbox-worker.ts';
export { deliveryKey, queueNotification } from './notifications.ts';
export type { NotificationContext } from './notifications.ts';
export {
  responseAnnouncer,
  responseDedupeKey,
  responseMessage,
  responseNotification,
} from './response-notifications.ts';
export { runScheduledJob } from './scheduled-job.ts';
export type { ScheduledJobOptions, ScheduledJobResult } from './scheduled-job.ts';
