// `mfaguard serve`: the long-running service (HTTP API, ingestion, cases, verification, outbox) until SIGTERM or SIGINT.

import { startService } from '../../api/index.ts';
import { defaultStoreUrl, loadConfigFile, parseDuration } from '../../app/index.ts';
import { UsageError } from '../../model/index.ts';
import { defineCommand, repeatable } from '../command.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

function durationOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) {
    throw new UsageError(
      `--${name} must be a duration such as 500ms, 1s, 30s or 5m; got '${value.slice(0, 40)}'`,
    );
  }
  return ms;
}

function parseMs(name: string, value: string | undefined): number | undefined {
  if (value !== undefined && /^\d{1,6}ms$/.test(value)) return Number(value.slice(0, -2));
  return durationOption(name, value);
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8080;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`--port must be a number from 0 to 65535; got '${value.slice(0, 40)}'`);
  }
  return Number(value);
}

export const SERVE_COMMAND: Command = defineCommand({
  name: 'serve',
  usage: '[options]',
  description: `Runs the live service: POST /ingest/eventbridge for EventBridge API destinations, optional SQS,
S3-polling and LookupEvents sources, cases, owner verification links, approvals, the
notification outbox, the JSON API, /metrics and the web dashboard. Stops cleanly on SIGTERM or
SIGINT (finishes in-flight requests and the current outbox batch). See docs/api.md.`,
  examples: [
    'MFAGUARD_INGEST_TOKEN=... mfaguard serve --config mfaguard.yml',
    'mfaguard serve --host 0.0.0.0 --store postgres://mfaguard@db/mfaguard --public-url https://mfaguard.example.com',
    'mfaguard serve --sqs-queue https://sqs.us-east-1.amazonaws.com/111122223333/trail --region us-east-1',
  ],
  footer: `Environment (secrets are read from here only):
  MFAGUARD_INGEST_TOKEN   what EventBridge (or any sender) must present; unset: ingestion answers 503
  MFAGUARD_ADMIN_TOKEN    becomes an admin API token at start (create more with \`mfaguard token\`)
  MFAGUARD_LINK_SECRET    HMAC key of the owners' links (32+ bytes); unset: one is generated and
                          kept in the store, so restarts keep links valid`,
  declare: (command) =>
    command
      .option('--port <n>', 'port to listen on (default 8080; 0 picks a free one)')
      .option('--host <host>', 'address to bind (default 127.0.0.1; 0.0.0.0 for all interfaces)')
      .option(
        '--store <url>',
        'sqlite:PATH or postgres://user:pass@host/db (default: MFAGUARD_STORE, else sqlite: under ~/.local/share/mfaguard/)',
      )
      .option('--config <file>', 'configuration: triage, identities, serve, notify (see the README)')
      .option(
        '--public-url <url>',
        "where people reach the service, for links in messages (default: the config's serve.publicUrl, else the listen address)",
      )
      .option('--rules <path>', 'also load rules from PATH (repeatable)', repeatable)
      .option(
        '--ingest-header <name>',
        'header carrying the ingest token (default authorization, as Bearer); e.g. x-mfaguard-api-key for an EventBridge API-key connection',
      )
      .option('--max-body-bytes <n>', 'request body limit for ingestion (default 1048576)')
      .option('--metrics-public', 'serve /metrics without a token (default: a viewer token is needed)')
      .option('--no-web', 'do not serve the dashboard')
      .option(
        '--outbox-interval <duration>',
        'how often an idle outbox lane looks for due notifications (default 1s)',
      )
      .option(
        '--outbox-lease <duration>',
        "how long a notification being sent stays this process's without a heartbeat (default 30s)",
      )
      .option('--tick-interval <duration>', 'pause between escalation/re-triage passes (default 30s)')
      .option(
        '--sqs-queue <url>',
        'consume an SQS queue of S3 notifications or EventBridge events (repeatable)',
        repeatable,
      )
      .option(
        '--sqs-visibility <duration>',
        'how long a received message stays hidden from other workers (default 5m; whole seconds); extended every third of it while the message is worked on, so a worker that dies gives its messages back after at most this long',
      )
      .option(
        '--s3-poll <s3url>',
        'poll s3://bucket/prefix/AWSLogs/ with a durable checkpoint (repeatable)',
        repeatable,
      )
      .option('--lookup-region <region>', 'poll CloudTrail LookupEvents in REGION (repeatable)', repeatable)
      .option('--region <region>', 'AWS region for the sources')
      .option('--profile <name>', 'AWS profile for the sources (and --owner-tags)')
      .option(
        '--owner-tags',
        "also find owners in IAM user tags (serve.ownerTagKeys, default owner-email, owner, contact-email) with iam:ListUserTags, after the configuration's identities.owners",
      ),
  async action(values, positionals, ctx) {
    if (positionals.length > 0) {
      throw new UsageError(`serve takes no positional arguments; got '${positionals[0]!.slice(0, 40)}'`);
    }
    const header = values.ingestHeader;
    if (header !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(header)) {
      throw new UsageError(
        `--ingest-header must be an HTTP header name such as x-mfaguard-api-key; got '${header.slice(0, 40)}'`,
      );
    }
    const maxBody = values.maxBodyBytes;
    if (maxBody !== undefined && (!/^\d{1,10}$/.test(maxBody) || Number(maxBody) < 1024)) {
      throw new UsageError(
        `--max-body-bytes must be a number of bytes, at least 1024; got '${maxBody.slice(0, 40)}'`,
      );
    }
    const publicUrl = values.publicUrl;
    if (publicUrl !== undefined && !/^https?:\/\/[^\s/@]+/.test(publicUrl)) {
      throw new UsageError(
        `--public-url must be an http(s) URL such as https://mfaguard.example.com; got '${publicUrl.slice(0, 60)}'`,
      );
    }
    const config = values.config === undefined ? undefined : loadConfigFile(values.config, { env: ctx.env });
    const outboxIntervalMs = parseMs('outbox-interval', values.outboxInterval);
    const tickIntervalMs = parseMs('tick-interval', values.tickInterval);
    const outboxLeaseMs = parseMs('outbox-lease', values.outboxLease);
    const visibilityMs = durationOption('sqs-visibility', values.sqsVisibility);
    const service = await startService({
      storeUrl: await defaultStoreUrl(values.store, ctx.env),
      host: values.host ?? '127.0.0.1',
      port: parsePort(values.port),
      env: ctx.env,
      rulePaths: values.rules ?? [],
      metricsPublic: values.metricsPublic === true,
      ownerTags: values.ownerTags === true,
      ...(values.web === false ? { webRoot: null } : {}),
      ...(config === undefined ? {} : { config }),
      ...(publicUrl === undefined ? {} : { publicUrl: publicUrl.replace(/\/+$/, '') }),
      ...(header === undefined ? {} : { ingestHeader: header.toLowerCase() }),
      ...(maxBody === undefined ? {} : { maxBodyBytes: Number(maxBody) }),
      ...(outboxIntervalMs === undefined ? {} : { outboxIntervalMs }),
      ...(outboxLeaseMs === undefined ? {} : { outboxLeaseMs }),
      ...(tickIntervalMs === undefined ? {} : { tickIntervalMs }),
      sources: {
        sqsQueues: values.sqsQueue ?? [],
        ...(visibilityMs === undefined ? {} : { sqsVisibilityTimeoutSeconds: visibilityMs / 1000 }),
        s3Prefixes: values.s3Poll ?? [],
        lookupRegions: values.lookupRegion ?? [],
        ...(values.region === undefined ? {} : { region: values.region }),
        ...(values.profile === undefined ? {} : { profile: values.profile }),
      },
    });
    ctx.stdout.write(`mfaguard serve: listening on ${service.url} (store ${service.store.url})\n`);
    await new Promise<void>((resolve) => {
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          // A second Ctrl-C means "now": whatever was not finished is picked up by the next start.
          ctx.stderr.write(`mfaguard serve: ${signal} again, exiting without waiting\n`);
          process.exit(EXIT.internal);
        }
        ctx.stderr.write(`mfaguard serve: ${signal} received, finishing in-flight work\n`);
        service.stop().then(resolve, (error: unknown) => {
          ctx.stderr.write(`mfaguard serve: error while stopping: ${String(error)}\n`);
          resolve();
        });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    ctx.stdout.write('mfaguard serve: stopped\n');
    return EXIT.ok;
  },
});
