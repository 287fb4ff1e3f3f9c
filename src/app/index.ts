// The composition root: turns options into running pipelines. Only this folder knows every stage.

export { runScan, scanArchive } from './scan.ts';
export type { ScannedArchive, ScanOptions, ScanProgress, ScanResult, ScanStats } from './scan.ts';
export { loadRuleSet } from './rule-set.ts';
export { parseScanFilter, parseTimeOption } from './scan-filter.ts';
export type { ScanFilter } from './scan-filter.ts';
export type { LoadedRuleSet, RuleSelection } from './rule-set.ts';
export {
  DEFAULT_CONFIG,
  DEFAULT_SERVE_CONFIG,
  loadConfigFile,
  parseConfig,
  parseDuration,
} from './config.ts';
export type { MfaguardConfig, ParseConfigOptions, ServeConfig, SignInConfig } from './config.ts';
export { DEFAULT_TREND_DAYS, loadKpiTrends, resolveTrendWindow } from './kpi-trends.ts';
export type { KpiTrendSources, KpiTrendWindow } from './kpi-trends.ts';
export { openHuntEngine, runHunt } from './hunt.ts';
export type { EngineSpec, HuntOptions, HuntQuery, HuntResult } from './hunt.ts';
// The Lambda handler: what it needs beyond this folder's light modules is imported on its first invocation.
export { createHandler, handler, lazyRuntime, runtimeFromEnv } from './lambda.ts';
export type { EventResult, HandlerDeps, LambdaResult, LambdaRuntime, SqsBatchResponse } from './lambda.ts';
export type {
  IngestOutcome,
  LiveService,
  RecordOrigin,
  VerificationLinkState,
  VerificationResponse,
} from './live/index.ts';
export { generateApiToken, hashApiToken } from './api-tokens.ts';
export { CONFIG_FILE_SCHEMA, CONFIG_SCHEMA } from './config-schema.ts';
export { checkGroundTruth, demoSamplePaths, INTENT_RULES, runDemo } from './demo.ts';
export type { GroundTruthCheck } from './demo.ts';
// The service is loaded on demand (service.ts): `scan` must not pay for the HTTP API, notifiers and SDK clients.
export { defaultStoreUrl, issueApiToken, openServiceStore, startLiveService } from './service.ts';
export type { DoorWiring, Environment, RunningService, ServeOptions, ServiceDoor } from './serve.ts';
export type { LiveLogEntry } from './live/index.ts';
export { buildResponder } from './respond.ts';
export type { ServeSourceSettings } from './serve-sources.ts';
