// The store's part in scheduled jobs (escalation ticks, posture audits): a named lease, so one worker runs each at a time.

export interface JobLeaseInput {
  /** The job, e.g. `tick`. */
  readonly name: string;
  /** Unique per process. */
  readonly workerId: string;
  /** How long the lease holds without being renewed: a crashed holder is replaced after this. */
  readonly leaseMs: number;
  readonly nowMs: number;
}

export interface JobLease {
  readonly name: string;
  readonly holder: string;
  readonly until: number;
  /** Bumped each time the lease changes hands: a holder can tell it was replaced meanwhile. */
  readonly generation: number;
}

export interface JobLeasesTx {
  /**
   * True when this worker holds the lease now: it was free, had run out, or was already this worker's (then it is
   * renewed to `nowMs + leaseMs`). Two workers asking at once never both get it.
   */
  acquireJobLease(input: JobLeaseInput): Promise<boolean>;
  /** Lets another worker take the job at once (a graceful stop); false when this worker did not hold it. */
  releaseJobLease(name: string, workerId: string): Promise<boolean>;
  /** Who holds the job's lease, or null when nobody ever took it. */
  getJobLease(name: string): Promise<JobLease | null>;
}
