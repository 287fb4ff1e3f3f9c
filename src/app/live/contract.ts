// The contract between the live service's core (pipeline, cases, verification, outbox) and its shells (HTTP API, sources, Lambda).

import type { VerificationLinkState } from '../../cases/index.ts';
import type { Alert, InputIssue } from '../../model/index.ts';

export type { VerificationLinkState };

/** Where a batch of records came from: for dead letters, logs and metrics. */
export interface RecordOrigin {
  /** `eventbridge`, `sqs`, `s3-poll`, `lookup-events`, `lambda`, `cli`. */
  readonly source: string;
  /** Request id, SQS message id, `s3://bucket/key`... */
  readonly location: string;
}

export interface IngestOutcome {
  /** Records received. */
  readonly received: number;
  /** Events stored for the first time (new eventIDs). */
  readonly stored: number;
  /** Events already seen (another trail, a retry, a restart). */
  readonly duplicates: number;
  /** Events not in the MFA-relevant slice: scanned by the rules, not stored. */
  readonly ignored: number;
  /** Records that could not be read: each dead-lettered with its raw bytes and this reason. */
  readonly rejected: readonly InputIssue[];
  /** Alerts raised for the first time by this batch (idempotent by rule and eventID). */
  readonly alerts: readonly Alert[];
  /**
   * Cases opened or changed by this batch, with those changed by the re-triage it waited for (shared with the
   * batches that arrived with it: see retriage-queue.ts).
   */
  readonly caseIds: readonly string[];
}

export type VerificationResponse =
  | {
      readonly ok: true;
      readonly caseId: string;
      readonly answer: 'confirmed' | 'denied';
      readonly classification: 'verified' | 'unauthorized';
    }
  | { readonly ok: false; readonly reason: 'unknown' | 'used' | 'expired' | 'forged' }
  /** A "yes" on a case already closed: nothing changes, and the owner is told who closed it and when. */
  | {
      readonly ok: false;
      readonly reason: 'closed';
      readonly caseId: string;
      readonly closedBy: string;
      readonly closedAt: number;
    };

/**
 * The live service's core. Every method is safe to call from several processes sharing one store:
 * events are deduplicated by eventID, alerts by (rule, eventID), and work is claimed in the store.
 */
export interface LiveService {
  /**
   * Normalises, deduplicates, detects, correlates and triages a batch of raw CloudTrail records (or EventBridge events),
   * stores what matters and opens or updates cases, queuing notifications in the same transactions.
   * Resolves only once everything is durably stored (or dead-lettered): a source may acknowledge then.
   */
  ingestRecords(records: readonly unknown[], origin: RecordOrigin): Promise<IngestOutcome>;
  /** Decodes raw bytes (an S3 object, an SQS body) with the scan's decoders, then ingests. */
  ingestBytes(data: Uint8Array, origin: RecordOrigin): Promise<IngestOutcome>;
  /**
   * The owner's answer through a signed link; single use, expiring, unforgeable. The answer is inside the signed
   * token; `answer`, when given (e.g. from a form button), must agree with it or the link counts as forged.
   */
  answerVerification(token: string, answer?: 'confirmed' | 'denied'): Promise<VerificationResponse>;
  /**
   * What answering through the link would do now (refused and why, or which case and whether it is closed, by whom and
   * when), found with reads only: the page a GET of the link shows. Changes nothing, however often it is called.
   */
  inspectVerification(token: string): Promise<VerificationLinkState>;
  /** Periodic work: escalate unanswered verifications, close resolved rotations, re-triage open removals. */
  tick(): Promise<void>;
}
