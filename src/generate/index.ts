// Deterministic generator of realistic CloudTrail archives (S3 layout) with ground truth, for the demo, tests and benchmark.

export { GENERATOR_ID, generateArchive } from './archive.ts';
export type { DuplicateDelivery, GenerateOptions, GroundTruth, ScenarioTruth } from './archive.ts';
export { ALERT_INTENTS, HOSTILE_USER_AGENTS } from './scenarios.ts';
export type { AlertIntent, ExpectedAlert, ExpectedTriage, ScenarioKind } from './scenarios.ts';
export { DEMO_SAMPLE_OPTIONS } from './demo-sample.ts';
export { DEFAULT_MIX, EPISODE_KINDS, generateEpisodeMix } from './episodes.ts';
export type { Episode, EpisodeKind, EpisodeMix, EpisodeMixOptions } from './episodes.ts';
