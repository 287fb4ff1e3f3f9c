// Test helpers for the live core: raw CloudTrail records, a fake clock, a temporary store and a configured service.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../store/index.ts';
import type { Store } from '../../../store/index.ts';
import { parseConfig } from '../../config.ts';
import type { MfaguardConfig } from '../../config.ts';
import { loadRuleSet } from '../../rule-set.ts';
import type { LoadedRuleSet } from '../../rule-set.ts';
import { createLiveService } from '../live-service.ts';
import type { LiveCore, LiveLogEntry, LiveServiceDeps } from '../live-service.ts';

export const ACCOUNT = '111122223333';
export const SECRET = new Uint8Array(Buffer.from('0123456789abcdef0123456789abcdef-test-secret'));
export const PUBLIC_URL = 'https://mfaguard.example.test';

let counter = 0;

export interface RawSpec {
  readonly name: string;
  readonly at: string;
  readonly actor?: string;
  readonly target?: string;
  readonly ip?: string;
  readonly userAgent?: string;
  /** `sessionContext.attributes.mfaAuthenticated`. */
  readonly mfa?: boolean;
  readonly key?: 'temporary' | 'long-term';
  readonly console?: boolean;
  readonly outcome?: 'success' | 'failure';
  readonly mfaUsed?: boolean;
  readonly id?: string;
}

/** A CloudTrail record as CloudTrail writes it, with only what the tests vary. */
export function rawRecord(spec: RawSpec): Record<string, unknown> {
  const actor = spec.actor ?? 'alice';
  const root = actor === 'root';
  const signIn = spec.name === 'ConsoleLogin';
  const temporary = spec.key === 'temporary';
  const requestParameters: Record<string, unknown> | null =
    spec.target === undefined
      ? null
      : {
          userName: spec.target,
          ...(spec.name.includes('MFADevice')
            ? { serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/${spec.target}` }
            : {}),
        };
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: root ? 'Root' : 'IAMUser',
      principalId: root ? ACCOUNT : `AIDA${actor.toUpperCase()}`,
      arn: root ? `arn:aws:iam::${ACCOUNT}:root` : `arn:aws:iam::${ACCOUNT}:user/${actor}`,
      accountId: ACCOUNT,
      accessKeyId: temporary ? 'ASIAEXAMPLEKEY00001' : 'AKIAEXAMPLEKEY00001',
      ...(root ? {} : { userName: actor }),
      ...(spec.mfa === undefined && spec.console !== true
        ? {}
        : {
            sessionContext: {
              attributes: { creationDate: spec.at, mfaAuthenticated: String(spec.mfa ?? true) },
            },
          }),
      ...(spec.console === true ? { sessionCredentialFromConsole: 'true' } : {}),
    },
    eventTime: spec.at,
    eventSource: signIn ? 'signin.amazonaws.com' : 'iam.amazonaws.com',
    eventName: spec.name,
    awsRegion: 'us-east-1',
    sourceIPAddress: spec.ip ?? '198.51.100.7',
    userAgent: spec.userAgent ?? (spec.console === true ? 'AWS Internal' : 'aws-cli/2.15.0 Python/3.11'),
    ...(spec.outcome === 'failure' ? { errorCode: 'AccessDenied', errorMessage: 'not authorized' } : {}),
    requestParameters,
    responseElements: signIn ? { ConsoleLogin: 'Success' } : null,
    ...(signIn ? { additionalEventData: { MFAUsed: spec.mfaUsed === false ? 'No' : 'Yes' } } : {}),
    eventID: spec.id ?? `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
    readOnly: false,
    eventType: signIn ? 'AwsConsoleSignIn' : 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  };
}

/** A takeover of carol's identity: bob, from a new address and client, removes her device and enrols his own. */
export function takeoverRecords(): Record<string, unknown>[] {
  const bobByDay = { actor: 'bob', ip: '203.0.113.20', userAgent: 'aws-cli/2.15.0 Python/3.11' } as const;
  const attacker = { actor: 'bob', ip: '192.0.2.66', userAgent: 'Boto3/1.34.0 Python/3.12' } as const;
  return [
    rawRecord({ name: 'ListUsers', at: '2026-11-10T14:00:00Z', ...bobByDay }),
    rawRecord({ name: 'GetCallerIdentity', at: '2026-11-12T15:00:00Z', ...bobByDay }),
    rawRecord({ name: 'ListUsers', at: '2026-11-18T02:11:00Z', ...attacker }),
    rawRecord({ name: 'DeactivateMFADevice', at: '2026-11-18T02:14:00Z', ...attacker, target: 'carol' }),
    rawRecord({
      name: 'CreateVirtualMFADevice',
      at: '2026-11-18T02:16:00Z',
      ...attacker,
      key: 'temporary',
      mfa: false,
      target: 'carol',
    }),
    rawRecord({
      name: 'EnableMFADevice',
      at: '2026-11-18T02:16:30Z',
      ...attacker,
      key: 'temporary',
      mfa: false,
      target: 'carol',
    }),
  ];
}

/** Alice swaps her phone from her usual console session: history, the removal, then the re-enrolment. */
export function phoneSwapRecords(): {
  history: Record<string, unknown>[];
  removal: Record<string, unknown>[];
  reEnrolment: Record<string, unknown>[];
} {
  const alice = { actor: 'alice', ip: '198.51.100.7', console: true, mfa: true } as const;
  return {
    history: [
      rawRecord({ name: 'ConsoleLogin', at: '2026-11-16T08:30:00Z', ...alice }),
      rawRecord({ name: 'ListMFADevices', at: '2026-11-16T08:31:00Z', ...alice, target: 'alice' }),
      rawRecord({ name: 'ConsoleLogin', at: '2026-11-17T08:40:00Z', ...alice }),
    ],
    removal: [
      rawRecord({ name: 'DeactivateMFADevice', at: '2026-11-17T09:05:00Z', ...alice, target: 'alice' }),
      rawRecord({ name: 'DeleteVirtualMFADevice', at: '2026-11-17T09:05:30Z', ...alice, target: 'alice' }),
    ],
    reEnrolment: [
      rawRecord({ name: 'CreateVirtualMFADevice', at: '2026-11-17T09:07:00Z', ...alice, target: 'alice' }),
      rawRecord({ name: 'EnableMFADevice', at: '2026-11-17T09:08:00Z', ...alice, target: 'alice' }),
    ],
  };
}

/** The same record as an EventBridge "AWS API Call via CloudTrail" event. */
export function eventBridge(record: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: `eb-${String(record['eventID'])}`,
    'detail-type':
      record['eventName'] === 'ConsoleLogin'
        ? 'AWS Console Sign In via CloudTrail'
        : 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account: ACCOUNT,
    time: record['eventTime'],
    region: 'us-east-1',
    resources: [],
    detail: record,
  };
}

export interface FakeClock {
  (): number;
  set(iso: string): void;
  advance(ms: number): void;
}

export function fakeClock(iso: string): FakeClock {
  let now = Date.parse(iso);
  const clock = (() => now) as FakeClock;
  clock.set = (value) => {
    now = Date.parse(value);
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

export const TEST_CONFIG_YAML = `
identities:
  owners:
    alice: { email: alice@example.com }
    carol: { email: carol@example.com }
    root: { email: cloud-owner@example.com }
    dave: { email: dave@example.com }
  privileged: [dave]
notify:
  notifiers:
    - { id: owners, kind: email, host: 127.0.0.1, port: 2525, from: mfaguard@example.com, to: [secops@example.com] }
    - { id: security, kind: webhook, url: 'http://127.0.0.1:9/hook', secretEnv: HOOK_SECRET }
  routes:
    - { name: owners, kinds: [verification-request], notify: [owners] }
    - { name: security, kinds: [case-opened, case-escalated, case-resolved, verification-answered], notify: [security] }
`;

let ruleSet: LoadedRuleSet | null = null;
/** The built-in rules, loaded once per test process. */
export function builtinRules(): LoadedRuleSet {
  ruleSet ??= loadRuleSet({ builtin: true, paths: [] });
  return ruleSet;
}

export function testConfig(yaml: string = TEST_CONFIG_YAML): MfaguardConfig {
  return parseConfig(yaml, 'test-config.yml');
}

export interface TempStore {
  readonly url: string;
  open(): Promise<Store>;
  cleanup(): void;
}

export function tempSqlite(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-live-'));
  const url = `sqlite:${join(dir, 'live.db')}`;
  return { url, open: () => openStore(url), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function makeService(
  store: Store,
  clock: () => number,
  overrides: Partial<LiveServiceDeps> = {},
): LiveCore & { readonly logs: LiveLogEntry[] } {
  const logs: LiveLogEntry[] = [];
  const service = createLiveService({
    store,
    rules: builtinRules(),
    config: testConfig(),
    secret: SECRET,
    publicUrl: PUBLIC_URL,
    clock,
    log: (entry) => logs.push(entry),
    ...overrides,
  });
  return Object.assign(service, { logs });
}

export const ORIGIN = { source: 'eventbridge', location: 'test-request' } as const;

/** Removal `i` of a burst by mallory: user-i's device, `stepMs` after the one before, from 10:00 on 20 Nov 2026. */
export function burstRemoval(i: number, options: { readonly stepMs: number; readonly idPrefix: string }) {
  return rawRecord({
    name: 'DeactivateMFADevice',
    at: new Date(Date.parse('2026-11-20T10:00:00Z') + i * options.stepMs).toISOString(),
    actor: 'mallory',
    target: `user-${i}`,
    id: `${options.idPrefix}${i}`,
  });
}
