// What triage needs to know about the organisation: windows, people, hours and approved changes. Plain data, validated in app/.

export interface WorkingHours {
  /** IANA time zone, e.g. `Europe/Paris`. */
  readonly timeZone: string;
  /** ISO weekdays that are working days: 1 = Monday ... 7 = Sunday. */
  readonly days: readonly number[];
  /** Minutes after midnight, local time: [start, end). */
  readonly startMinute: number;
  readonly endMinute: number;
}

export interface Approval {
  /** Change ticket, e.g. CHG-123. */
  readonly ticket: string;
  /** Target IAM user name whose MFA may be removed. */
  readonly user: string;
  /** Only this actor (user name or ARN) may do it, when given. */
  readonly actor: string | null;
  /** Account id, when the approval is for one account only. */
  readonly account: string | null;
  readonly fromMs: number;
  readonly toMs: number;
  readonly approver: string | null;
}

export interface Owner {
  readonly email: string | null;
  readonly team: string | null;
}

export interface TriageConfig {
  /** A removal re-enrolled within this window can be a rotation; past it, unresolved. */
  readonly graceWindowMs: number;
  /** One actor removing MFA from at least `burstCount` users within `burstWindowMs` is a burst. */
  readonly burstCount: number;
  readonly burstWindowMs: number;
  /** How far before a removal reconnaissance and failed attempts count as precursors. */
  readonly precursorWindowMs: number;
  /** How far after a removal persistence steps count as follow-ups. */
  readonly followUpWindowMs: number;
  /** How far back the baseline of addresses and clients reaches. */
  readonly lookbackMs: number;
  readonly workingHours: WorkingHours | null;
  readonly privilegedUsers: ReadonlySet<string>;
  readonly breakGlassUsers: ReadonlySet<string>;
  /** Actors (user names or ARNs) who routinely manage other people's MFA. */
  readonly administrators: ReadonlySet<string>;
  readonly owners: ReadonlyMap<string, Owner>;
  readonly approvals: readonly Approval[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_TRIAGE_CONFIG: TriageConfig = {
  graceWindowMs: HOUR,
  burstCount: 5,
  burstWindowMs: 15 * MINUTE,
  precursorWindowMs: HOUR,
  followUpWindowMs: HOUR,
  lookbackMs: 30 * DAY,
  workingHours: null,
  privilegedUsers: new Set(),
  breakGlassUsers: new Set(),
  administrators: new Set(),
  owners: new Map(),
  approvals: [],
};
