// Sends ASFF findings to Security Hub with BatchImportFindings: batches of 100, retries on throttling, failed findings reported.

import type { AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { awsErrorName, awsErrorText } from '../collect/live.ts';
import type { Sleep } from '../collect/live.ts';

// The SDK client loads when findings are sent: a module-level import made every command that shares a module
// with posture (`scan` among them) pay for it at start-up.
const securityHubSdk = () => import('@aws-sdk/client-securityhub');

/** BatchImportFindings API reference: at most 100 findings per request, each at most 240 KB. */
export const BATCH_IMPORT_LIMIT = 100;
export const FINDING_MAX_BYTES = 240 * 1024;

export interface FailedFinding {
  readonly id: string;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface ImportResult {
  /** Findings sent in requests Security Hub answered. */
  readonly sent: number;
  readonly imported: number;
  /** Refused by Security Hub (FailedFindings) or, for size, before sending. */
  readonly failed: readonly FailedFinding[];
  readonly requests: number;
  /** Set when an error no retry fixed stopped the import; the findings after it were not sent. */
  readonly stopped: { readonly reason: string; readonly notSent: number } | null;
}

export interface ImportOptions {
  readonly sleep: Sleep;
  /** Tries per batch when Security Hub throttles or fails on its side (default 5). */
  readonly maxAttempts?: number;
  /** First wait in ms, doubled per retry (default 1000). */
  readonly initialDelayMs?: number;
}

/** Security Hub's throttling and server-side errors: worth a wait and another try. */
const RETRYABLE = new Set([
  'LimitExceededException',
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'InternalException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

function retryable(error: unknown): boolean {
  if (RETRYABLE.has(awsErrorName(error))) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  // No HTTP response at all (connection reset, DNS, timeout): the request may not have arrived.
  return (
    error instanceof Error &&
    /ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|TimeoutError/i.test(`${error.name} ${error.message}`)
  );
}

/**
 * Imports the findings in batches of 100, in order. A batch that Security Hub throttles (or fails on its
 * side) is retried with a doubling wait; the SDK retries too, but below `send`, where a throttled burst
 * across batches is not visible. Findings Security Hub refuses come back in FailedFindings and are
 * reported one by one with Security Hub's own error code; a finding over 240 KB is refused here, before
 * sending. An error that no retry fixes (Security Hub not enabled, access denied, retries used up) stops
 * the import; what was imported before it is still reported.
 */
export async function importFindings(
  client: SecurityHubClient,
  findings: readonly AwsSecurityFinding[],
  options: ImportOptions,
): Promise<ImportResult> {
  const maxAttempts = options.maxAttempts ?? 5;
  const { BatchImportFindingsCommand } = await securityHubSdk();
  const failed: FailedFinding[] = [];
  const sendable: AwsSecurityFinding[] = [];
  for (const finding of findings) {
    const bytes = Buffer.byteLength(JSON.stringify(finding));
    if (bytes > FINDING_MAX_BYTES)
      failed.push({
        id: finding.Id ?? '(no Id)',
        errorCode: 'FindingTooLarge',
        errorMessage: `${bytes} bytes; Security Hub takes at most ${FINDING_MAX_BYTES}`,
      });
    else sendable.push(finding);
  }
  let imported = 0;
  let requests = 0;
  let sent = 0;
  for (let start = 0; start < sendable.length; start += BATCH_IMPORT_LIMIT) {
    const batch = sendable.slice(start, start + BATCH_IMPORT_LIMIT);
    let delay = options.initialDelayMs ?? 1_000;
    for (let attempt = 1; ; attempt += 1) {
      requests += 1;
      try {
        const answer = await client.send(new BatchImportFindingsCommand({ Findings: batch }));
        sent += batch.length;
        imported += answer.SuccessCount ?? batch.length - (answer.FailedFindings?.length ?? 0);
        for (const f of answer.FailedFindings ?? [])
          failed.push({
            id: f.Id ?? '(no Id)',
            errorCode: f.ErrorCode ?? 'Unknown',
            errorMessage: f.ErrorMessage ?? '',
          });
        break;
      } catch (error) {
        if (!retryable(error) || attempt >= maxAttempts) {
          const tries = attempt > 1 ? ` after ${attempt} tries` : '';
          return {
            sent,
            imported,
            failed,
            requests,
            stopped: {
              reason: `BatchImportFindings failed${tries} for findings ${start + 1}-${start + batch.length} of ${sendable.length}: ${awsErrorText(error)}`,
              notSent: sendable.length - start,
            },
          };
        }
        await options.sleep(delay);
        delay *= 2;
      }
    }
  }
  return { sent, imported, failed, requests, stopped: null };
}
