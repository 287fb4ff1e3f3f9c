// The composition root: turns options into running pipelines. Only this folder knows every stage.

export { runScan } from './scan.ts';
export type { ScanOptions, ScanProgress, ScanResult, ScanStats } from './scan.ts';
export { loadRuleSet } from './rule-set.ts';
export type { LoadedRuleSet, RuleSelection } from './rule-set.ts';
export { DEFAULT_CONFIG, loadConfigFile, parseConfig, parseDuration } from './config.ts';
export type { MfaguardConfig } from './config.ts';
export { checkGroundTruth, demoSamplePaths, INTENT_RULES, runDemo } from './demo.ts';
export type { GroundTruthCheck } from './demo.ts';
