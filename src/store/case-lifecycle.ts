// The case lifecycle's table lives in model/case.ts (cases/ owns the lifecycle); the store enforces it.

export {
  AUTO_RESOLUTIONS,
  CASE_STATES,
  CASE_TRANSITIONS,
  canTransition,
  isCaseState,
} from '../model/index.ts';
export type { AutoResolution } from '../model/index.ts';
