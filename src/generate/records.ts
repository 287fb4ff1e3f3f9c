// CloudTrail record builders: identities and the everyday API calls that make up the noise, in real record shapes.

import type { Prng } from './prng.ts';
import type { SimAccount, SimRole, SimUser, World } from './world.ts';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Rec = { [key: string]: Json };

/** `2024-03-01T10:15:31Z`: CloudTrail's eventTime has no milliseconds. */
export function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 19) + 'Z';
}

const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'];

export function tls(rng: Prng, host: string): Rec {
  return rng.chance(0.8)
    ? { tlsVersion: 'TLSv1.3', cipherSuite: rng.pick(TLS13), clientProvidedHostHeader: host }
    : { tlsVersion: 'TLSv1.2', cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256', clientProvidedHostHeader: host };
}

// ---- identities ----

/**
 * A role session keeps its temporary key and creation time for an hour, as real sessions do; caching them
 * makes records realistic and cheaper. The cache forgets everything when the generator moves to a new hour.
 */
export class SessionCache {
  private hour = -1;
  private readonly sessions = new Map<string, Rec>();

  get(key: string, t: number, make: () => Rec): Rec {
    const hour = Math.floor(t / 3_600_000);
    if (hour !== this.hour) {
      this.hour = hour;
      this.sessions.clear();
    }
    let identity = this.sessions.get(key);
    if (identity === undefined) {
      identity = make();
      this.sessions.set(key, identity);
    }
    return identity;
  }
}

function cachedRoleIdentity(ctx: NoiseContext, role: SimRole, session: string): Rec {
  const { rng, account, t } = ctx;
  return ctx.sessions.get(`${role.arn}|${session}`, t, () => {
    const hourStart = Math.floor(t / 3_600_000) * 3_600_000;
    return assumedRoleIdentity(rng, account, role, session, hourStart + rng.between(1, 300) * 1000);
  });
}

export function assumedRoleIdentity(
  rng: Prng,
  account: SimAccount,
  role: SimRole,
  session: string,
  t: number,
  mfa = false,
): Rec {
  const created = t - rng.between(60, 3000) * 1000;
  return {
    type: 'AssumedRole',
    principalId: `${role.principalId}:${session}`,
    arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${session}`,
    accountId: account.id,
    accessKeyId: rng.keyId('ASIA'),
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: role.principalId,
        arn: role.arn,
        accountId: account.id,
        userName: role.name,
      },
      webIdFederationData: {},
      attributes: { creationDate: iso(created), mfaAuthenticated: mfa ? 'true' : 'false' },
    },
  };
}

/** An IAM user calling with their long-term key: no session context at all. */
export function userKeyIdentity(account: SimAccount, user: SimUser, accessKeyId = user.accessKeyId): Rec {
  return {
    type: 'IAMUser',
    principalId: user.principalId,
    arn: user.arn,
    accountId: account.id,
    accessKeyId,
    userName: user.name,
  };
}

/** An IAM user with temporary credentials: a console session (ASIA key) or a GetSessionToken session. */
export function userSessionIdentity(
  account: SimAccount,
  user: SimUser,
  accessKeyId: string,
  created: number,
  mfa: boolean,
): Rec {
  return {
    type: 'IAMUser',
    principalId: user.principalId,
    arn: user.arn,
    accountId: account.id,
    accessKeyId,
    userName: user.name,
    sessionContext: {
      sessionIssuer: {},
      webIdFederationData: {},
      attributes: { creationDate: iso(created), mfaAuthenticated: mfa ? 'true' : 'false' },
    },
  };
}

export function rootIdentity(
  account: SimAccount,
  accessKeyId: string | null,
  created: number | null,
  mfa: boolean,
): Rec {
  const identity: Rec = {
    type: 'Root',
    principalId: account.id,
    arn: `arn:aws:iam::${account.id}:root`,
    accountId: account.id,
  };
  if (accessKeyId !== null) identity['accessKeyId'] = accessKeyId;
  if (created !== null) {
    identity['sessionContext'] = {
      sessionIssuer: {},
      webIdFederationData: {},
      attributes: { creationDate: iso(created), mfaAuthenticated: mfa ? 'true' : 'false' },
    };
  }
  return identity;
}

export function serviceIdentity(service: string): Rec {
  return { type: 'AWSService', invokedBy: service };
}

// ---- the record envelope, in CloudTrail's key order ----

export interface Envelope {
  readonly identity: Rec;
  readonly t: number;
  readonly source: string;
  readonly name: string;
  readonly region: string;
  readonly ip: string;
  readonly userAgent: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters: Json;
  readonly responseElements: Json;
  readonly additionalEventData?: Rec;
  /** Omitted for sign-in events, which carry none. */
  readonly requestId?: string;
  readonly eventId: string;
  readonly readOnly: boolean;
  readonly resources?: Rec[];
  readonly eventType?: 'AwsApiCall' | 'AwsConsoleSignIn' | 'AwsServiceEvent';
  readonly managementEvent: boolean;
  readonly account: string;
  readonly sharedEventId?: string;
  readonly vpcEndpointId?: string;
  readonly category: 'Management' | 'Data';
  readonly tlsDetails?: Rec;
  readonly fromConsole?: boolean;
}

export function envelope(e: Envelope): Rec {
  const r: Rec = {
    eventVersion: e.category === 'Data' ? '1.10' : '1.09',
    userIdentity: e.identity,
    eventTime: iso(e.t),
    eventSource: e.source,
    eventName: e.name,
    awsRegion: e.region,
    sourceIPAddress: e.ip,
    userAgent: e.userAgent,
  };
  if (e.errorCode !== undefined) r['errorCode'] = e.errorCode;
  if (e.errorMessage !== undefined) r['errorMessage'] = e.errorMessage;
  r['requestParameters'] = e.requestParameters;
  r['responseElements'] = e.responseElements;
  if (e.additionalEventData !== undefined) r['additionalEventData'] = e.additionalEventData;
  if (e.requestId !== undefined) r['requestID'] = e.requestId;
  r['eventID'] = e.eventId;
  r['readOnly'] = e.readOnly;
  if (e.resources !== undefined) r['resources'] = e.resources;
  r['eventType'] = e.eventType ?? 'AwsApiCall';
  r['managementEvent'] = e.managementEvent;
  r['recipientAccountId'] = e.account;
  if (e.sharedEventId !== undefined) r['sharedEventID'] = e.sharedEventId;
  if (e.vpcEndpointId !== undefined) r['vpcEndpointId'] = e.vpcEndpointId;
  r['eventCategory'] = e.category;
  if (e.tlsDetails !== undefined) r['tlsDetails'] = e.tlsDetails;
  if (e.fromConsole === true) r['sessionCredentialFromConsole'] = 'true';
  return r;
}

// ---- everyday noise ----

export interface NoiseContext {
  readonly rng: Prng;
  readonly account: SimAccount;
  readonly region: string;
  readonly t: number;
  readonly sessions: SessionCache;
  readonly world: World;
}

type NoiseBuilder = (ctx: NoiseContext) => Rec;

function appRole(ctx: NoiseContext): SimRole {
  return ctx.rng.pick(ctx.account.appRoles);
}

function anyCaller(ctx: NoiseContext): { identity: Rec; ip: string; ua: string; fromConsole: boolean } {
  const { rng, account } = ctx;
  const roll = rng.next();
  if (roll < 0.55) {
    const role = appRole(ctx);
    return {
      identity: cachedRoleIdentity(ctx, role, rng.pick(role.sessions)),
      ip: rng.pick(role.ips),
      ua: role.userAgent,
      fromConsole: false,
    };
  }
  if (roll < 0.85) {
    const role = rng.pick(account.ssoRoles);
    const console = rng.chance(0.6);
    return {
      identity: cachedRoleIdentity(ctx, role, rng.pick(role.sessions)),
      ip: rng.pick(role.ips),
      ua: console ? role.userAgent : rng.pick(account.users).cli,
      fromConsole: console,
    };
  }
  const user = rng.pick(account.bystanders);
  return { identity: userKeyIdentity(account, user), ip: user.officeIp, ua: user.cli, fromConsole: false };
}

const s3Object: NoiseBuilder = (ctx) => {
  const { rng, account, region, t } = ctx;
  const role = appRole(ctx);
  const b = rng.int(account.buckets.length);
  const bucket = account.buckets[b] ?? 'bucket';
  const put = rng.chance(0.25);
  const key = rng.pick(account.objectKeys[b] ?? ['key']);
  const host = `${bucket}.s3.${region}.amazonaws.com`;
  const requestParameters: Rec = { bucketName: bucket, Host: host, key };
  if (put) requestParameters['x-amz-server-side-encryption'] = 'aws:kms';
  return envelope({
    identity: cachedRoleIdentity(ctx, role, rng.pick(role.sessions)),
    t,
    source: 's3.amazonaws.com',
    name: put ? 'PutObject' : rng.chance(0.8) ? 'GetObject' : 'HeadObject',
    region,
    ip: rng.pick(role.ips),
    userAgent: `[${role.userAgent}]`,
    requestParameters,
    responseElements: put
      ? {
          'x-amz-server-side-encryption': 'aws:kms',
          'x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:${region}:${account.id}:key/${rng.pick(account.kmsKeys)}`,
        }
      : null,
    additionalEventData: {
      SignatureVersion: 'SigV4',
      CipherSuite: 'TLS_AES_128_GCM_SHA256',
      bytesTransferredIn: put ? rng.between(200, 2_000_000) : 0,
      AuthenticationMethod: 'AuthHeader',
      'x-amz-id-2': rng.pick(ctx.world.hostIds),
      bytesTransferredOut: put ? 0 : rng.between(200, 5_000_000),
    },
    requestId: rng.upperHex(16),
    eventId: rng.uuid(),
    readOnly: !put,
    resources: [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
      { accountId: account.id, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
    ],
    managementEvent: false,
    account: account.id,
    vpcEndpointId: `vpce-0${account.id.slice(0, 4)}${role.principalId.slice(4, 16).toLowerCase()}`,
    category: 'Data',
    tlsDetails: tls(rng, host),
  });
};

const ec2Describe: NoiseBuilder = (ctx) => {
  const { rng, account, region, t } = ctx;
  const caller = anyCaller(ctx);
  const name = rng.pick([
    'DescribeInstances',
    'DescribeSecurityGroups',
    'DescribeVolumes',
    'DescribeSubnets',
    'DescribeVpcs',
    'DescribeInstanceStatus',
  ]);
  const requestParameters: Rec =
    name === 'DescribeInstances'
      ? {
          instancesSet: {},
          filterSet: {
            items: [{ name: 'instance-state-name', valueSet: { items: [{ value: 'running' }] } }],
          },
        }
      : name === 'DescribeSecurityGroups'
        ? { securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {}, maxResults: 1000 }
        : { filterSet: {}, maxResults: 200 };
  return envelope({
    identity: caller.identity,
    t,
    source: 'ec2.amazonaws.com',
    name,
    region,
    ip: caller.ip,
    userAgent: caller.ua,
    requestParameters,
    responseElements: null,
    requestId: rng.uuid(),
    eventId: rng.uuid(),
    readOnly: true,
    managementEvent: true,
    account: account.id,
    category: 'Management',
    tlsDetails: tls(rng, `ec2.${region}.amazonaws.com`),
    fromConsole: caller.fromConsole,
  });
};

const stsAssumeRoleByService: NoiseBuilder = (ctx) => {
  const { rng, account, region, t } = ctx;
  const role = rng.pick(account.serviceRoles);
  const service = role.service ?? 'lambda.amazonaws.com';
  const session = rng.pick(role.sessions);
  return envelope({
    identity: serviceIdentity(service),
    t,
    source: 'sts.amazonaws.com',
    name: 'AssumeRole',
    region,
    ip: service,
    userAgent: service,
    requestParameters: { roleArn: role.arn, roleSessionName: session, durationSeconds: 3600 },
    responseElements: {
      credentials: {
        accessKeyId: rng.keyId('ASIA'),
        sessionToken: rng.pick(ctx.world.sessionTokens),
        expiration: new Date(t + 3600_000).toUTCString(),
      },
      assumedRoleUser: {
        assumedRoleId: `${role.principalId}:${session}`,
        arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${session}`,
      },
    },
    requestId: rng.uuid(),
    eventId: rng.uuid(),
    readOnly: true,
    resources: [{ accountId: account.id, type: 'AWS::IAM::Role', ARN: role.arn }],
    managementEvent: true,
    account: account.id,
    sharedEventId: rng.uuid(),
    category: 'Management',
  });
};

const kmsCall: NoiseBuilder = (ctx) => {
  const { rng, account, region, t } = ctx;
  const key = `arn:aws:kms:${region}:${account.id}:key/${rng.pick(account.kmsKeys)}`;
  const byService = rng.chance(0.5);
  const caller = byService ? null : anyCaller(ctx);
  const service = rng.pick(['s3.amazonaws.com', 'secretsmanager.amazonaws.com', 'dynamodb.amazonaws.com']);
  const name = rng.chance(0.75) ? 'Decrypt' : 'GenerateDataKey';
  const requestParameters: Rec =
    name === 'Decrypt'
      ? {
          encryptionContext: {
            'aws:s3:arn': `arn:aws:s3:::${account.buckets[0] ?? 'bucket'}/${rng.pick(account.objectKeys[0] ?? ['key'])}`,
          },
          encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        }
      : {
          keyId: key,
          encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::${rng.pick(account.buckets)}` },
          keySpec: 'AES_256',
        };
  const role = appRole(ctx);
  return envelope({
    identity: caller?.identity ?? {
      ...cachedRoleIdentity(ctx, role, rng.pick(role.sessions)),
      invokedBy: service,
    },
    t,
    source: 'kms.amazonaws.com',
    name,
    region,
    ip: caller?.ip ?? service,
    userAgent: caller?.ua ?? service,
    requestParameters,
    responseElements: null,
    requestId: rng.uuid(),
    eventId: rng.uuid(),
    readOnly: true,
    resources: [{ accountId: account.id, type: 'AWS::KMS::Key', ARN: key }],
    managementEvent: true,
    account: account.id,
    category: 'Management',
    ...(caller === null ? {} : { tlsDetails: tls(rng, `kms.${region}.amazonaws.com`) }),
  });
};

const lambdaInvoke: NoiseBuilder = (ctx) => {
  const { rng, account, region, t } = ctx;
  const role = appRole(ctx);
  const fn = `arn:aws:lambda:${region}:${account.id}:function:${rng.pick(account.functions)}`;
  return envelope({
    identity: cachedRoleIdentity(ctx, role, rng.pick(role.sessions)),
    t,
    source: 'lambda.amazonaws.com',
    name: 'Invoke',
    region,
    ip: rng.pick(role.ips),
    userAgent: role.userAgent,
    requestParameters: {
      functionName: fn,
      invocationType: rng.chance(0.7) ? 'RequestResponse' : 'Event',
      logType: 'None',
    },
    responseElements: null,
    additionalEventData: { functionVersion: `${fn}:$LATEST` },
    requestId: rng.uuid(),
    eventId: rng.uuid(),
    readOnly: false,
    resources: [{ accountId: account.id, type: 'AWS::Lambda::Function', ARN: fn }],
    managementEvent: false,
    account: account.id,
    category: 'Data',
    tlsDetails: tls(rng, `lambda.${region}.amazonaws.com`),
  });
};

const monitoring: NoiseBuilder = (ctx) => {
  const { rng, account, region, t } = ctx;
  const caller = anyCaller(ctx);
  const logs = rng.chance(0.5);
  const name = logs
    ? rng.pick(['CreateLogStream', 'DescribeLogGroups', 'DescribeLogStreams'])
    : rng.pick(['GetMetricData', 'DescribeAlarms', 'ListMetrics']);
  const group = `/aws/lambda/${rng.pick(account.functions)}`;
  const requestParameters: Rec = logs
    ? name === 'CreateLogStream'
      ? {
          logGroupName: group,
          logStreamName: `${iso(t).slice(0, 10).replace(/-/g, '/')}/[$LATEST]${rng.hex(32)}`,
        }
      : { logGroupNamePrefix: group, limit: 50 }
    : name === 'GetMetricData'
      ? {
          metricDataQueries: [
            {
              id: 'm1',
              metricStat: {
                metric: {
                  namespace: 'AWS/Lambda',
                  metricName: 'Errors',
                  dimensions: [{ name: 'FunctionName', value: rng.pick(account.functions) }],
                },
                period: 300,
                stat: 'Sum',
              },
              returnData: true,
            },
          ],
          startTime: iso(t - 3_600_000),
          endTime: iso(t),
        }
      : { maxRecords: 100 };
  return envelope({
    identity: caller.identity,
    t,
    source: logs ? 'logs.amazonaws.com' : 'monitoring.amazonaws.com',
    name,
    region,
    ip: caller.ip,
    userAgent: caller.ua,
    requestParameters,
    responseElements: null,
    requestId: rng.uuid(),
    eventId: rng.uuid(),
    readOnly: name !== 'CreateLogStream',
    managementEvent: true,
    account: account.id,
    category: 'Management',
    tlsDetails: tls(rng, `${logs ? 'logs' : 'monitoring'}.${region}.amazonaws.com`),
    fromConsole: caller.fromConsole,
  });
};

const ssmGetParameter: NoiseBuilder = (ctx) => {
  const { rng, account, region, t } = ctx;
  const role = appRole(ctx);
  return envelope({
    identity: cachedRoleIdentity(ctx, role, rng.pick(role.sessions)),
    t,
    source: 'ssm.amazonaws.com',
    name: rng.chance(0.7) ? 'GetParameter' : 'GetParameters',
    region,
    ip: rng.pick(role.ips),
    userAgent: role.userAgent,
    requestParameters: {
      name: `/${role.name.replace(/-role$/, '')}/${rng.pick(['db/url', 'feature-flags', 'api/endpoint', 'queue/url'])}`,
      withDecryption: rng.chance(0.5),
    },
    responseElements: null,
    requestId: rng.uuid(),
    eventId: rng.uuid(),
    readOnly: true,
    resources: [
      {
        accountId: account.id,
        type: 'AWS::SSM::Parameter',
        ARN: `arn:aws:ssm:${region}:${account.id}:parameter/${role.name}`,
      },
    ],
    managementEvent: true,
    account: account.id,
    category: 'Management',
    tlsDetails: tls(rng, `ssm.${region}.amazonaws.com`),
  });
};

const stsGetCallerIdentity: NoiseBuilder = (ctx) => {
  const { rng, account, region, t } = ctx;
  const caller = anyCaller(ctx);
  return envelope({
    identity: caller.identity,
    t,
    source: 'sts.amazonaws.com',
    name: 'GetCallerIdentity',
    region,
    ip: caller.ip,
    userAgent: caller.ua,
    requestParameters: null,
    responseElements: null,
    requestId: rng.uuid(),
    eventId: rng.uuid(),
    readOnly: true,
    managementEvent: true,
    account: account.id,
    category: 'Management',
    tlsDetails: tls(rng, `sts.${region}.amazonaws.com`),
  });
};

/** IAM reads: recorded in us-east-1 only, like every IAM call. */
const iamRead: NoiseBuilder = (ctx) => {
  const { rng, account, t } = ctx;
  const caller = anyCaller(ctx);
  const name = rng.pick([
    'ListUsers',
    'GetUser',
    'ListRoles',
    'GetRole',
    'ListAttachedRolePolicies',
    'GetAccountSummary',
    'ListPolicies',
    'GetRolePolicy',
  ]);
  const role = rng.pick(account.roles);
  const requestParameters: Json =
    name === 'GetUser'
      ? { userName: rng.pick(account.users).name }
      : name === 'GetRole' || name === 'ListAttachedRolePolicies'
        ? { roleName: role.name }
        : name === 'GetRolePolicy'
          ? { roleName: role.name, policyName: 'inline-access' }
          : name === 'ListPolicies'
            ? { scope: 'Local', onlyAttached: false, maxItems: 100 }
            : null;
  return envelope({
    identity: caller.identity,
    t,
    source: 'iam.amazonaws.com',
    name,
    region: 'us-east-1',
    ip: caller.ip,
    userAgent: caller.fromConsole ? 'AWS Internal' : caller.ua,
    requestParameters,
    responseElements: null,
    requestId: rng.uuid(),
    eventId: rng.uuid(),
    readOnly: true,
    managementEvent: true,
    account: account.id,
    category: 'Management',
    tlsDetails: tls(rng, 'iam.amazonaws.com'),
    fromConsole: caller.fromConsole,
  });
};

export interface NoiseKind {
  readonly name: string;
  readonly weight: number;
  /** Global-service calls (IAM) exist only in the us-east-1 stream. */
  readonly globalOnly: boolean;
  readonly build: NoiseBuilder;
}

/** The everyday mix, by share of records. */
export const NOISE_KINDS: readonly NoiseKind[] = [
  { name: 's3-object', weight: 38, globalOnly: false, build: s3Object },
  { name: 'ec2-describe', weight: 10, globalOnly: false, build: ec2Describe },
  { name: 'sts-assume-role', weight: 10, globalOnly: false, build: stsAssumeRoleByService },
  { name: 'kms', weight: 12, globalOnly: false, build: kmsCall },
  { name: 'lambda-invoke', weight: 8, globalOnly: false, build: lambdaInvoke },
  { name: 'monitoring', weight: 8, globalOnly: false, build: monitoring },
  { name: 'ssm', weight: 5, globalOnly: false, build: ssmGetParameter },
  { name: 'sts-get-caller-identity', weight: 3, globalOnly: false, build: stsGetCallerIdentity },
  { name: 'iam-read', weight: 6, globalOnly: true, build: iamRead },
];
