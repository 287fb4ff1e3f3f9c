// The simulated organisation behind a generated archive: accounts, people, roles, addresses and clients.

import type { Prng } from './prng.ts';

export interface SimUser {
  readonly name: string;
  readonly arn: string;
  readonly principalId: string;
  /** The user's long-term key (AKIA…), for CLI/SDK use. */
  readonly accessKeyId: string;
  /** Their current MFA device serial. */
  readonly mfaSerial: string;
  readonly officeIp: string;
  readonly homeIp: string;
  readonly browser: string;
  readonly cli: string;
}

export interface SimRole {
  readonly name: string;
  readonly arn: string;
  readonly principalId: string;
  readonly kind: 'app' | 'sso' | 'service';
  /** Session names used when the role is assumed. */
  readonly sessions: readonly string[];
  /** The service that assumes it (`lambda.amazonaws.com`…) for service roles. */
  readonly service: string | null;
  readonly userAgent: string;
  readonly ips: readonly string[];
}

export interface SimAccount {
  readonly id: string;
  readonly alias: string;
  readonly users: readonly SimUser[];
  readonly roles: readonly SimRole[];
  readonly buckets: readonly string[];
  readonly functions: readonly string[];
  readonly kmsKeys: readonly string[];
  // Role lists by kind, precomputed because the noise builders pick from them for every record.
  readonly appRoles: readonly SimRole[];
  readonly ssoRoles: readonly SimRole[];
  readonly serviceRoles: readonly SimRole[];
  /** The people (not the special users the scenarios use). */
  readonly people: readonly SimUser[];
  /**
   * People who never act in a planted story: only they make the everyday IAM/STS calls that triage counts as
   * reconnaissance (ListUsers, GetCallerIdentity, ListMFADevices, GetSessionToken), so a planted phone swap
   * is not turned suspicious by chance noise and the ground truth stays unambiguous.
   */
  readonly bystanders: readonly SimUser[];
  /** Object keys per bucket: applications read the same objects again and again. */
  readonly objectKeys: readonly (readonly string[])[];
}

export interface World {
  readonly accounts: readonly SimAccount[];
  /** Opaque tokens (S3 `x-amz-id-2`, STS session tokens) drawn from a pool: per-record randomness there only bloats files. */
  readonly hostIds: readonly string[];
  readonly sessionTokens: readonly string[];
  /** An organisation id, for the organisation-trail copy of a file. */
  readonly orgId: string;
}

const PEOPLE = [
  'alice.nguyen',
  'bob.martin',
  'carol.diaz',
  'dave.kowalski',
  'erin.osei',
  'frank.li',
  'grace.hopper',
  'heidi.schmidt',
  'ivan.petrov',
  'judy.chen',
  'mallory.king',
  'niaj.haddad',
  'olivia.brown',
  'peggy.santos',
  'rupert.jones',
  'sybil.andersen',
  'trent.walker',
  'victor.dubois',
  'walter.white',
  'yuki.tanaka',
];

/** IAM users that are not people; the scenarios give them stories. */
export const SPECIAL_USERS = ['ci-deploy', 'it-admin', 'intern.summer', 'backup-operator'] as const;

const BROWSERS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.3; rv:123.0) Gecko/20100101 Firefox/123.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36',
];

const CLIS = [
  'aws-cli/2.15.21 Python/3.11.6 Darwin/23.3.0 exe/x86_64 prompt/off command/iam.list-users',
  'aws-cli/2.15.17 Python/3.11.6 Linux/6.5.0-1014-aws exe/x86_64.ubuntu.22 prompt/off',
  'Boto3/1.34.44 md/Botocore#1.34.44 ua/2.0 os/macos#23.3.0 md/arch#arm64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.44',
  'terraform-provider-aws/5.38.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.0 os/linux lang/go#1.22.0 md/GOOS#linux md/GOARCH#amd64',
];

const APP_AGENTS = [
  'aws-sdk-java/2.24.8 Linux/5.10.209-198.858.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy',
  'aws-sdk-nodejs/3.515.0 linux/v20.11.1 exec-env/AWS_Lambda_nodejs20.x lang/js md/nodejs#20.11.1 api/s3#3.515.0',
  'Boto3/1.34.34 md/Botocore#1.34.34 ua/2.0 os/linux#5.10.209-220.826.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython exec-env/AWS_ECS_FARGATE Botocore/1.34.34',
  'aws-sdk-go-v2/1.24.1 os/linux lang/go#1.21.6 md/GOOS#linux md/GOARCH#amd64 api/kms#1.27.9',
];

const APPS = [
  'orders-api',
  'billing-worker',
  'search-indexer',
  'media-pipeline',
  'reporting-etl',
  'web-frontend',
];

function ip(prefix: string, rng: Prng): string {
  return `${prefix}.${rng.between(2, 254)}`;
}

export function buildWorld(rng: Prng, accountIds: readonly string[]): World {
  const accounts = accountIds.map((id, n) => buildAccount(rng, id, n));
  return {
    accounts,
    orgId: `o-${rng.alnum(10).toLowerCase()}`,
    hostIds: Array.from({ length: 24 }, () => rng.base64(76)),
    sessionTokens: Array.from({ length: 6 }, () => `IQoJb3JpZ2luX2Vj${rng.base64(120)}`),
  };
}

function buildAccount(rng: Prng, id: string, n: number): SimAccount {
  const officeNet = n % 2 === 0 ? '198.51.100' : '192.0.2';
  const officeIps = [ip(officeNet, rng), ip(officeNet, rng)];
  const names = [...PEOPLE.slice((n * 7) % PEOPLE.length), ...PEOPLE.slice(0, (n * 7) % PEOPLE.length)].slice(
    0,
    14,
  );
  const users: SimUser[] = [...names, ...SPECIAL_USERS].map((name) => ({
    name,
    arn: `arn:aws:iam::${id}:user/${name}`,
    principalId: rng.keyId('AIDA'),
    accessKeyId: rng.keyId('AKIA'),
    mfaSerial: `arn:aws:iam::${id}:mfa/${name.split('.')[0] ?? name}-${rng.pick(['iphone', 'pixel', 'yubikey', 'authy'])}`,
    officeIp: rng.pick(officeIps),
    homeIp: `${rng.between(24, 99)}.${rng.between(1, 254)}.${rng.between(1, 254)}.${rng.between(2, 254)}`,
    browser: rng.pick(BROWSERS),
    cli: rng.pick(CLIS),
  }));
  const roles: SimRole[] = [];
  for (const app of APPS) {
    roles.push({
      name: `${app}-role`,
      arn: `arn:aws:iam::${id}:role/${app}-role`,
      principalId: rng.keyId('AROA'),
      kind: 'app',
      sessions: [`${app}-${rng.hex(8)}`, `${app}-${rng.hex(8)}`, `i-0${rng.hex(16)}`],
      service: null,
      userAgent: rng.pick(APP_AGENTS),
      ips: [
        `10.${n}.${rng.between(0, 255)}.${rng.between(2, 254)}`,
        `10.${n}.${rng.between(0, 255)}.${rng.between(2, 254)}`,
      ],
    });
  }
  for (const [permissionSet, suffix] of [
    ['AdministratorAccess', rng.hex(16)],
    ['ReadOnlyAccess', rng.hex(16)],
    ['PowerUserAccess', rng.hex(16)],
  ] as const) {
    const name = `AWSReservedSSO_${permissionSet}_${suffix}`;
    roles.push({
      name,
      arn: `arn:aws:iam::${id}:role/aws-reserved/sso.amazonaws.com/${name}`,
      principalId: rng.keyId('AROA'),
      kind: 'sso',
      sessions: names.slice(0, 6).map((p) => `${p}@example.com`),
      service: null,
      userAgent: rng.pick(BROWSERS),
      ips: officeIps,
    });
  }
  for (const service of [
    'lambda.amazonaws.com',
    'ecs-tasks.amazonaws.com',
    'config.amazonaws.com',
    'ec2.amazonaws.com',
  ]) {
    const short = service.split('.')[0] ?? service;
    roles.push({
      name: `${short}-execution-role`,
      arn: `arn:aws:iam::${id}:role/service-role/${short}-execution-role`,
      principalId: rng.keyId('AROA'),
      kind: 'service',
      sessions: [`${short}-${rng.hex(12)}`, `${short}-${rng.hex(12)}`],
      service,
      userAgent: service,
      ips: [service],
    });
  }
  const alias = `acme-${['prod', 'staging', 'shared', 'data', 'sandbox'][n % 5] ?? 'dev'}${n >= 5 ? `-${n}` : ''}`;
  return {
    id,
    alias,
    users,
    roles,
    buckets: [`${alias}-assets`, `${alias}-logs-${id}`, `${alias}-exports`, `${alias}-terraform-state`],
    functions: APPS.slice(0, 4).map((a) => `${a}-handler`),
    kmsKeys: [rng.uuid(), rng.uuid()],
    appRoles: roles.filter((r) => r.kind === 'app'),
    ssoRoles: roles.filter((r) => r.kind === 'sso'),
    serviceRoles: roles.filter((r) => r.kind === 'service'),
    people: users.slice(0, names.length),
    bystanders: users.slice(7, names.length),
    objectKeys: [0, 1, 2, 3].map(() =>
      Array.from(
        { length: 400 },
        () =>
          `${rng.pick(['uploads', 'exports', 'cache', 'thumbnails', 'invoices'])}/${rng.between(2020, 2024)}/${rng.hex(8)}/${rng.alnum(12)}.${rng.pick(['json', 'parquet', 'png', 'pdf', 'csv.gz'])}`,
      ),
    ),
  };
}
