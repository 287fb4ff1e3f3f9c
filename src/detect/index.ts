// Public face of detection: load rules (built-in, and any format in the registry), match events, build alerts, test rules against fixtures.

export { alertId, alertRule, alertTitle, buildAlert } from './alert.ts';
export type { AlertExtra } from './alert.ts';
export { createEngine } from './engine.ts';
export type { Engine, MatchResult, RuleEvaluationIssue } from './engine.ts';
export { EVENT_FIELDS } from './fields.ts';
export type { FieldSpec } from './fields.ts';
export { FIXTURE_KINDS, fixtureDirFor, runRuleFixtures } from './fixtures.ts';
export type { FixtureExpectation, FixtureOptions, FixtureReport, FixtureResult } from './fixtures.ts';
export { RULE_FORMATS } from './formats/index.ts';
export type { RuleFormatLoader } from './formats/index.ts';
export {
  RULE_FILE_EXTENSIONS,
  builtinRulesDir,
  loadBuiltinRules,
  loadRuleFile,
  loadRulePaths,
} from './load-rules.ts';
export { MATCH_OPERATORS, compileMatch } from './match.ts';
export {
  compileRecordNeedles,
  describeRulePrefilter,
  recordMatters,
  rulePrefilter,
} from './record-needles.ts';
export type { RecordNeedles, RulePrefilter } from './record-needles.ts';
export { estimatePrefilterCost } from './prefilter-cost.ts';
export type { PrefilterCost, PrefilterCostEstimate } from './prefilter-cost.ts';
export type { CompiledMatch, DocPath, MatchProblem } from './match.ts';
export { MITRE_TACTICS, checkMitreMapping } from './mitre.ts';
export { hasSeverityMapping, isExplainable } from './rule-extras.ts';
export type { ExplainableRule, SeverityAssessment, SeverityMappedRule } from './rule-extras.ts';
export {
  actorId,
  assignMembers,
  BURST_RULE,
  byTime,
  correlateRemovals,
  CREDENTIAL_LIST_CALLS,
  findBursts,
  incidentMembers,
  incidentReach,
  isCallerUser,
  isMfaRemoval,
  MFA_DEVICE_EVENTS,
  PRECURSOR_NAMES,
  resolveTarget,
  SESSION_PROBES,
  targetKey,
  targetUserName,
} from './correlate/index.ts';
export type {
  Burst,
  CorrelationWindows,
  RelatedFinding,
  RelatedKind,
  RemovalCorrelation,
} from './correlate/index.ts';
