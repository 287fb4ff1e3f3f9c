// Brings a stored account snapshot up to date with CloudTrail's IAM events, so posture is fresher than the last audit.

import type { CloudTrailEvent } from '../../model/index.ts';
import { IAM_POLICY_CHANGE_EVENTS, partitionOf } from '../../model/index.ts';
import { mfaDeviceKind } from '../collect/parse-aws.ts';
import type {
  AccountSnapshot,
  AuthorizationDetails,
  CredentialReport,
  CredentialReportRow,
  IamGroupDetail,
  IamUserDetail,
  ManagedPolicyDetail,
  MfaDevice,
  Part,
  PolicyDocument,
  ReportDate,
} from '../collect/snapshot.ts';

/** Events that change a user's console password, existence or MFA devices. */
export const POSTURE_CREDENTIAL_EVENTS = [
  'CreateLoginProfile',
  'CreateUser',
  'DeactivateMFADevice',
  'DeleteLoginProfile',
  'DeleteUser',
  'DeleteVirtualMFADevice',
  'EnableMFADevice',
] as const;

/** Events that change which policies apply to a user: the policy analysis is run again for the users concerned. */
export const POSTURE_POLICY_EVENTS = IAM_POLICY_CHANGE_EVENTS;

export const POSTURE_EVENT_NAMES: ReadonlySet<string> = new Set([
  ...POSTURE_CREDENTIAL_EVENTS,
  ...POSTURE_POLICY_EVENTS,
]);
export const POSTURE_EVENT_SOURCE = 'iam.amazonaws.com';

/** One fact an event changed (the store keeps these beside the event-updated snapshot). */
export interface PostureFact {
  readonly userName: string;
  /** `console-password`, `mfa-device`, `user` or `policies`. */
  readonly fact: string;
  readonly change: string;
  readonly eventName: string;
  readonly eventId: string;
  readonly at: number;
}

export interface AppliedEvents {
  readonly snapshot: AccountSnapshot;
  readonly facts: readonly PostureFact[];
  /** Events that concern posture but were skipped, with why (failed call, older than the snapshot, unknown shape). */
  readonly skipped: readonly { readonly eventId: string; readonly reason: string }[];
}

/** True for a successful IAM call that changes posture. */
export function isPostureEvent(event: CloudTrailEvent): boolean {
  return (
    event.source === POSTURE_EVENT_SOURCE && POSTURE_EVENT_NAMES.has(event.name) && event.errorCode === null
  );
}

/** Managed policies the events attach whose documents the snapshot lacks: the caller fetches them (GetPolicyVersion). */
export function policyArnsToFetch(snapshot: AccountSnapshot, events: readonly CloudTrailEvent[]): string[] {
  const known = new Set(
    snapshot.authorization.state === 'collected'
      ? snapshot.authorization.value.policies.filter((p) => p.defaultDocument !== null).map((p) => p.arn)
      : [],
  );
  const wanted = new Set<string>();
  for (const event of events) {
    if (!isPostureEvent(event)) continue;
    const params = event.requestParameters ?? {};
    const arn = text(params['policyArn']) ?? text(params['permissionsBoundary']);
    if (event.name === 'SetDefaultPolicyVersion' && arn !== null) wanted.add(arn);
    else if (arn !== null && !known.has(arn) && !event.name.startsWith('Detach')) wanted.add(arn);
  }
  return [...wanted].sort();
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function dateOf(event: CloudTrailEvent): ReportDate {
  return { state: 'date', iso: event.time, ms: event.timeMs };
}

/** CloudTrail logs policy documents as the JSON text sent, sometimes URL-encoded. */
function parseDocument(value: unknown): PolicyDocument | null {
  if (typeof value === 'object' && value !== null) return value as PolicyDocument;
  if (typeof value !== 'string') return null;
  for (const candidate of [value, safeDecode(value)]) {
    try {
      const parsed: unknown = JSON.parse(candidate);
      if (typeof parsed === 'object' && parsed !== null) return parsed as PolicyDocument;
    } catch {
      // try the next form
    }
  }
  return null;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The state being changed: plain mutable copies of the parts events touch. */
interface Working {
  readonly accountId: string;
  report: CredentialReport | null;
  devices: MfaDevice[] | null;
  virtual: MfaDevice[] | null;
  auth: AuthorizationDetails | null;
}

function newReportRow(
  accountId: string,
  userName: string,
  arn: string | null,
  event: CloudTrailEvent,
): CredentialReportRow {
  const none: ReportDate = { state: 'N/A' };
  const key = (slot: 1 | 2) => ({
    slot,
    active: false,
    lastRotated: none,
    lastUsedDate: none,
    lastUsedRegion: null,
    lastUsedService: null,
  });
  return {
    user: userName,
    arn: arn ?? `arn:${partitionOf(event.actor.arn, event.region)}:iam::${accountId}:user/${userName}`,
    isRoot: false,
    line: 0,
    userCreationTime: dateOf(event),
    passwordEnabled: false,
    passwordLastUsed: none,
    passwordLastChanged: none,
    passwordNextRotation: none,
    mfaActive: false,
    accessKeys: [key(1), key(2)],
    certificates: [{ active: false }, { active: false }],
  };
}

function updateRow(
  work: Working,
  userName: string,
  change: (row: CredentialReportRow) => CredentialReportRow,
): void {
  if (work.report === null) return;
  work.report = {
    ...work.report,
    users: work.report.users.map((row) => (row.user === userName ? change(row) : row)),
  };
}

function updateUser(work: Working, userName: string, change: (user: IamUserDetail) => IamUserDetail): void {
  if (work.auth === null) return;
  work.auth = { ...work.auth, users: work.auth.users.map((u) => (u.userName === userName ? change(u) : u)) };
}

function updateGroup(
  work: Working,
  groupName: string,
  change: (group: IamGroupDetail) => IamGroupDetail,
): string[] {
  if (work.auth === null) return [];
  work.auth = {
    ...work.auth,
    groups: work.auth.groups.map((g) => (g.groupName === groupName ? change(g) : g)),
  };
  return work.auth.users.filter((u) => u.groups.includes(groupName)).map((u) => u.userName);
}

function countAttachment(
  work: Working,
  arn: string,
  by: number,
  documents: ReadonlyMap<string, PolicyDocument>,
): void {
  if (work.auth === null) return;
  const known = work.auth.policies.some((p) => p.arn === arn);
  const fetched = documents.get(arn) ?? null;
  const policies: ManagedPolicyDetail[] = known
    ? work.auth.policies.map((p) =>
        p.arn === arn
          ? {
              ...p,
              attachmentCount: Math.max(0, (p.attachmentCount ?? 0) + by),
              defaultDocument: p.defaultDocument ?? fetched,
            }
          : p,
      )
    : [
        ...work.auth.policies,
        {
          name: arn.split('/').pop() ?? arn,
          arn,
          attachmentCount: Math.max(0, by),
          permissionsBoundaryUsageCount: 0,
          defaultDocument: fetched,
        },
      ];
  work.auth = { ...work.auth, policies };
}

/** The user's policy facts came from an event whose document could not be read: the analysis says ERROR, not PASS. */
function withProblem(user: IamUserDetail, problem: string | null): IamUserDetail {
  return problem === null ? user : { ...user, problems: [...user.problems, problem] };
}

function setDefaultDocument(work: Working, arn: string, document: PolicyDocument | null): string[] {
  if (work.auth === null) return [];
  work.auth = {
    ...work.auth,
    policies: work.auth.policies.map((p) => (p.arn === arn ? { ...p, defaultDocument: document } : p)),
  };
  const groups = work.auth.groups
    .filter((g) => g.attachedPolicies.some((p) => p.arn === arn))
    .map((g) => g.groupName);
  return work.auth.users
    .filter(
      (u) =>
        u.attachedPolicies.some((p) => p.arn === arn) ||
        u.permissionsBoundaryArn === arn ||
        u.groups.some((g) => groups.includes(g)),
    )
    .map((u) => u.userName);
}

type Record_ = (userName: string, fact: string, change: string) => void;

/** What the credential handlers read from an event's request. */
interface CredentialRequest {
  readonly params: Record<string, unknown>;
  readonly userName: string | null;
  readonly serial: string | null;
}

function applyLoginProfile(work: Working, event: CloudTrailEvent, req: CredentialRequest, record: Record_) {
  const { userName } = req;
  if (userName === null) return false;
  const created = event.name === 'CreateLoginProfile';
  updateRow(work, userName, (row) => ({
    ...row,
    passwordEnabled: created,
    passwordLastChanged: created ? dateOf(event) : { state: 'N/A' },
    passwordLastUsed: created ? { state: 'no_information' } : { state: 'N/A' },
  }));
  record(userName, 'console-password', created ? 'created' : 'deleted');
  return true;
}

function applyCreateUser(work: Working, event: CloudTrailEvent, req: CredentialRequest, record: Record_) {
  const { userName, params } = req;
  if (userName === null) return false;
  const user = (event.responseElements?.['user'] ?? {}) as Record<string, unknown>;
  const arn = text(user['arn']);
  if (work.report !== null && !work.report.users.some((r) => r.user === userName))
    work.report = {
      ...work.report,
      users: [...work.report.users, newReportRow(work.accountId, userName, arn, event)],
    };
  if (work.auth !== null && !work.auth.users.some((u) => u.userName === userName)) {
    const detail: IamUserDetail = {
      userName,
      arn: arn ?? `arn:${partitionOf(event.actor.arn, event.region)}:iam::${work.accountId}:user/${userName}`,
      userId: text(user['userId']),
      path: text(params['path']) ?? '/',
      createDate: event.time,
      groups: [],
      inlinePolicies: [],
      attachedPolicies: [],
      permissionsBoundaryArn: text(params['permissionsBoundary']),
      tags: {},
      problems: [],
    };
    work.auth = { ...work.auth, users: [...work.auth.users, detail] };
  }
  record(userName, 'user', 'created');
  return true;
}

function applyDeleteUser(work: Working, _event: CloudTrailEvent, req: CredentialRequest, record: Record_) {
  const { userName } = req;
  if (userName === null) return false;
  if (work.report !== null)
    work.report = { ...work.report, users: work.report.users.filter((r) => r.user !== userName) };
  if (work.auth !== null)
    work.auth = { ...work.auth, users: work.auth.users.filter((u) => u.userName !== userName) };
  work.devices = work.devices?.filter((d) => d.userName !== userName) ?? null;
  record(userName, 'user', 'deleted');
  return true;
}

function applyEnableDevice(work: Working, event: CloudTrailEvent, req: CredentialRequest, record: Record_) {
  const { userName, serial } = req;
  if (userName === null || serial === null) return false;
  const device: MfaDevice = {
    serialNumber: serial,
    kind: mfaDeviceKind(serial),
    userName,
    userArn:
      work.report?.users.find((r) => r.user === userName)?.arn ??
      `arn:${partitionOf(event.actor.arn, event.region)}:iam::${work.accountId}:user/${userName}`,
    enableDate: event.time,
  };
  work.devices =
    work.devices === null ? null : [...work.devices.filter((d) => d.serialNumber !== serial), device];
  work.virtual = work.virtual?.map((d) => (d.serialNumber === serial ? device : d)) ?? null;
  updateRow(work, userName, (row) => ({ ...row, mfaActive: true }));
  record(userName, 'mfa-device', `enabled ${serial}`);
  return true;
}

function applyDeactivateDevice(
  work: Working,
  _event: CloudTrailEvent,
  req: CredentialRequest,
  record: Record_,
) {
  const { userName, serial } = req;
  if (userName === null || serial === null) return false;
  work.devices = work.devices?.filter((d) => d.serialNumber !== serial) ?? null;
  // A virtual device stays in the account, unassigned, until DeleteVirtualMFADevice.
  work.virtual =
    work.virtual?.map((d) =>
      d.serialNumber === serial ? { ...d, userName: null, userArn: null, enableDate: null } : d,
    ) ?? null;
  const left = work.devices?.some((d) => d.userName === userName) ?? false;
  updateRow(work, userName, (row) => ({ ...row, mfaActive: left }));
  record(userName, 'mfa-device', `deactivated ${serial}`);
  return true;
}

function applyDeleteVirtualDevice(
  work: Working,
  _event: CloudTrailEvent,
  req: CredentialRequest,
  record: Record_,
) {
  const { serial } = req;
  if (serial === null) return false;
  const owner = work.devices?.find((d) => d.serialNumber === serial)?.userName ?? null;
  work.devices = work.devices?.filter((d) => d.serialNumber !== serial) ?? null;
  work.virtual = work.virtual?.filter((d) => d.serialNumber !== serial) ?? null;
  // An unassigned device's deletion changes nobody's posture.
  if (owner !== null) {
    const left = work.devices?.some((d) => d.userName === owner) ?? false;
    updateRow(work, owner, (row) => ({ ...row, mfaActive: left }));
    record(owner, 'mfa-device', `deleted ${serial}`);
  }
  return true;
}

type CredentialHandler = (
  work: Working,
  event: CloudTrailEvent,
  req: CredentialRequest,
  record: Record_,
) => boolean;

/** One handler per credential event name (a registry, in alphabetical order). */
const CREDENTIAL_HANDLERS: Readonly<Record<(typeof POSTURE_CREDENTIAL_EVENTS)[number], CredentialHandler>> = {
  CreateLoginProfile: applyLoginProfile,
  CreateUser: applyCreateUser,
  DeactivateMFADevice: applyDeactivateDevice,
  DeleteLoginProfile: applyLoginProfile,
  DeleteUser: applyDeleteUser,
  DeleteVirtualMFADevice: applyDeleteVirtualDevice,
  EnableMFADevice: applyEnableDevice,
};

const isCredentialEvent = (name: string): name is (typeof POSTURE_CREDENTIAL_EVENTS)[number] =>
  (POSTURE_CREDENTIAL_EVENTS as readonly string[]).includes(name);

/** Console password, user and MFA device events; false when the event lacks what it needs. */
function applyCredentialEvent(work: Working, event: CloudTrailEvent, record: Record_): boolean {
  if (!isCredentialEvent(event.name)) return false;
  const params = event.requestParameters ?? {};
  const req = { params, userName: text(params['userName']), serial: text(params['serialNumber']) };
  return CREDENTIAL_HANDLERS[event.name](work, event, req, record);
}

/** What the policy handlers read from an event's request. */
interface PolicyRequest {
  readonly params: Record<string, unknown>;
  readonly userName: string | null;
  readonly groupName: string | null;
  readonly arn: string | null;
  readonly policyName: string | null;
  /** The problem a user or group gets when `what`'s document is unknown. */
  readonly unreadable: (what: string) => string;
}

type PolicyChange = { users: string[]; change: string } | null;

const attachedPolicy = (arn: string) => ({ name: arn.split('/').pop() ?? arn, arn });

function applyUserAttachment(
  work: Working,
  event: CloudTrailEvent,
  req: PolicyRequest,
  documents: ReadonlyMap<string, PolicyDocument>,
): PolicyChange {
  const { userName, arn } = req;
  if (userName === null || arn === null) return null;
  const attach = event.name === 'AttachUserPolicy';
  countAttachment(work, arn, attach ? 1 : -1, documents);
  const missing = attach && !hasDocument(work, arn) ? req.unreadable(`managed policy ${arn}`) : null;
  updateUser(work, userName, (u) =>
    withProblem(
      {
        ...u,
        attachedPolicies: attach
          ? [...u.attachedPolicies.filter((p) => p.arn !== arn), attachedPolicy(arn)]
          : u.attachedPolicies.filter((p) => p.arn !== arn),
      },
      missing,
    ),
  );
  return { users: [userName], change: `${attach ? 'attached' : 'detached'} ${arn}` };
}

function applyUserInline(work: Working, event: CloudTrailEvent, req: PolicyRequest): PolicyChange {
  const { userName, policyName } = req;
  if (userName === null || policyName === null) return null;
  const put = event.name === 'PutUserPolicy';
  const document = put ? parseDocument(req.params['policyDocument']) : null;
  updateUser(work, userName, (u) =>
    withProblem(
      {
        ...u,
        inlinePolicies: [
          ...u.inlinePolicies.filter((p) => p.name !== policyName),
          ...(document === null ? [] : [{ name: policyName, document }]),
        ],
      },
      put && document === null ? req.unreadable(`inline policy ${policyName}`) : null,
    ),
  );
  return { users: [userName], change: `${put ? 'put' : 'deleted'} inline ${policyName}` };
}

function applyBoundary(
  work: Working,
  event: CloudTrailEvent,
  req: PolicyRequest,
  documents: ReadonlyMap<string, PolicyDocument>,
): PolicyChange {
  const { userName } = req;
  if (userName === null) return null;
  const boundary = event.name === 'PutUserPermissionsBoundary' ? req.arn : null;
  if (boundary !== null) countAttachment(work, boundary, 0, documents);
  updateUser(work, userName, (u) => ({ ...u, permissionsBoundaryArn: boundary }));
  return { users: [userName], change: boundary === null ? 'boundary removed' : `boundary ${boundary}` };
}

function applyMembership(work: Working, event: CloudTrailEvent, req: PolicyRequest): PolicyChange {
  const { userName, groupName } = req;
  if (userName === null || groupName === null) return null;
  const add = event.name === 'AddUserToGroup';
  updateUser(work, userName, (u) => ({
    ...u,
    groups: add
      ? [...u.groups.filter((g) => g !== groupName), groupName]
      : u.groups.filter((g) => g !== groupName),
  }));
  return { users: [userName], change: `${add ? 'added to' : 'removed from'} group ${groupName}` };
}

function applyGroupAttachment(
  work: Working,
  event: CloudTrailEvent,
  req: PolicyRequest,
  documents: ReadonlyMap<string, PolicyDocument>,
): PolicyChange {
  const { groupName, arn } = req;
  if (groupName === null || arn === null) return null;
  const attach = event.name === 'AttachGroupPolicy';
  countAttachment(work, arn, attach ? 1 : -1, documents);
  const problem = attach && !hasDocument(work, arn) ? req.unreadable(`managed policy ${arn}`) : null;
  const users = updateGroup(work, groupName, (g) => ({
    ...g,
    attachedPolicies: attach
      ? [...g.attachedPolicies.filter((p) => p.arn !== arn), attachedPolicy(arn)]
      : g.attachedPolicies.filter((p) => p.arn !== arn),
    problems: problem === null ? g.problems : [...g.problems, problem],
  }));
  return { users, change: `group ${groupName} ${attach ? 'attached' : 'detached'} ${arn}` };
}

function applyGroupInline(work: Working, event: CloudTrailEvent, req: PolicyRequest): PolicyChange {
  const { groupName, policyName } = req;
  if (groupName === null || policyName === null) return null;
  const put = event.name === 'PutGroupPolicy';
  const document = put ? parseDocument(req.params['policyDocument']) : null;
  const problem = put && document === null ? req.unreadable(`inline policy ${policyName}`) : null;
  const users = updateGroup(work, groupName, (g) => ({
    ...g,
    inlinePolicies: [
      ...g.inlinePolicies.filter((p) => p.name !== policyName),
      ...(document === null ? [] : [{ name: policyName, document }]),
    ],
    problems: problem === null ? g.problems : [...g.problems, problem],
  }));
  return { users, change: `group ${groupName} ${put ? 'put' : 'deleted'} inline ${policyName}` };
}

function applyPolicyVersion(
  work: Working,
  event: CloudTrailEvent,
  req: PolicyRequest,
  documents: ReadonlyMap<string, PolicyDocument>,
): PolicyChange {
  const { arn } = req;
  if (arn === null) return null;
  if (event.name === 'CreatePolicyVersion' && req.params['setAsDefault'] !== true)
    return { users: [], change: 'new version, not default' };
  const document =
    event.name === 'CreatePolicyVersion'
      ? parseDocument(req.params['policyDocument'])
      : (documents.get(arn) ?? null);
  const users = setDefaultDocument(work, arn, document);
  if (document === null)
    for (const name of users)
      updateUser(work, name, (u) => withProblem(u, req.unreadable(`managed policy ${arn}`)));
  return { users, change: `default version of ${arn} changed` };
}

type PolicyHandler = (
  work: Working,
  event: CloudTrailEvent,
  req: PolicyRequest,
  documents: ReadonlyMap<string, PolicyDocument>,
) => PolicyChange;

/** One handler per policy event name (a registry, in alphabetical order). */
const POLICY_HANDLERS: Readonly<Record<(typeof POSTURE_POLICY_EVENTS)[number], PolicyHandler>> = {
  AddUserToGroup: applyMembership,
  AttachGroupPolicy: applyGroupAttachment,
  AttachUserPolicy: applyUserAttachment,
  CreatePolicyVersion: applyPolicyVersion,
  DeleteGroupPolicy: applyGroupInline,
  DeleteUserPermissionsBoundary: applyBoundary,
  DeleteUserPolicy: applyUserInline,
  DetachGroupPolicy: applyGroupAttachment,
  DetachUserPolicy: applyUserAttachment,
  PutGroupPolicy: applyGroupInline,
  PutUserPermissionsBoundary: applyBoundary,
  PutUserPolicy: applyUserInline,
  RemoveUserFromGroup: applyMembership,
  SetDefaultPolicyVersion: applyPolicyVersion,
};

const isPolicyEvent = (name: string): name is (typeof POSTURE_POLICY_EVENTS)[number] =>
  (POSTURE_POLICY_EVENTS as readonly string[]).includes(name);

/** Policy events: the users whose policy set changed, so their analysis runs again; null when the event is unreadable. */
function applyPolicyEvent(
  work: Working,
  event: CloudTrailEvent,
  documents: ReadonlyMap<string, PolicyDocument>,
): PolicyChange {
  if (!isPolicyEvent(event.name)) return null;
  const handler = POLICY_HANDLERS[event.name];
  const params = event.requestParameters ?? {};
  const req: PolicyRequest = {
    params,
    userName: text(params['userName']),
    groupName: text(params['groupName']),
    arn: text(params['policyArn']) ?? text(params['permissionsBoundary']),
    policyName: text(params['policyName']),
    unreadable: (what) =>
      `${what} from ${event.name} ${event.id}: its document is not known until the next audit`,
  };
  return handler(work, event, req, documents);
}

function hasDocument(work: Working, arn: string): boolean {
  return work.auth?.policies.some((p) => p.arn === arn && p.defaultDocument !== null) ?? false;
}

function collected<T>(part: Part<T>): T | null {
  return part.state === 'collected' ? part.value : null;
}

function withValue<T>(part: Part<T>, value: T | null): Part<T> {
  return part.state === 'collected' && value !== null ? { ...part, value } : part;
}

/**
 * Applies the account's successful posture events newer than the snapshot, in time order, and returns the state
 * a fresh audit would collect now, with each changed fact. `documents` holds managed policy documents fetched for
 * `policyArnsToFetch`; a policy that is still unknown makes the users it applies to ERROR, never a silent PASS.
 */
export function applyPostureEvents(
  snapshot: AccountSnapshot,
  events: readonly CloudTrailEvent[],
  documents: ReadonlyMap<string, PolicyDocument> = new Map(),
): AppliedEvents {
  const accountId = snapshot.accountId ?? '';
  const work: Working = {
    accountId,
    report: collected(snapshot.credentialReport),
    devices: collected(snapshot.mfaDevices)?.slice() ?? null,
    virtual: collected(snapshot.virtualMfaDevices)?.slice() ?? null,
    auth: collected(snapshot.authorization),
  };
  const collectedMs = Date.parse(snapshot.collectedAt);
  const facts: PostureFact[] = [];
  const skipped: { eventId: string; reason: string }[] = [];
  const ordered = [...events].sort((a, b) => a.timeMs - b.timeMs || a.id.localeCompare(b.id));
  for (const event of ordered) {
    if (!isPostureEvent(event)) continue;
    if (event.account !== null && event.account !== accountId) continue;
    if (event.timeMs <= collectedMs) {
      skipped.push({ eventId: event.id, reason: 'older than the snapshot, already in it' });
      continue;
    }
    const record: Record_ = (userName, fact, change) =>
      facts.push({ userName, fact, change, eventName: event.name, eventId: event.id, at: event.timeMs });
    if ((POSTURE_CREDENTIAL_EVENTS as readonly string[]).includes(event.name)) {
      if (!applyCredentialEvent(work, event, record))
        skipped.push({ eventId: event.id, reason: 'request parameters missing' });
      continue;
    }
    const changed = applyPolicyEvent(work, event, documents);
    if (changed === null) skipped.push({ eventId: event.id, reason: 'request parameters missing' });
    else for (const userName of changed.users) record(userName, 'policies', changed.change);
  }
  return {
    snapshot: {
      ...snapshot,
      credentialReport: withValue(snapshot.credentialReport, work.report),
      mfaDevices: withValue(snapshot.mfaDevices, work.devices),
      virtualMfaDevices: withValue(snapshot.virtualMfaDevices, work.virtual),
      authorization: withValue(snapshot.authorization, work.auth),
    },
    facts,
    skipped,
  };
}
