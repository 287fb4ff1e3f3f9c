// Lists and reads CloudTrail objects under an `s3://bucket/prefix` through the AWS SDK v3.

import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-providers';
import type { InputIssue } from '../../../model/index.ts';
import { echo, isDigestLocation } from '../../decode/index.ts';
import type { InputEntry, Listed } from '../entry.ts';
import { isTakenFileName } from '../file/file-source.ts';

export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

// Bucket names: 3-63 of lower-case letters, digits, dots and hyphens (legacy buckets may hold upper case and _).
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;

/** Parses `s3://bucket/prefix`; undefined when the spec is not a usable S3 URL. */
export function parseS3Url(spec: string): S3Location | undefined {
  if (!spec.startsWith('s3://')) return undefined;
  const rest = spec.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1);
  return BUCKET.test(bucket) ? { bucket, prefix } : undefined;
}

export interface S3ClientOptions {
  readonly profile?: string;
  readonly region?: string;
}

/** An S3 client on the standard credential chain, or on the named profile of ~/.aws/config and credentials. */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const config: S3ClientConfig = {
    // Checksums only where S3 requires them: emulators such as s3rver reject the newer defaults, AWS accepts both.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A trail bucket often lives in another region than the one configured.
    followRegionRedirects: true,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined
      ? {}
      : { profile: options.profile, credentials: fromIni({ profile: options.profile }) }),
  };
  return new S3Client(config);
}

/**
 * How a listing treats a folder-like prefix (ending in `/`): not listed at all, listed one level at a time (so that
 * the level below can be judged in turn), or listed whole. See `judgePrefix` in the scan's filter.
 */
export type PrefixVerdict = 'skip' | 'descend' | 'whole';

/**
 * Lists the objects under an S3 prefix in key order; digests are skipped with one note, errors become issues. With
 * `narrow`, folders are listed one level at a time (`Delimiter: '/'`) and each is judged before it is listed, so a
 * filter on dates, accounts or regions lists only the days it keeps instead of paging through the whole trail.
 */
export async function* listS3(
  spec: string,
  client: S3Client,
  signal?: AbortSignal,
  narrow?: (prefix: string) => PrefixVerdict,
): AsyncGenerator<Listed, void, undefined> {
  const where = parseS3Url(spec);
  if (where === undefined) {
    yield {
      kind: 'issue',
      issue: {
        level: 'error',
        code: 'bad-spec',
        location: echo(spec),
        message: 'expected s3://bucket/prefix with a valid bucket name',
        hint: 'for example s3://my-trail-bucket/AWSLogs/123456789012/CloudTrail/',
      },
    };
    return;
  }
  const { bucket, prefix } = where;
  const listed = `s3://${bucket}/${prefix}`;
  const counts = { found: 0, digests: 0, failed: false };
  const start: PrefixVerdict =
    narrow === undefined || (prefix !== '' && !prefix.endsWith('/')) ? 'whole' : narrow(prefix);
  if (start !== 'skip') {
    yield* listLevel(client, bucket, prefix, start === 'descend' ? narrow : undefined, counts, signal);
    if (counts.failed) return;
  }
  if (counts.digests > 0) {
    yield {
      kind: 'issue',
      issue: {
        level: 'note',
        code: 'digest-skipped',
        location: listed,
        message: `${counts.digests} CloudTrail digest files (integrity hashes, no events): skipped`,
      },
    };
  }
  if (counts.found === 0 && start !== 'skip') {
    yield {
      kind: 'issue',
      issue: {
        level: 'warning',
        code: 'no-input-files',
        location: listed,
        message:
          narrow === undefined
            ? 'no CloudTrail objects under this prefix'
            : 'no CloudTrail objects under this prefix within the filter',
        hint: 'check the prefix: trails write to s3://BUCKET/[PREFIX/]AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/',
      },
    };
  }
}

/** One prefix's objects (all of them, or one level with `narrow` judging each folder below), pages in key order. */
async function* listLevel(
  client: S3Client,
  bucket: string,
  prefix: string,
  narrow: ((prefix: string) => PrefixVerdict) | undefined,
  counts: { found: number; digests: number; failed: boolean },
  signal: AbortSignal | undefined,
): AsyncGenerator<Listed, void, undefined> {
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          ...(prefix === '' ? {} : { Prefix: prefix }),
          ...(narrow === undefined ? {} : { Delimiter: '/' }),
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
    } catch (error) {
      counts.failed = true;
      yield { kind: 'issue', issue: s3Issue(`s3://${bucket}/${prefix}`, error, 'list') };
      return;
    }
    // Keys and folders of one page, merged back into key order.
    const items: { readonly key: string; readonly folder: boolean; readonly size: number | undefined }[] = [
      ...(page.Contents ?? []).flatMap((object) =>
        object.Key === undefined ? [] : [{ key: object.Key, folder: false, size: object.Size }],
      ),
      ...(page.CommonPrefixes ?? []).flatMap((common) =>
        common.Prefix === undefined ? [] : [{ key: common.Prefix, folder: true, size: undefined }],
      ),
    ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const item of items) {
      if (item.folder) {
        const verdict = narrow?.(item.key) ?? 'whole';
        if (verdict === 'skip') continue;
        yield* listLevel(
          client,
          bucket,
          item.key,
          verdict === 'descend' ? narrow : undefined,
          counts,
          signal,
        );
        if (counts.failed) return;
        continue;
      }
      const key = item.key;
      if (key.endsWith('/')) continue;
      if (isDigestLocation(key)) {
        counts.digests += 1;
        continue;
      }
      // A prefix that is exactly one key is read whatever its name, like a file named on the command line.
      if (key !== prefix && !isTakenFileName(key.slice(key.lastIndexOf('/') + 1))) continue;
      counts.found += 1;
      yield { kind: 'entry', entry: objectEntry(client, bucket, key, item.size) };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

function objectEntry(client: S3Client, bucket: string, key: string, size: number | undefined): InputEntry {
  const location = `s3://${bucket}/${key}`;
  const get = async (signal?: AbortSignal) => {
    const out = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    if (out.Body === undefined) throw new Error('S3 returned no body');
    return out.Body;
  };
  return {
    location,
    size,
    readWhole: async (signal) => (await get(signal)).transformToByteArray(),
    async openStream(signal) {
      const body: unknown = await get(signal);
      // In Node the body is a Readable, which is an async iterable of Buffers.
      if (typeof body === 'object' && body !== null && Symbol.asyncIterator in body) {
        return body as AsyncIterable<Uint8Array>;
      }
      throw new Error('S3 body is not a stream');
    },
    describeError: (error) => s3Issue(location, error, 'get'),
  };
}

const HINTS: Record<string, string> = {
  AccessDenied:
    'the credentials need s3:ListBucket on the bucket and s3:GetObject on the keys (and kms:Decrypt for SSE-KMS trails)',
  AllAccessDisabled: 'the bucket has all access disabled; ask its owner',
  InvalidAccessKeyId: 'the access key is unknown to S3: check the profile or AWS_ACCESS_KEY_ID',
  SignatureDoesNotMatch:
    'the secret key does not match the access key: check the profile or AWS_SECRET_ACCESS_KEY',
  ExpiredToken: 'the session has expired: sign in again (aws sso login, or refresh the credentials)',
  NoSuchBucket: 'check the bucket name in the s3:// URL',
  NoSuchKey: 'the object was deleted after listing; run again',
  PermanentRedirect: 'the bucket is in another region: pass --region',
  CredentialsProviderError:
    'no AWS credentials found: set AWS_PROFILE, pass --profile, or configure credentials',
};

/** An S3 failure as an issue naming the bucket/key, the S3 error and what to do about it. */
export function s3Issue(location: string, error: unknown, operation: 'list' | 'get'): InputIssue {
  const name = error instanceof Error ? error.name : 'Error';
  const raw = error instanceof Error ? error.message : String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  const detail = raw !== '' && raw !== name && raw !== 'UnknownError' ? `: ${echo(raw)}` : '';
  const hint =
    HINTS[name] ??
    (/region is missing/i.test(raw)
      ? 'no AWS region configured: pass --region or set AWS_REGION'
      : name === 'AbortError'
        ? 'the scan was stopped'
        : 'check the network, the credentials and the bucket, then run again');
  return {
    level: 'error',
    code: 's3-error',
    location,
    message: `S3 ${operation === 'list' ? 'listing' : 'read'} failed: ${echo(name, 40)}${status === undefined ? '' : ` (HTTP ${status})`}${detail}`,
    hint,
  };
}
