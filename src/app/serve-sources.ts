// The live sources `serve` can run besides its HTTP endpoint: SQS queues, S3 prefixes to poll, CloudTrail LookupEvents.

import type { LiveLog, LiveSource } from '../ingest/index.ts';
import { loadLookupSource, loadS3PollSource, loadSqsSource, realSleep } from '../ingest/index.ts';
import { ExternalError, UsageError } from '../model/index.ts';
import type { Store } from '../store/index.ts';
import type { LiveLogEntry, LiveService } from './live/index.ts';

export interface ServeSourceSettings {
  /** SQS queue URLs carrying S3 notifications of new CloudTrail files or EventBridge events. */
  readonly sqsQueues?: readonly string[];
  /** How long a received message stays hidden from other workers (seconds; default 300); renewed while it is worked on. */
  readonly sqsVisibilityTimeoutSeconds?: number;
  /** `s3://bucket/prefix/AWSLogs/` to poll with a durable checkpoint. */
  readonly s3Prefixes?: readonly string[];
  /** Regions whose CloudTrail LookupEvents to poll (accounts with no trail at all). */
  readonly lookupRegions?: readonly string[];
  readonly region?: string;
  readonly profile?: string;
}

export interface SourceContext {
  readonly sink: LiveService;
  readonly store: Store;
  readonly clock: () => number;
  readonly workerId: string;
  readonly signal: AbortSignal;
  readonly log: (entry: LiveLogEntry) => void;
}

export interface StartedSource {
  readonly name: string;
  /** Resolves once the source has stopped (after the signal aborts and what it held is finished). */
  readonly done: Promise<void>;
}

function sourceLog(name: string, log: (entry: LiveLogEntry) => void): LiveLog {
  return (level, message, fields) => {
    if (level === 'debug') return;
    log({ level, msg: message, source: name, ...fields });
  };
}

/** The account the credentials reach: LookupEvents is per account, and it names the checkpoint. */
async function callerAccount(region: string, profile: string | undefined): Promise<string> {
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const { fromIni } = await import('@aws-sdk/credential-providers');
  const client = new STSClient({
    region,
    ...(profile === undefined ? {} : { credentials: fromIni({ profile }) }),
  });
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    if (identity.Account === undefined) throw new Error('no account in the answer');
    return identity.Account;
  } catch (error) {
    throw new ExternalError(
      'sts',
      `cannot tell which account the credentials reach: ${error instanceof Error ? error.message : String(error)}`,
      {
        retryable: true,
      },
    );
  } finally {
    client.destroy();
  }
}

/** Checks what the user gave before anything starts or any AWS call is made; UsageError naming the option. */
export function checkSourceSettings(settings: ServeSourceSettings): void {
  for (const queueUrl of settings.sqsQueues ?? []) {
    // Any http(s) URL: LocalStack and VPC endpoints have other host names than sqs.<region>.amazonaws.com.
    if (!/^https?:\/\/\S+$/.test(queueUrl)) {
      throw new UsageError(
        `--sqs-queue must be a queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/trail-events; got '${queueUrl.slice(0, 80)}'`,
      );
    }
  }
  const visibility = settings.sqsVisibilityTimeoutSeconds;
  if (visibility !== undefined && (!Number.isInteger(visibility) || visibility < 1 || visibility > 43_200)) {
    throw new UsageError(
      `--sqs-visibility must be whole seconds from 1s to 12h (SQS's limits); got ${String(visibility)} seconds`,
    );
  }
  for (const url of settings.s3Prefixes ?? []) {
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(url)) {
      throw new UsageError(
        `--s3-poll must be an s3:// URL such as s3://trail-bucket/AWSLogs/; got '${url.slice(0, 80)}'`,
      );
    }
  }
  for (const region of [
    ...(settings.lookupRegions ?? []),
    ...(settings.region === undefined ? [] : [settings.region]),
  ]) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
      throw new UsageError(
        `--lookup-region and --region must be AWS regions such as us-east-1; got '${region.slice(0, 40)}'`,
      );
    }
  }
}

interface NamedSource {
  readonly name: string;
  readonly source: LiveSource;
}

/** What a registry entry builds its sources with: the settings' region and profile, and the service around them. */
interface SourceSetup {
  readonly settings: ServeSourceSettings;
  readonly context: SourceContext;
  readonly clientOptions: { readonly region?: string; readonly profile?: string };
}

export interface LiveSourceEntry {
  /** Its folder under `ingest/sources/`: the source, its tests and its contract harness (`test-support/harness.ts`). */
  readonly folder: string;
  /** The `serve` option that asks for it, for messages. */
  readonly option: string;
  /** What the settings ask this source to watch (queue URLs, prefixes, regions); none: it is not started. */
  readonly targets: (settings: ServeSourceSettings) => readonly string[];
  /** One source per target; the AWS SDKs are loaded here, only when asked for. */
  readonly create: (setup: SourceSetup) => Promise<NamedSource[]>;
}

/**
 * The live sources `serve` runs besides its HTTP endpoint, by id, kept in alphabetical order. A new source is one
 * folder under `ingest/sources/` plus one entry here; the live source contract (src/app/serve-sources.test.ts)
 * runs over every entry.
 */
export const LIVE_SOURCES = {
  'lookup-events': {
    folder: 'lookup',
    option: '--lookup-region',
    targets: (settings) => settings.lookupRegions ?? [],
    async create({ settings, context, clientOptions }) {
      const { createLookupClient, createLookupSource } = await loadLookupSource();
      const regions = settings.lookupRegions ?? [];
      const account = await callerAccount(clientOptions.region ?? regions[0]!, clientOptions.profile);
      return regions.map((lookupRegion) => {
        const name = `lookup-events ${account}/${lookupRegion}`;
        const client = createLookupClient({
          region: lookupRegion,
          ...(clientOptions.profile === undefined ? {} : { profile: clientOptions.profile }),
        });
        return {
          name,
          source: createLookupSource({
            client,
            account,
            region: lookupRegion,
            sink: context.sink,
            store: context.store,
            clock: context.clock,
            sleep: realSleep,
            log: sourceLog(name, context.log),
          }),
        };
      });
    },
  },
  's3-poll': {
    folder: 's3-poll',
    option: '--s3-poll',
    targets: (settings) => settings.s3Prefixes ?? [],
    async create({ settings, context, clientOptions }) {
      const { createS3Client, createS3PollSource } = await loadS3PollSource();
      const client = createS3Client(clientOptions);
      return (settings.s3Prefixes ?? []).map((url) => {
        const name = `s3-poll ${url}`;
        return {
          name,
          source: createS3PollSource({
            client,
            url,
            sink: context.sink,
            store: context.store,
            clock: context.clock,
            sleep: realSleep,
            log: sourceLog(name, context.log),
            workerId: context.workerId,
          }),
        };
      });
    },
  },
  sqs: {
    folder: 'sqs',
    option: '--sqs-queue',
    targets: (settings) => settings.sqsQueues ?? [],
    async create({ settings, context, clientOptions }) {
      const { createSqsClient, createSqsSource } = await loadSqsSource();
      const { createS3Client } = await loadS3PollSource();
      const client = createSqsClient(clientOptions);
      const s3 = createS3Client(clientOptions);
      return (settings.sqsQueues ?? []).map((queueUrl) => {
        const name = `sqs ${queueUrl}`;
        return {
          name,
          source: createSqsSource({
            client,
            s3,
            queueUrl,
            sink: context.sink,
            store: context.store,
            clock: context.clock,
            sleep: realSleep,
            log: sourceLog(name, context.log),
            workerId: context.workerId,
            ...(settings.sqsVisibilityTimeoutSeconds === undefined
              ? {}
              : { visibilityTimeoutSeconds: settings.sqsVisibilityTimeoutSeconds }),
          }),
        };
      });
    },
  },
} as const satisfies Readonly<Record<string, LiveSourceEntry>>;

export type LiveSourceId = keyof typeof LIVE_SOURCES;

/** Starts every configured source (checked by checkSourceSettings); none configured costs nothing (the AWS SDKs are loaded only when needed). */
export async function startSources(
  settings: ServeSourceSettings,
  context: SourceContext,
): Promise<StartedSource[]> {
  const { signal, log } = context;
  const clientOptions = {
    ...(settings.region === undefined ? {} : { region: settings.region }),
    ...(settings.profile === undefined ? {} : { profile: settings.profile }),
  };
  const sources: NamedSource[] = [];
  // Every source is built before any starts: one that cannot (no credentials) fails the start with nothing running.
  for (const entry of Object.values(LIVE_SOURCES) as LiveSourceEntry[]) {
    if (entry.targets(settings).length === 0) continue;
    sources.push(...(await entry.create({ settings, context, clientOptions })));
  }

  return sources.map(({ name, source }) => {
    log({ level: 'info', msg: 'source started', source: name });
    // start() never rejects by contract; a bug that makes it reject is logged rather than lost.
    const done = source.start(signal).catch((error: unknown) => {
      log({ level: 'error', msg: 'source stopped with an error', source: name, error: String(error) });
    });
    return { name, done };
  });
}
