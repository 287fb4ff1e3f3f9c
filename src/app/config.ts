// The configuration file (YAML): parsed once, validated against its zod schema with every problem named by path and
// line, turned into typed settings.

export { MAX_DURATION_MS, parseDuration } from './config-schema.ts';

import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { DEFAULT_TRIAGE_CONFIG } from '../enrich/index.ts';
import type { RespondConfig } from '../respond/index.ts';
import type { TriageConfig } from '../enrich/index.ts';
import type { InputIssue, Severity } from '../model/index.ts';
import { UsageError } from '../model/index.ts';
import { CONFIG_SCHEMA } from './config-schema.ts';
import { DEFAULT_POSTURE_SERVE_CONFIG } from './posture-config.ts';
import type { PostureServeConfig } from './posture-config.ts';
import type { LogLevel, ParsedConfigFile } from './config-schema.ts';
// notify/index.ts loads the SNS SDK and nodemailer on first send only, so `scan` does not pay for them here.
import { parseNotifyConfig } from '../notify/index.ts';
import type { Environment, NotifyConfig } from '../notify/index.ts';

/** The `serve` section: what the live service needs beyond triage. */
export interface ServeConfig {
  /** Base URL people reach the service at (links in messages); null: the `serve` command decides. */
  readonly publicUrl: string | null;
  /** How long the owner's "was this you?" links stay valid; no answer by then escalates. */
  readonly verificationTtlMs: number;
  /**
   * How late CloudTrail may deliver an event (S3 delivery takes 5 to 15 minutes): a removal is called
   * unresolved only once its grace window plus this allowance has passed without a new device.
   */
  readonly deliveryLagMs: number;
  /** IAM user tag keys naming the owner's e-mail address, tried in order. */
  readonly ownerTagKeys: readonly string[];
  /**
   * An owner's "yes, this was me" resolves the case, except for root (never automatic) and for cases at or above
   * this severity, which are escalated for a person to close; null: only root.
   */
  readonly escalateConfirmedAt: Severity | null;
  /** The service log's level; null: MFAGUARD_LOG_LEVEL or `info`. */
  readonly logLevel: LogLevel | null;
  /** Dashboard sign-in with OpenID Connect; null: API tokens only. */
  readonly signIn: SignInConfig | null;
  /** The HTTP server's listen backlog and connection timeouts. */
  readonly http: HttpServerConfig;
}

/** The HTTP server's connection settings: what a burst and a load balancer in front need (docs/api.md, "Connections"). */
export interface HttpServerConfig {
  /** Connections the kernel queues until the service accepts them (Node's default, 511, overflows in a burst). */
  readonly listenBacklog: number;
  /** Idle keep-alive connections stay open this long: above a load balancer's idle timeout (ALB: 60 s). */
  readonly keepAliveTimeoutMs: number;
  /** A request's headers must have arrived within this (slow senders hold no connection for long). */
  readonly headersTimeoutMs: number;
  /** A whole request must have arrived within this. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_HTTP_SERVER_CONFIG: HttpServerConfig = {
  listenBacklog: 2048,
  // Longer than the 60 s idle timeout of AWS's load balancers (and nginx's 60 s keepalive): the balancer closes an idle
  // connection first. The other way round, it may send a request on a connection the service is just closing: a 502.
  keepAliveTimeoutMs: 65_000,
  // Counted only while a request's headers arrive: an idle keep-alive connection is not subject to it (Node 18+).
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
};

/** OpenID Connect sign-in for the dashboard (authorization code + PKCE); roles come from one claim. */
export interface SignInConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly roleClaim: string;
  readonly nameClaim: string;
  /** Claim values per role; `*` matches every signed-in person. */
  readonly roles: Readonly<Record<'admin' | 'responder' | 'viewer', readonly string[]>>;
  readonly sessionTtlMs: number;
  /** How long a session's roles stand before they are read again from the provider's claims. */
  readonly roleRefreshMs: number;
}

export interface MfaguardConfig {
  readonly triage: TriageConfig;
  /** Absent in configurations built by hand: DEFAULT_SERVE_CONFIG applies. */
  readonly serve?: ServeConfig;
  /** Notifiers and routes; absent or empty: nothing is sent. */
  readonly notify?: NotifyConfig;
  /** The response policy; absent: DEFAULT_RESPOND_CONFIG (dry-run). */
  readonly respond?: RespondConfig;
  /** Absent: `serve` runs no scheduled audit (stored posture still follows events; the grace is the default). */
  readonly posture?: PostureServeConfig;
  /**
   * Names or ARNs of MFA-enforcing policies beyond those whose name says MFA: an explicit deny by one is an
   * MFA-related denial (the KPI). Absent: only the name rule applies.
   */
  readonly mfaPolicies?: readonly string[];
}

export const DEFAULT_SERVE_CONFIG: ServeConfig = {
  publicUrl: null,
  verificationTtlMs: 24 * 3_600_000,
  deliveryLagMs: 15 * 60_000,
  ownerTagKeys: ['owner-email', 'owner', 'contact-email'],
  escalateConfirmedAt: null,
  signIn: null,
  logLevel: null,
  http: DEFAULT_HTTP_SERVER_CONFIG,
};

export interface ParseConfigOptions {
  /**
   * The environment the notifiers' secrets are read from. When not given the variables are not checked
   * (a `scan --config` does not need the service's secrets); `serve` passes `process.env`.
   */
  readonly env?: Environment;
}

/** Where a path of the document is: its key when the path ends at a key of a mapping, else the nearest node that exists. */
function positionOf(
  root: YamlNode | null,
  lines: LineCounter,
  path: readonly PropertyKey[],
): { line: number; column: number } | null {
  const nodeAt = (depth: number): YamlNode | null => {
    let node: unknown = root;
    for (const [index, key] of path.slice(0, depth).entries()) {
      if (isMap(node) && index === depth - 1) {
        // The key itself, so the position points at the setting's name.
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
        return (pair?.key as YamlNode | undefined) ?? null;
      }
      if (isMap(node) || isSeq(node)) node = node.get(typeof key === 'symbol' ? String(key) : key, true);
      else return null;
    }
    return (node as YamlNode | undefined) ?? null;
  };
  for (let depth = path.length; depth >= 0; depth--) {
    const offset = nodeAt(depth)?.range?.[0];
    if (offset !== undefined) {
      const position = lines.linePos(offset);
      return { line: position.line, column: position.col };
    }
  }
  return null;
}

/** The settings a mapping at this path of the schema knows, for the hint on an unknown one. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType = CONFIG_SCHEMA;
  const unwrap = (type: z.core.$ZodType): z.core.$ZodType => {
    const def = type._zod.def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    return def.innerType ?? def.in ?? type;
  };
  for (const key of [...path, null]) {
    for (let i = 0; i < 8; i++) schema = unwrap(schema);
    const def = schema._zod.def as {
      shape?: Record<string, z.core.$ZodType>;
      element?: z.core.$ZodType;
      valueType?: z.core.$ZodType;
    };
    if (key === null) return Object.keys(def.shape ?? {});
    const next = def.shape?.[String(key)] ?? def.element ?? def.valueType;
    if (next === undefined) return [];
    schema = next;
  }
  return [];
}

function unknownSettingHint(key: string, known: readonly string[]): string {
  const near = known
    .map((candidate) => ({ candidate, distance: distance(key.toLowerCase(), candidate.toLowerCase()) }))
    .filter((entry) => entry.distance <= Math.max(1, Math.floor(entry.candidate.length / 3)))
    .sort((a, b) => a.distance - b.distance)[0];
  const list = `known settings here: ${known.join(', ')}`;
  return near === undefined ? list : `did you mean '${near.candidate}'? ${list}`;
}

/** zod's issues as mfaguard's: one per unknown key, each with its dotted path, message, hint and YAML position. */
function toInputIssues(
  issues: readonly z.core.$ZodIssue[],
  location: string,
  at: (path: readonly PropertyKey[]) => { line: number; column: number } | null,
): InputIssue[] {
  const out: InputIssue[] = [];
  const push = (path: readonly PropertyKey[], message: string, hint?: string): void => {
    const dotted = path.map(String).join('.');
    const position = at(path);
    out.push({
      level: 'error',
      code: 'config',
      location,
      path: dotted,
      message: `${dotted || '(top level)'}: ${message}`,
      ...(position === null ? {} : { line: position.line, column: position.column }),
      ...(hint === undefined ? {} : { hint }),
    });
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path);
      for (const key of issue.keys)
        push([...issue.path, key], `unknown setting '${key}'`, unknownSettingHint(key, known));
    } else {
      const hint =
        issue.code === 'custom' ? (issue.params as { hint?: string } | undefined)?.hint : undefined;
      push(issue.path, issue.message, hint);
    }
  }
  return out;
}

/** Parses and validates configuration text; throws UsageError listing every problem. */
export function parseConfig(
  text: string,
  location: string,
  options: ParseConfigOptions = {},
): MfaguardConfig {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error): InputIssue => {
      const position = lines.linePos(error.pos[0]);
      return {
        level: 'error',
        code: 'config-yaml',
        location,
        line: position.line,
        column: position.col,
        message: error.message.split('\n')[0] ?? 'invalid YAML',
      };
    });
    throw new UsageError(`the configuration file ${location} is not valid YAML`, issues);
  }
  const at = (path: readonly PropertyKey[]) => positionOf(document.contents, lines, path);
  const raw: unknown = document.toJS();
  const parsed = CONFIG_SCHEMA.safeParse(raw ?? {});
  const issues = parsed.success ? [] : toInputIssues(parsed.error.issues, location, at);
  // The notify section is checked even when the rest is wrong, so one run names every problem.
  const notifyRaw =
    typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['notify'] : undefined;
  const notify = parseNotifyConfig(notifyRaw, location, options.env ?? null);
  // The notify parser names paths; the positions come from this document.
  for (const issue of notify.issues) {
    const position =
      issue.path === undefined
        ? null
        : at(issue.path.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part)));
    if (position !== null) Object.assign(issue, { line: position.line, column: position.column });
    if (issue.level === 'error') issues.push(issue);
  }
  if (!parsed.success || issues.length > 0) {
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw new UsageError(`the configuration file ${location} has ${issues.length} problem(s)`, issues);
  }
  return toConfig(parsed.data, notify);
}

function toSignIn(given: NonNullable<ParsedConfigFile['serve']>['signIn']): SignInConfig | null {
  if (given === undefined) return null;
  return {
    issuer: given.issuer,
    clientId: given.clientId,
    // Without `openid` the provider answers with plain OAuth 2.0 and no ID token: it is always asked for.
    scopes:
      given.scopes === undefined || given.scopes.length === 0
        ? ['openid', 'profile', 'email']
        : [...new Set(['openid', ...given.scopes])],
    roleClaim: given.roleClaim ?? 'groups',
    nameClaim: given.nameClaim ?? 'name',
    roles: {
      admin: given.roles.admin ?? [],
      responder: given.roles.responder ?? [],
      viewer: given.roles.viewer ?? [],
    },
    sessionTtlMs: given.sessionTtl ?? 8 * 3_600_000,
    roleRefreshMs: given.roleRefresh ?? 5 * 60_000,
  };
}

function toHttpServer(given: NonNullable<ParsedConfigFile['serve']>['http']): HttpServerConfig {
  const defaults = DEFAULT_HTTP_SERVER_CONFIG;
  return {
    listenBacklog: given?.listenBacklog ?? defaults.listenBacklog,
    keepAliveTimeoutMs: given?.keepAliveTimeout ?? defaults.keepAliveTimeoutMs,
    headersTimeoutMs: given?.headersTimeout ?? defaults.headersTimeoutMs,
    requestTimeoutMs: given?.requestTimeout ?? defaults.requestTimeoutMs,
  };
}

function toConfig(file: ParsedConfigFile, notify: NotifyConfig): MfaguardConfig {
  const triage: NonNullable<ParsedConfigFile['triage']> = file.triage ?? {};
  const serve: Partial<NonNullable<ParsedConfigFile['serve']>> = file.serve ?? {};
  return {
    serve: {
      publicUrl: serve.publicUrl ?? DEFAULT_SERVE_CONFIG.publicUrl,
      verificationTtlMs: serve.verificationTtl ?? DEFAULT_SERVE_CONFIG.verificationTtlMs,
      deliveryLagMs: serve.deliveryLag ?? DEFAULT_SERVE_CONFIG.deliveryLagMs,
      ownerTagKeys: serve.ownerTagKeys ?? DEFAULT_SERVE_CONFIG.ownerTagKeys,
      escalateConfirmedAt:
        serve.escalateConfirmedAt === undefined
          ? DEFAULT_SERVE_CONFIG.escalateConfirmedAt
          : serve.escalateConfirmedAt,
      signIn: toSignIn(serve.signIn),
      logLevel: serve.logLevel ?? DEFAULT_SERVE_CONFIG.logLevel,
      http: toHttpServer(serve.http),
    },
    notify,
    respond: file.respond,
    mfaPolicies: file.mfaPolicies,
    ...(file.posture === null || file.posture === undefined
      ? {}
      : {
          posture: {
            intervalMs: file.posture.interval ?? DEFAULT_POSTURE_SERVE_CONFIG.intervalMs,
            organization: file.posture.organization ?? DEFAULT_POSTURE_SERVE_CONFIG.organization,
            accounts: file.posture.accounts ?? DEFAULT_POSTURE_SERVE_CONFIG.accounts,
            roleName: file.posture.role ?? DEFAULT_POSTURE_SERVE_CONFIG.roleName,
            provisionedGraceMs:
              file.posture.provisionedGrace ?? DEFAULT_POSTURE_SERVE_CONFIG.provisionedGraceMs,
          },
        }),
    triage: {
      graceWindowMs: triage.graceWindow ?? DEFAULT_TRIAGE_CONFIG.graceWindowMs,
      burstCount: triage.burst?.count ?? DEFAULT_TRIAGE_CONFIG.burstCount,
      burstWindowMs: triage.burst?.window ?? DEFAULT_TRIAGE_CONFIG.burstWindowMs,
      precursorWindowMs: triage.precursorWindow ?? DEFAULT_TRIAGE_CONFIG.precursorWindowMs,
      followUpWindowMs: triage.followUpWindow ?? DEFAULT_TRIAGE_CONFIG.followUpWindowMs,
      lookbackMs: (triage.lookbackDays ?? DEFAULT_TRIAGE_CONFIG.lookbackMs / 86_400_000) * 86_400_000,
      workingHours: file.workingHours,
      privilegedUsers: new Set(file.identities.privileged),
      breakGlassUsers: new Set(file.identities.breakGlass),
      administrators: new Set(file.identities.administrators),
      owners: file.identities.owners,
      approvals: (file.approvals ?? []).filter((approval) => approval !== null),
    },
  };
}

export function loadConfigFile(path: string, options: ParseConfigOptions = {}): MfaguardConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`cannot read the configuration file ${path}: ${reason}`);
  }
  return parseConfig(text, path, options);
}

export const DEFAULT_CONFIG: MfaguardConfig = {
  triage: DEFAULT_TRIAGE_CONFIG,
  serve: DEFAULT_SERVE_CONFIG,
  notify: { notifiers: [], routes: [], issues: [] },
};
