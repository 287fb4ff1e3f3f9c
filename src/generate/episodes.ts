// Labelled episodes of how MFA is really changed in AWS (self-service rotations, administrators' resets, takeovers with and without the intruder's own device, root, ambiguous cases) over a realistic everyday background, for judging triage.

import { Prng } from './prng.ts';
import {
  assumedRoleIdentity,
  envelope,
  NOISE_KINDS,
  rootIdentity,
  SessionCache,
  tls,
  userKeyIdentity,
  userSessionIdentity,
} from './records.ts';
import type { NoiseKind, Rec } from './records.ts';
import {
  consoleCaller,
  consolePageCalls,
  newSerial,
  StoryBuilder,
  user,
  userKeyIdentityNoKey,
} from './scenarios.ts';
import type { Caller, Planted } from './scenarios.ts';
import { buildWorld } from './world.ts';
import type { SimAccount, SimRole, SimUser, World } from './world.ts';

/**
 * What an episode is, as a person who knew the truth would label it:
 * - `rotation`: a user replaces their own device in an MFA session (console or CLI), from their usual place;
 * - `admin-reset`: an administrator removes someone else's lost device (one user, or several when offboarding);
 * - `takeover`: someone with stolen credentials removes a user's MFA and keeps access (new key, password, privilege);
 * - `takeover-own-device`: the same, enrolling the intruder's own device for the victim;
 * - `root`: the root user's device removed (re-enrolled or not);
 * - `ambiguous`: honest cases where the evidence points both ways (a rotation while travelling, a reset followed by a
 *   reissued password and key, a re-enrolment after the grace window, a user with no history). No expectation.
 */
export const EPISODE_KINDS = [
  'rotation',
  'admin-reset',
  'takeover',
  'takeover-own-device',
  'root',
  'ambiguous',
] as const;
export type EpisodeKind = (typeof EPISODE_KINDS)[number];

export interface Episode {
  readonly id: string;
  readonly kind: EpisodeKind;
  readonly variant: string;
  readonly account: string;
  readonly description: string;
  /** The DeactivateMFADevice eventIDs of the episode (an offboarding or a sweep has several). */
  readonly removals: readonly string[];
  /** Every eventID the episode wrote. */
  readonly events: readonly string[];
}

export interface EpisodeMixOptions {
  readonly seed: number;
  readonly episodes: number;
  /** Accounts to spread the episodes over (default 4). */
  readonly accounts?: number;
  /** UTC date where the background starts (default 2025-01-06, a Monday). */
  readonly start?: string;
  /** Days of everyday background before the first episode: the look-back triage judges familiarity by (default 35). */
  readonly historyDays?: number;
  /** Unrelated events (S3, EC2, KMS, ...) per account and day (default 0). */
  readonly noisePerDay?: number;
  /** Relative weights of the episode kinds (default: see DEFAULT_MIX). */
  readonly mix?: Partial<Record<EpisodeKind, number>>;
}

export interface EpisodeMix {
  /** Every record, oldest first. */
  readonly records: Rec[];
  readonly episodes: Episode[];
  readonly startMs: number;
  readonly endMs: number;
}

export const DEFAULT_MIX: Readonly<Record<EpisodeKind, number>> = {
  rotation: 40,
  'admin-reset': 20,
  takeover: 12,
  'takeover-own-device': 10,
  root: 6,
  ambiguous: 12,
};

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Episode slots each day, UTC: one at night, three in office hours. Slots are 3.5 h apart or more, past every triage window. */
const SLOTS = [2 * HOUR, 9.5 * HOUR, 13 * HOUR, 16.5 * HOUR];

/** What intruders' tools send: scripts, SDKs and a CLI on a machine nobody in the company uses. */
const INTRUDER_AGENTS = [
  'python-requests/2.31.0',
  'Boto3/1.34.60 md/Botocore#1.34.60 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.60',
  'aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/iam#1.31.2',
  'curl/8.5.0',
];

/** The CLI's v2 user agent names the command it ran. */
function cliAgent(base: string, command: string): string {
  return `${base.replace(/ command\/\S+/, '')} md/command#${command}`;
}

interface Scene {
  readonly rng: Prng;
  readonly account: SimAccount;
  readonly t: number;
  readonly id: string;
}

interface Built {
  readonly kind: EpisodeKind;
  readonly variant: string;
  readonly description: string;
  readonly removals: readonly string[];
  readonly b: StoryBuilder;
}

function intruderIp(rng: Prng): string {
  // Public ranges no simulated office or home uses (those are 192.0.2/24, 198.51.100/24 and 24–99.x.x.x).
  return `${rng.between(101, 190)}.${rng.between(0, 255)}.${rng.between(0, 255)}.${rng.between(2, 254)}`;
}

function people(account: SimAccount): readonly SimUser[] {
  return account.people;
}

/** People who use the CLI with their own long-term key every day (their history shows it). */
function cliPeople(account: SimAccount): readonly SimUser[] {
  return account.people.filter((_, i) => i % 3 === 0);
}

/** `n` distinct items, in a random order (a partial Fisher–Yates shuffle). */
function sample<T>(rng: Prng, list: readonly T[], n: number): T[] {
  const copy = [...list];
  for (let i = 0; i < Math.min(n, copy.length); i++) {
    const j = i + rng.int(copy.length - i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

function ssoAdmin(account: SimAccount): SimRole {
  const role = account.ssoRoles.find((candidate) => candidate.name.includes('AdministratorAccess'));
  if (role === undefined) throw new RangeError('no Identity Center administrator role');
  return role;
}

/** An Identity Center console session: the role session names the person; MFA happened at the identity provider. */
function ssoCaller(
  rng: Prng,
  account: SimAccount,
  session: string,
  t: number,
  ip: string,
  ua: string,
): Caller {
  const role = ssoAdmin(account);
  return {
    identity: assumedRoleIdentity(rng, account, role, session, t, false),
    ip,
    ua,
    fromConsole: true,
  };
}

/** The device a user has now: a virtual one (phone app) or a security key, whose serial is no `mfa/` ARN. */
function currentDevice(u: SimUser): { serial: string; virtual: boolean } {
  return { serial: u.mfaSerial, virtual: !u.mfaSerial.endsWith('-yubikey') };
}

function enrolVirtual(
  b: StoryBuilder,
  rng: Prng,
  account: SimAccount,
  t: number,
  caller: Caller,
  target: SimUser,
  device: string,
): string {
  const serial = newSerial(account, target, `${device}-${rng.hex(4)}`);
  b.call(
    t - 35_000,
    caller,
    'iam.amazonaws.com',
    'CreateVirtualMFADevice',
    { virtualMFADeviceName: serial.split('/').pop() ?? device, path: '/' },
    { virtualMFADevice: { serialNumber: serial } },
  );
  b.call(
    t,
    caller,
    'iam.amazonaws.com',
    'EnableMFADevice',
    { userName: target.name, serialNumber: serial },
    null,
  );
  return serial;
}

function removeDevice(
  b: StoryBuilder,
  t: number,
  caller: Caller,
  target: SimUser,
  serial: string,
  virtual: boolean,
  root = false,
): string {
  const removal = b.call(
    t,
    caller,
    'iam.amazonaws.com',
    'DeactivateMFADevice',
    root ? { serialNumber: serial } : { userName: target.name, serialNumber: serial },
    null,
  );
  if (virtual)
    b.call(t + 2000, caller, 'iam.amazonaws.com', 'DeleteVirtualMFADevice', { serialNumber: serial }, null);
  return removal;
}

function signIn(
  b: StoryBuilder,
  t: number,
  u: SimUser,
  account: SimAccount,
  ip: string,
  ua: string,
  mfa: boolean,
): void {
  b.consoleLogin(t, userKeyIdentityNoKey(account, u), ip, ua, mfa, mfa ? u.mfaSerial : null, []);
}

// ---- rotations ----

/** A CLI user's rotation: an MFA session from GetSessionToken with a token code, then the IAM calls with it. */
function cliRotation(scene: Scene, b: StoryBuilder, u: SimUser): Built {
  const { rng, account, t } = scene;
  const key = rng.keyId('ASIA');
  b.call(
    t - 3 * MINUTE,
    {
      identity: userKeyIdentity(account, u),
      ip: u.officeIp,
      ua: cliAgent(u.cli, 'sts.get-session-token'),
      fromConsole: false,
    },
    'sts.amazonaws.com',
    'GetSessionToken',
    { durationSeconds: 3600, serialNumber: u.mfaSerial },
    {
      credentials: {
        accessKeyId: key,
        sessionToken: rng.base64(96),
        expiration: new Date(t + HOUR).toUTCString(),
      },
    },
    { readOnly: true },
  );
  const session = (command: string): Caller => ({
    identity: userSessionIdentity(account, u, key, t - 3 * MINUTE, true),
    ip: u.officeIp,
    ua: cliAgent(u.cli, command),
    fromConsole: false,
  });
  b.call(
    t - 60_000,
    session('iam.list-mfa-devices'),
    'iam.amazonaws.com',
    'ListMFADevices',
    { userName: u.name },
    null,
    { readOnly: true },
  );
  const device = currentDevice(u);
  const removal = b.call(
    t,
    session('iam.deactivate-mfa-device'),
    'iam.amazonaws.com',
    'DeactivateMFADevice',
    { userName: u.name, serialNumber: device.serial },
    null,
  );
  if (device.virtual)
    b.call(
      t + 20_000,
      session('iam.delete-virtual-mfa-device'),
      'iam.amazonaws.com',
      'DeleteVirtualMFADevice',
      { serialNumber: device.serial },
      null,
    );
  enrolVirtual(b, rng, account, t + rng.between(2, 8) * MINUTE, session('iam.enable-mfa-device'), u, 'cli');
  return {
    kind: 'rotation',
    variant: 'cli-mfa-session',
    description: `${u.name} replaces their device with the CLI in an MFA session`,
    removals: [removal],
    b,
  };
}

function rotation(scene: Scene): Built {
  const { rng, account, t } = scene;
  const b = new StoryBuilder(rng, account);
  const roll = rng.next();
  const cliUsers = cliPeople(account);
  if (roll < 0.2 && cliUsers.length > 0) return cliRotation(scene, b, rng.pick(cliUsers));
  const u = rng.pick(people(account));
  // Most swaps happen at the office; some at home, an address the user's history knows.
  const ip = rng.chance(0.85) ? u.officeIp : u.homeIp;
  const caller = consoleCaller(rng, account, u, t, ip);
  signIn(b, t - rng.between(3, 25) * MINUTE, u, account, ip, u.browser, true);
  const device = currentDevice(u);
  if (roll < 0.35) {
    // IAM allows several devices per user: add the new phone first, then remove the old one.
    consolePageCalls(b, t - 6 * MINUTE, caller, u.name);
    enrolVirtual(b, rng, account, t - 3 * MINUTE, caller, u, rng.pick(['iphone15', 'pixel8']));
    const removal = removeDevice(b, t, caller, u, device.serial, device.virtual);
    return {
      kind: 'rotation',
      variant: 'console-add-first',
      description: `${u.name} adds a new phone, then removes the old device`,
      removals: [removal],
      b,
    };
  }
  consolePageCalls(b, t - 40_000, caller, u.name);
  const removal = removeDevice(b, t, caller, u, device.serial, device.virtual);
  b.call(t + 4000, caller, 'iam.amazonaws.com', 'ListMFADevices', { userName: u.name }, null, {
    readOnly: true,
  });
  const gap = rng.between(1, 12) * MINUTE + rng.between(0, 59) * 1000;
  if (roll < 0.5) {
    // A security key registers with EnableMFADevice alone (its serial is not an `mfa/` ARN).
    const serial = `arn:aws:iam::${account.id}:u2f/user/${u.name}/fidosecuritykey-${rng.upperHex(16)}`;
    b.call(
      t + gap,
      caller,
      'iam.amazonaws.com',
      'EnableMFADevice',
      { userName: u.name, serialNumber: serial },
      null,
    );
    return {
      kind: 'rotation',
      variant: 'console-security-key',
      description: `${u.name} replaces their device with a security key`,
      removals: [removal],
      b,
    };
  }
  enrolVirtual(b, rng, account, t + gap, caller, u, rng.pick(['iphone15', 'pixel8', 'galaxy-s24']));
  b.call(t + gap + 3000, caller, 'iam.amazonaws.com', 'ListMFADevices', { userName: u.name }, null, {
    readOnly: true,
  });
  return {
    kind: 'rotation',
    variant: 'console-phone',
    description: `${u.name} replaces their phone from the console`,
    removals: [removal],
    b,
  };
}

// ---- administrators' resets ----

function adminCaller(
  rng: Prng,
  account: SimAccount,
  t: number,
): { caller: Caller; name: string; via: string } {
  const roll = rng.next();
  const admin = user(account, 'it-admin');
  if (roll < 0.45)
    return { caller: consoleCaller(rng, account, admin, t), name: admin.name, via: 'iam-console' };
  if (roll < 0.8) {
    const session = rng.pick(ssoAdmin(account).sessions);
    return {
      caller: ssoCaller(rng, account, session, t, admin.officeIp, 'AWS Internal'),
      name: session,
      via: 'identity-center-console',
    };
  }
  const key = rng.keyId('ASIA');
  return {
    caller: {
      identity: userSessionIdentity(account, admin, key, t - 10 * MINUTE, true),
      ip: admin.officeIp,
      ua: cliAgent(admin.cli, 'iam.deactivate-mfa-device'),
      fromConsole: false,
    },
    name: admin.name,
    via: 'cli-mfa-session',
  };
}

/** The owner comes back after the reset: signs in with the password alone and enrols a new device (the documented path). */
function ownerReEnrols(b: StoryBuilder, rng: Prng, account: SimAccount, t: number, owner: SimUser): void {
  signIn(b, t, owner, account, owner.officeIp, owner.browser, false);
  const session: Caller = {
    identity: userSessionIdentity(account, owner, rng.keyId('ASIA'), t, false),
    ip: owner.officeIp,
    ua: 'AWS Internal',
    fromConsole: true,
  };
  b.call(t + 20_000, session, 'iam.amazonaws.com', 'ListMFADevices', { userName: owner.name }, null, {
    readOnly: true,
  });
  enrolVirtual(b, rng, account, t + rng.between(2, 5) * MINUTE, session, owner, 'newphone');
}

function adminReset(scene: Scene): Built {
  const { rng, account, t } = scene;
  const b = new StoryBuilder(rng, account);
  const admin = adminCaller(rng, account, t);
  const offboarding = rng.chance(0.12);
  const targets = offboarding ? sample(rng, people(account), 6) : [rng.pick(people(account))];
  const removals: string[] = [];
  let at = t;
  for (const target of targets) {
    if (admin.via === 'cli-mfa-session') {
      if (at === t)
        b.call(at - 3 * MINUTE, admin.caller, 'iam.amazonaws.com', 'ListUsers', null, null, {
          readOnly: true,
        });
      b.call(
        at - 50_000,
        { ...admin.caller, ua: cliAgent(user(account, 'it-admin').cli, 'iam.list-mfa-devices') },
        'iam.amazonaws.com',
        'ListMFADevices',
        { userName: target.name },
        null,
        { readOnly: true },
      );
    } else {
      if (at === t)
        b.call(at - 90_000, admin.caller, 'iam.amazonaws.com', 'ListUsers', null, null, { readOnly: true });
      consolePageCalls(b, at - 40_000, admin.caller, target.name);
    }
    const device = currentDevice(target);
    removals.push(removeDevice(b, at, admin.caller, target, device.serial, device.virtual));
    at += rng.between(60, 110) * 1000;
  }
  if (!offboarding && rng.chance(0.7))
    ownerReEnrols(b, rng, account, t + rng.between(10, 45) * MINUTE, targets[0]!);
  return {
    kind: 'admin-reset',
    variant: `${offboarding ? 'offboarding' : 'lost-device'}-${admin.via}`,
    description: offboarding
      ? `${admin.name} removes the MFA devices of ${targets.length} leavers (${admin.via})`
      : `${admin.name} resets ${targets[0]!.name}'s lost device (${admin.via})`,
    removals,
    b,
  };
}

// ---- takeovers ----

interface Intruder {
  readonly caller: Caller;
  readonly name: string;
  readonly via: string;
  /** A session to enrol a device with, when the intruder does. */
  readonly enrolCaller: Caller;
  readonly victimIsIntruder: boolean;
}

/** A console password without MFA: an IAM user who never enrolled a device, signing in from the intruder's browser. */
function phishedPassword(
  rng: Prng,
  account: SimAccount,
  t: number,
  b: StoryBuilder,
  victim: SimUser,
  ip: string,
): Intruder {
  const victimOfPhishing = user(account, 'backup-operator');
  signIn(
    b,
    t - rng.between(4, 15) * MINUTE,
    victimOfPhishing,
    account,
    ip,
    'Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0',
    false,
  );
  const caller: Caller = {
    identity: userSessionIdentity(account, victimOfPhishing, rng.keyId('ASIA'), t - 10 * MINUTE, false),
    ip,
    ua: 'AWS Internal',
    fromConsole: true,
  };
  b.call(t - 2 * MINUTE, caller, 'iam.amazonaws.com', 'ListUsers', null, null, { readOnly: true });
  consolePageCalls(b, t - 60_000, caller, victim.name);
  return {
    caller,
    name: victimOfPhishing.name,
    via: 'password-console',
    enrolCaller: caller,
    victimIsIntruder: false,
  };
}

function intruder(
  rng: Prng,
  account: SimAccount,
  t: number,
  b: StoryBuilder,
  victim: SimUser,
  ownDevice: boolean,
): Intruder {
  const ip = intruderIp(rng);
  const ua = rng.pick(INTRUDER_AGENTS);
  const roll = rng.next();
  if (roll < 0.12 && !ownDevice) {
    // An administrator's console session, MFA and all, hijacked (a stolen session cookie) and replayed from elsewhere.
    const admin = user(account, 'it-admin');
    const caller = consoleCaller(rng, account, admin, t, ip);
    consolePageCalls(b, t - 60_000, caller, victim.name);
    return {
      caller,
      name: admin.name,
      via: 'hijacked-admin-console',
      enrolCaller: caller,
      victimIsIntruder: false,
    };
  }
  if (roll < 0.35) return phishedPassword(rng, account, t, b, victim, ip);
  if (roll < 0.55 && !ownDevice) {
    // A stolen Identity Center session (a browser cookie or cached CLI credentials) replayed from elsewhere.
    const session = rng.pick(ssoAdmin(account).sessions);
    const caller = ssoCaller(rng, account, session, t, ip, 'AWS Internal');
    b.call(t - 3 * MINUTE, caller, 'iam.amazonaws.com', 'ListUsers', null, null, { readOnly: true });
    consolePageCalls(b, t - 60_000, caller, victim.name);
    return {
      caller,
      name: session,
      via: 'stolen-identity-center-session',
      enrolCaller: caller,
      victimIsIntruder: false,
    };
  }
  if (roll < 0.75 && ownDevice) {
    // The victim's own long-term key, leaked: the intruder removes the victim's device and enrols their own.
    const caller: Caller = { identity: userKeyIdentity(account, victim), ip, ua, fromConsole: false };
    b.call(t - 2 * MINUTE, caller, 'sts.amazonaws.com', 'GetCallerIdentity', null, null, { readOnly: true });
    b.call(t - 60_000, caller, 'iam.amazonaws.com', 'ListMFADevices', null, null, { readOnly: true });
    return {
      caller,
      name: victim.name,
      via: 'victim-leaked-key',
      enrolCaller: caller,
      victimIsIntruder: true,
    };
  }
  // A CI key leaked from a repository, used from the intruder's machine.
  const thief = user(account, 'ci-deploy');
  const caller: Caller = { identity: userKeyIdentity(account, thief), ip, ua, fromConsole: false };
  b.call(t - 4 * MINUTE, caller, 'sts.amazonaws.com', 'GetCallerIdentity', null, null, { readOnly: true });
  b.call(t - 3 * MINUTE, caller, 'iam.amazonaws.com', 'ListUsers', null, null, { readOnly: true });
  b.call(t - 2 * MINUTE, caller, 'iam.amazonaws.com', 'ListMFADevices', { userName: victim.name }, null, {
    readOnly: true,
  });
  let enrolCaller = caller;
  if (ownDevice) {
    const key = rng.keyId('ASIA');
    b.call(
      t + 30_000,
      caller,
      'sts.amazonaws.com',
      'GetSessionToken',
      { durationSeconds: 43200 },
      {
        credentials: {
          accessKeyId: key,
          sessionToken: rng.base64(96),
          expiration: new Date(t + 12 * HOUR).toUTCString(),
        },
      },
      { readOnly: true },
    );
    enrolCaller = {
      identity: userSessionIdentity(account, thief, key, t + 30_000, false),
      ip,
      ua,
      fromConsole: false,
    };
  }
  return { caller, name: thief.name, via: 'leaked-ci-key', enrolCaller, victimIsIntruder: false };
}

function persistence(
  b: StoryBuilder,
  rng: Prng,
  t: number,
  caller: Caller,
  victim: SimUser,
  must: boolean,
): string[] {
  const done: string[] = [];
  if (must || rng.chance(0.8)) {
    b.call(
      t,
      caller,
      'iam.amazonaws.com',
      'CreateAccessKey',
      { userName: victim.name },
      {
        accessKey: {
          userName: victim.name,
          accessKeyId: rng.keyId('AKIA'),
          status: 'Active',
          createDate: new Date(t).toUTCString(),
        },
      },
    );
    done.push('access key');
  }
  if (rng.chance(0.6)) {
    b.call(
      t + 40_000,
      caller,
      'iam.amazonaws.com',
      'AttachUserPolicy',
      { userName: victim.name, policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      null,
    );
    done.push('AdministratorAccess');
  }
  if (rng.chance(0.3)) {
    b.call(
      t + 80_000,
      caller,
      'iam.amazonaws.com',
      'UpdateLoginProfile',
      { userName: victim.name, passwordResetRequired: false },
      null,
    );
    done.push('password');
  }
  return done;
}

function takeover(scene: Scene, ownDevice: boolean): Built {
  const { rng, account, t } = scene;
  const b = new StoryBuilder(rng, account);
  const sweep = !ownDevice && rng.chance(0.1);
  const victims = sweep ? sample(rng, people(account), 5) : [rng.pick(people(account))];
  const who = intruder(rng, account, t, b, victims[0]!, ownDevice);
  const removals: string[] = [];
  let at = t;
  const steps: string[] = [];
  for (const victim of victims) {
    const device = currentDevice(victim);
    removals.push(removeDevice(b, at, who.caller, victim, device.serial, device.virtual));
    at += rng.between(20, 70) * 1000;
  }
  const victim = victims[0]!;
  if (ownDevice) {
    enrolVirtual(b, rng, account, t + rng.between(1, 4) * MINUTE, who.enrolCaller, victim, 'backup');
    steps.push('own device');
    if (!who.victimIsIntruder)
      steps.push(...persistence(b, rng, at + 5 * MINUTE, who.enrolCaller, victim, false));
  } else {
    for (const target of victims)
      steps.push(...persistence(b, rng, at + 3 * MINUTE, who.caller, target, true));
  }
  return {
    kind: ownDevice ? 'takeover-own-device' : 'takeover',
    variant: `${who.via}${sweep ? '-sweep' : ''}`,
    description: `${who.name} (${who.via}) removes ${victims.map((v) => v.name).join(', ')}'s MFA, then: ${steps.join(', ') || 'nothing else'}`,
    removals,
    b,
  };
}

// ---- root ----

function rootEpisode(scene: Scene): Built {
  const { rng, account, t } = scene;
  const b = new StoryBuilder(rng, account);
  const owner = account.people[0]!;
  const serial = `arn:aws:iam::${account.id}:mfa/root-account-mfa-device`;
  b.consoleLogin(
    t - 5 * MINUTE,
    rootIdentity(account, null, null, false),
    owner.officeIp,
    owner.browser,
    true,
    serial,
    [],
  );
  const caller: Caller = {
    identity: rootIdentity(account, rng.keyId('ASIA'), t - 5 * MINUTE, true),
    ip: owner.officeIp,
    ua: 'AWS Internal',
    fromConsole: true,
  };
  const removal = b.call(
    t,
    caller,
    'iam.amazonaws.com',
    'DeactivateMFADevice',
    { serialNumber: serial },
    null,
  );
  b.call(t + 2000, caller, 'iam.amazonaws.com', 'DeleteVirtualMFADevice', { serialNumber: serial }, null);
  const reEnrolled = rng.chance(0.6);
  if (reEnrolled) {
    b.call(
      t + 3 * MINUTE,
      caller,
      'iam.amazonaws.com',
      'CreateVirtualMFADevice',
      { virtualMFADeviceName: 'root-account-mfa-device', path: '/' },
      { virtualMFADevice: { serialNumber: serial } },
    );
    b.call(
      t + 3 * MINUTE + 30_000,
      caller,
      'iam.amazonaws.com',
      'EnableMFADevice',
      { userName: 'AWS ROOT USER', serialNumber: serial },
      null,
    );
  }
  return {
    kind: 'root',
    variant: reEnrolled ? 're-enrolled' : 'not-re-enrolled',
    description: `root replaces its device${reEnrolled ? '' : ' and enrols none'}`,
    removals: [removal],
    b,
  };
}

// ---- ambiguous ----

function ambiguous(scene: Scene): Built {
  const { rng, account, t } = scene;
  const b = new StoryBuilder(rng, account);
  const u = rng.pick(people(account));
  const device = currentDevice(u);
  const roll = rng.next();
  if (roll < 0.3) {
    // A rotation from a hotel: MFA proves the person, the address is new.
    const ip = intruderIp(rng);
    signIn(b, t - 10 * MINUTE, u, account, ip, u.browser, true);
    const caller = consoleCaller(rng, account, u, t, ip);
    consolePageCalls(b, t - 40_000, caller, u.name);
    const removal = removeDevice(b, t, caller, u, device.serial, device.virtual);
    enrolVirtual(b, rng, account, t + rng.between(2, 6) * MINUTE, caller, u, 'travel');
    return {
      kind: 'ambiguous',
      variant: 'rotation-while-travelling',
      description: `${u.name} swaps phones from an unfamiliar address`,
      removals: [removal],
      b,
    };
  }
  if (roll < 0.6) {
    // A reset followed by a new password and a new key for the user: onboarding again, or persistence.
    const admin = user(account, 'it-admin');
    const caller = consoleCaller(rng, account, admin, t);
    consolePageCalls(b, t - 40_000, caller, u.name);
    const removal = removeDevice(b, t, caller, u, device.serial, device.virtual);
    b.call(
      t + 3 * MINUTE,
      caller,
      'iam.amazonaws.com',
      'UpdateLoginProfile',
      { userName: u.name, passwordResetRequired: true },
      null,
    );
    b.call(
      t + 4 * MINUTE,
      caller,
      'iam.amazonaws.com',
      'CreateAccessKey',
      { userName: u.name },
      {
        accessKey: {
          userName: u.name,
          accessKeyId: rng.keyId('AKIA'),
          status: 'Active',
          createDate: new Date(t).toUTCString(),
        },
      },
    );
    return {
      kind: 'ambiguous',
      variant: 'reset-and-reissue',
      description: `it-admin resets ${u.name}'s device, password and keys`,
      removals: [removal],
      b,
    };
  }
  // A rotation whose new device comes two hours later.
  const caller = consoleCaller(rng, account, u, t);
  consolePageCalls(b, t - 40_000, caller, u.name);
  const removal = removeDevice(b, t, caller, u, device.serial, device.virtual);
  enrolVirtual(
    b,
    rng,
    account,
    t + 2 * HOUR,
    consoleCaller(rng, account, u, t + 2 * HOUR - 5 * MINUTE),
    u,
    'late',
  );
  return {
    kind: 'ambiguous',
    variant: 'late-re-enrolment',
    description: `${u.name} removes the device and enrols the next one two hours later`,
    removals: [removal],
    b,
  };
}

// ---- the everyday background ----

/** A day of ordinary MFA-related activity in one account: sign-ins, console pages, CLI use, IAM administration. */
/** The day's people: console sign-ins with MFA (some browsing IAM), and the CLI users checking who they are. */
function peopleDay(
  rng: Prng,
  b: StoryBuilder,
  account: SimAccount,
  weekday: boolean,
  early: () => number,
): void {
  for (const u of account.people) {
    if (!rng.chance(weekday ? 0.9 : 0.15)) continue;
    const at = early();
    const ip = rng.chance(0.85) ? u.officeIp : u.homeIp;
    signIn(b, at, u, account, ip, u.browser, true);
    if (rng.chance(0.15)) consolePageCalls(b, at + 60_000, consoleCaller(rng, account, u, at, ip), u.name);
  }
  for (const u of cliPeople(account)) {
    if (!weekday) continue;
    b.call(
      early(),
      {
        identity: userKeyIdentity(account, u),
        ip: u.officeIp,
        ua: cliAgent(u.cli, 'sts.get-caller-identity'),
        fromConsole: false,
      },
      'sts.amazonaws.com',
      'GetCallerIdentity',
      null,
      null,
      { readOnly: true },
    );
  }
}

/** The day's Identity Center administrators: a federated console sign-in (MFAUsed No) and a look at the users. */
function ssoAdminSignIns(
  rng: Prng,
  b: StoryBuilder,
  account: SimAccount,
  weekday: boolean,
  early: () => number,
  out: Planted[],
): void {
  const role = ssoAdmin(account);
  for (const session of role.sessions) {
    if (!rng.chance(weekday ? 0.8 : 0.05)) continue;
    const at = early();
    const caller = ssoCaller(rng, account, session, at, rng.pick(role.ips), 'AWS Internal');
    const signInRecord = envelope({
      identity: caller.identity,
      t: at,
      source: 'signin.amazonaws.com',
      name: 'ConsoleLogin',
      region: 'us-east-1',
      ip: caller.ip,
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
    out.push({ t: at, account: account.id, region: 'us-east-1', record: signInRecord });
    b.call(at + 90_000, caller, 'iam.amazonaws.com', 'ListUsers', null, null, { readOnly: true });
  }
}

function backgroundDay(rng: Prng, account: SimAccount, dayStart: number, out: Planted[]): void {
  const b = new StoryBuilder(rng, account);
  const weekday = (() => {
    const dow = new Date(dayStart).getUTCDay();
    return dow >= 1 && dow <= 5;
  })();
  const early = (): number => dayStart + 7 * HOUR + rng.int(80 * 60) * 1000;
  peopleDay(rng, b, account, weekday, early);
  const admin = user(account, 'it-admin');
  if (weekday) {
    const at = early();
    signIn(b, at, admin, account, admin.officeIp, admin.browser, true);
    const key = rng.keyId('ASIA');
    b.call(
      at + 60_000,
      {
        identity: userKeyIdentity(account, admin),
        ip: admin.officeIp,
        ua: cliAgent(admin.cli, 'sts.get-session-token'),
        fromConsole: false,
      },
      'sts.amazonaws.com',
      'GetSessionToken',
      { durationSeconds: 43200, serialNumber: admin.mfaSerial },
      {
        credentials: {
          accessKeyId: key,
          sessionToken: rng.base64(96),
          expiration: new Date(at + 12 * HOUR).toUTCString(),
        },
      },
      { readOnly: true },
    );
    const session: Caller = {
      identity: userSessionIdentity(account, admin, key, at + 60_000, true),
      ip: admin.officeIp,
      ua: cliAgent(admin.cli, 'iam.list-users'),
      fromConsole: false,
    };
    b.call(at + 2 * MINUTE, session, 'iam.amazonaws.com', 'ListUsers', null, null, { readOnly: true });
    b.call(at + 3 * MINUTE, session, 'iam.amazonaws.com', 'ListMFADevices', null, null, { readOnly: true });
    // Noisy, benign IAM administration on service users: new users, keys, policies.
    for (let i = 0; i < rng.between(0, 3); i++) {
      const name = `svc-${rng.pick(['etl', 'reports', 'backup', 'deploy', 'metrics'])}-${rng.hex(4)}`;
      const when = at + rng.between(10, 400) * MINUTE;
      b.call(when, session, 'iam.amazonaws.com', 'CreateUser', { userName: name }, null);
      b.call(
        when + 20_000,
        session,
        'iam.amazonaws.com',
        'CreateAccessKey',
        { userName: name },
        {
          accessKey: {
            userName: name,
            accessKeyId: rng.keyId('AKIA'),
            status: 'Active',
            createDate: new Date(when).toUTCString(),
          },
        },
      );
      b.call(
        when + 40_000,
        session,
        'iam.amazonaws.com',
        'AttachUserPolicy',
        { userName: name, policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        null,
      );
    }
  }
  ssoAdminSignIns(rng, b, account, weekday, early, out);
  const ci = user(account, 'ci-deploy');
  if (weekday)
    b.call(
      early(),
      { identity: userKeyIdentity(account, ci), ip: ci.officeIp, ua: ci.cli, fromConsole: false },
      'sts.amazonaws.com',
      'GetCallerIdentity',
      null,
      null,
      { readOnly: true },
    );
  const backup = user(account, 'backup-operator');
  if (rng.chance(0.3)) signIn(b, early(), backup, account, backup.homeIp, backup.browser, false);
  out.push(...b.planted);
}

function noiseFor(
  rng: Prng,
  account: SimAccount,
  world: World,
  dayStart: number,
  count: number,
  sessions: SessionCache,
  out: Planted[],
): void {
  const kinds = NOISE_KINDS.filter((kind) => !kind.globalOnly);
  let sum = 0;
  const cumulative = kinds.map((kind) => (sum += kind.weight));
  for (let i = 0; i < count; i++) {
    const t = dayStart + rng.int(DAY / 1000) * 1000;
    const kind: NoiseKind = rng.weighted(kinds, cumulative);
    out.push({
      t,
      account: account.id,
      region: 'eu-west-1',
      record: kind.build({ rng, account, region: 'eu-west-1', t, sessions, world }),
    });
  }
}

function compareIds(a: Rec, b: Rec): number {
  const x = typeof a['eventID'] === 'string' ? a['eventID'] : '';
  const y = typeof b['eventID'] === 'string' ? b['eventID'] : '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A deterministic mix: the same options give the same records, in the same order. */
export function generateEpisodeMix(options: EpisodeMixOptions): EpisodeMix {
  const worldRng = new Prng(options.seed);
  const episodeRng = new Prng((options.seed ^ 0x2545f491) >>> 0);
  const backgroundRng = new Prng((options.seed + 0x9e3779b9) >>> 0);
  // A stream of its own: adding unrelated noise changes nothing else in the mix.
  const noiseRng = new Prng((options.seed ^ 0x68e31da4) >>> 0);
  const accountCount = options.accounts ?? 4;
  const world = buildWorld(
    worldRng,
    Array.from({ length: accountCount }, () => worldRng.digits(12)),
  );
  const startMs = Date.parse(`${options.start ?? '2025-01-06'}T00:00:00Z`);
  const historyDays = options.historyDays ?? 35;
  const mix = { ...DEFAULT_MIX, ...options.mix };
  const kinds = EPISODE_KINDS.filter((kind) => mix[kind] > 0);
  let total = 0;
  const cumulative = kinds.map((kind) => (total += mix[kind]));

  const planted: Planted[] = [];
  const episodes: Episode[] = [];
  const perAccount = Math.ceil(options.episodes / accountCount);
  const episodeDays = Math.ceil(perAccount / SLOTS.length) + 1;
  for (let i = 0; i < options.episodes; i++) {
    const account = world.accounts[i % accountCount]!;
    const slot = Math.floor(i / accountCount);
    const t =
      startMs +
      (historyDays + Math.floor(slot / SLOTS.length)) * DAY +
      SLOTS[slot % SLOTS.length]! +
      episodeRng.int(20 * 60) * 1000;
    const kind = episodeRng.weighted(kinds, cumulative);
    const scene: Scene = { rng: episodeRng, account, t, id: `episode-${i + 1}` };
    const built =
      kind === 'rotation'
        ? rotation(scene)
        : kind === 'admin-reset'
          ? adminReset(scene)
          : kind === 'takeover'
            ? takeover(scene, false)
            : kind === 'takeover-own-device'
              ? takeover(scene, true)
              : kind === 'root'
                ? rootEpisode(scene)
                : ambiguous(scene);
    planted.push(...built.b.planted);
    episodes.push({
      id: scene.id,
      kind: built.kind,
      variant: built.variant,
      account: account.id,
      description: built.description,
      removals: built.removals,
      events: built.b.events.map((event) => event.id),
    });
  }
  const days = historyDays + episodeDays;
  const sessions = new SessionCache();
  for (const account of world.accounts) {
    for (let d = 0; d < days; d++) {
      const dayStart = startMs + d * DAY;
      backgroundDay(backgroundRng, account, dayStart, planted);
      if ((options.noisePerDay ?? 0) > 0)
        noiseFor(noiseRng, account, world, dayStart, options.noisePerDay ?? 0, sessions, planted);
    }
  }
  planted.sort((a, b) => a.t - b.t || compareIds(a.record, b.record));
  return {
    records: planted.map((p) => p.record),
    episodes,
    startMs,
    endMs: startMs + days * DAY,
  };
}
