// Elastic's view of a typed event: the flat ECS document the AWS integration's CloudTrail pipeline would index.

import type { CloudTrailEvent, EcsDocument, EcsScalar, EcsValue } from '../../model/index.ts';
import { ECS_CATEGORIZATION } from './ecs-categorization.ts';
import { parseIsoTime } from './event-time.ts';
import { collectFlattened } from './flatten.ts';
import { javaString } from './java-map-string.ts';
import type { JsonObject } from './values.ts';
import { objectOrNull, text } from './values.ts';

const DATASET = 'aws.cloudtrail';
const INFO: readonly string[] = Object.freeze(['info']);
/** Elastic keeps the flattened copy only while the text form stays under Lucene's term limit. */
const FLATTENED_MAX_TEXT = 32766;

/**
 * Maps an event the way Elastic's AWS integration does (ingest pipeline `aws.cloudtrail`), so Elastic's KQL
 * rules read the fields they were written for. Field by field it follows that pipeline, including its quirks:
 * `user.name` is `userIdentity.userName`, else the session issuer's name (the role, for assumed roles; absent
 * for root); `cloud.account.id` is the caller's `userIdentity.accountId`; `source.ip` only when
 * `sourceIPAddress` is an address (service names stay in `source.address`); empty values are dropped.
 *
 * Deliberate differences: no GeoIP/ASN (`source.geo`, `source.as` need MaxMind data) and no user-agent parsing
 * (only `user_agent.original`); `event.id` is set for synthetic ids too; `sharedEventID` is read with
 * CloudTrail's spelling; `mfa_used`/`mobile_version` compare `No` in any case (CloudTrail writes `YES` too);
 * `related.entity` holds only the identity and resource entities, not Elastic's per-action list.
 */
export function toEcs(event: CloudTrailEvent): EcsDocument {
  const doc = toEcsCore(event);
  addEcsDetails(doc, event);
  // Not frozen: freezing a document this wide costs a third of the mapping; the type is read-only and the
  // arrays it shares between documents (categorisation) are frozen.
  return doc;
}

/**
 * Fields that only `addEcsDetails` writes: the request/response detail, flattened copies, resources, TLS,
 * targets and related entities. Every other field comes from `toEcsCore`, which is a fraction of the cost.
 */
const DETAIL_PREFIXES = [
  'aws.cloudtrail.request_parameters',
  'aws.cloudtrail.response_elements',
  'aws.cloudtrail.additional_eventdata',
  'aws.cloudtrail.service_event_details',
  'aws.cloudtrail.flattened.',
  'aws.cloudtrail.resources.',
  'aws.cloudtrail.console_login.',
  'tls.',
  'user.target.',
  'user.changes.',
  'group.',
  'related.',
] as const;

/** True when `field` can only be produced by the detail part of the mapping. */
export function isEcsDetailField(field: string): boolean {
  for (const prefix of DETAIL_PREFIXES) if (field.startsWith(prefix)) return true;
  return false;
}

function identityOf(event: CloudTrailEvent): JsonObject | null {
  return objectOrNull(event.raw['userIdentity']);
}

function identityKeyword(event: CloudTrailEvent, key: string): string | undefined {
  const identity = identityOf(event);
  return identity === null ? undefined : (keyword(identity[key]) ?? undefined);
}

/**
 * The fields rules read most, each computed on its own from the event: a rule that runs on every event (it pins
 * no event name) then costs a property read, not a mapping. Each resolver gives exactly what `toEcsCore` puts
 * in the document (undefined where it puts nothing); a test holds them to that.
 */
export const ECS_FIELD_RESOLVERS: ReadonlyMap<string, (event: CloudTrailEvent) => EcsValue | undefined> =
  new Map<string, (event: CloudTrailEvent) => EcsValue | undefined>([
    ['data_stream.dataset', () => DATASET],
    ['event.dataset', () => DATASET],
    ['event.module', () => 'aws'],
    ['event.kind', () => 'event'],
    ['cloud.provider', () => 'aws'],
    ['event.action', (event) => text(event.raw['eventName']) ?? undefined],
    ['event.provider', (event) => text(event.raw['eventSource']) ?? undefined],
    [
      'event.outcome',
      (event) => ecsOutcome(event, text(event.raw['eventName']), objectOrNull(event.raw['responseElements'])),
    ],
    ['cloud.region', (event) => text(event.raw['awsRegion']) ?? undefined],
    ['cloud.account.id', (event) => identityKeyword(event, 'accountId')],
    ['aws.cloudtrail.user_identity.type', (event) => identityKeyword(event, 'type')],
    ['aws.cloudtrail.user_identity.arn', (event) => identityKeyword(event, 'arn')],
    [
      'user.name',
      (event) => {
        const identity = identityOf(event);
        if (identity === null) return undefined;
        const context = objectOrNull(identity['sessionContext']);
        const issuer = context === null ? null : objectOrNull(context['sessionIssuer']);
        return (
          keyword(identity['userName']) ?? (issuer === null ? null : keyword(issuer['userName'])) ?? undefined
        );
      },
    ],
    ['source.address', (event) => event.sourceIp ?? undefined],
    ['source.ip', (event) => (event.sourceIpIsAddress ? (event.sourceIp ?? undefined) : undefined)],
    ['user_agent.original', (event) => event.userAgent ?? undefined],
    ['aws.cloudtrail.error_code', (event) => event.errorCode ?? undefined],
  ]);

/** The cheap part of the mapping: event, cloud, user identity, source, user agent and the scalar CloudTrail fields. */
export function toEcsCore(event: CloudTrailEvent): Record<string, EcsValue> {
  const raw = event.raw;
  const doc: Record<string, EcsValue> = {};
  const identity = objectOrNull(raw['userIdentity']);
  const context = identity === null ? null : objectOrNull(identity['sessionContext']);
  const attributes = context === null ? null : objectOrNull(context['attributes']);
  const issuer = context === null ? null : objectOrNull(context['sessionIssuer']);
  const responseElements = objectOrNull(raw['responseElements']);
  const action = text(raw['eventName']);

  doc['@timestamp'] = new Date(event.timeMs).toISOString();
  doc['data_stream.dataset'] = DATASET;
  doc['data_stream.type'] = 'logs';
  doc['event.dataset'] = DATASET;
  doc['event.module'] = 'aws';
  doc['event.kind'] = 'event';
  doc['event.id'] = event.id;
  put(doc, 'event.action', action);
  put(doc, 'event.provider', text(raw['eventSource']));
  put(doc, 'event.outcome', ecsOutcome(event, action, responseElements));
  const categorization = action === null ? undefined : ECS_CATEGORIZATION.get(action);
  if (categorization === undefined) {
    doc['event.type'] = INFO;
  } else {
    doc['event.category'] = categorization.category;
    doc['event.type'] = categorization.type;
  }

  doc['cloud.provider'] = 'aws';
  put(doc, 'cloud.region', text(raw['awsRegion']));

  if (identity !== null) {
    put(doc, 'cloud.account.id', keyword(identity['accountId']));
    put(
      doc,
      'user.name',
      keyword(identity['userName']) ?? (issuer === null ? null : keyword(issuer['userName'])),
    );
    put(doc, 'user.id', keyword(identity['principalId']));
    put(doc, 'aws.cloudtrail.user_identity.type', keyword(identity['type']));
    put(doc, 'aws.cloudtrail.user_identity.arn', keyword(identity['arn']));
    put(doc, 'aws.cloudtrail.user_identity.access_key_id', keyword(identity['accessKeyId']));
    put(doc, 'aws.cloudtrail.user_identity.invoked_by', keyword(identity['invokedBy']));
  }
  if (attributes !== null) {
    put(
      doc,
      'aws.cloudtrail.user_identity.session_context.mfa_authenticated',
      keyword(attributes['mfaAuthenticated']),
    );
    const created = text(attributes['creationDate']);
    const createdMs = created === null ? null : parseIsoTime(created);
    if (createdMs !== null) {
      doc['aws.cloudtrail.user_identity.session_context.creation_date'] = new Date(createdMs).toISOString();
    }
  }
  if (issuer !== null) {
    put(doc, 'aws.cloudtrail.user_identity.session_context.session_issuer.type', keyword(issuer['type']));
    put(
      doc,
      'aws.cloudtrail.user_identity.session_context.session_issuer.principal_id',
      keyword(issuer['principalId']),
    );
    put(doc, 'aws.cloudtrail.user_identity.session_context.session_issuer.arn', keyword(issuer['arn']));
    put(
      doc,
      'aws.cloudtrail.user_identity.session_context.session_issuer.account_id',
      keyword(issuer['accountId']),
    );
  }

  put(doc, 'source.address', event.sourceIp);
  if (event.sourceIpIsAddress) put(doc, 'source.ip', event.sourceIp);
  put(doc, 'user_agent.original', event.userAgent);

  put(doc, 'aws.cloudtrail.error_code', event.errorCode);
  put(doc, 'aws.cloudtrail.error_message', event.errorMessage);
  put(doc, 'aws.cloudtrail.event_version', keyword(raw['eventVersion']));
  put(doc, 'aws.cloudtrail.event_category', keyword(raw['eventCategory']));
  put(doc, 'aws.cloudtrail.event_type', keyword(raw['eventType']));
  put(doc, 'aws.cloudtrail.api_version', keyword(raw['apiVersion']));
  put(doc, 'aws.cloudtrail.request_id', keyword(raw['requestID']));
  put(doc, 'aws.cloudtrail.management_event', keyword(raw['managementEvent']));
  put(doc, 'aws.cloudtrail.read_only', event.readOnly);
  put(doc, 'aws.cloudtrail.recipient_account_id', keyword(raw['recipientAccountId']));
  put(doc, 'aws.cloudtrail.shared_event_id', keyword(raw['sharedEventID'] ?? raw['sharedEventId']));
  put(doc, 'aws.cloudtrail.vpc_endpoint_id', keyword(raw['vpcEndpointId']));
  put(doc, 'aws.cloudtrail.session_credential_from_console', keyword(raw['sessionCredentialFromConsole']));
  return doc;
}

/** The costly part: detail objects as Elastic's strings and flattened leaves, resources, TLS, targets, related. */
export function addEcsDetails(doc: Record<string, EcsValue>, event: CloudTrailEvent): void {
  const raw = event.raw;
  const identity = objectOrNull(raw['userIdentity']);
  const context = identity === null ? null : objectOrNull(identity['sessionContext']);
  const issuer = context === null ? null : objectOrNull(context['sessionIssuer']);
  const requestParameters = objectOrNull(raw['requestParameters']);
  const responseElements = objectOrNull(raw['responseElements']);
  const action = text(raw['eventName']);

  const flattened = new Map<string, string[]>();
  addDetail(doc, flattened, 'request_parameters', raw['requestParameters']);
  addDetail(doc, flattened, 'response_elements', raw['responseElements']);
  addDetail(doc, flattened, 'additional_eventdata', raw['additionalEventData']);
  addDetail(doc, flattened, 'service_event_details', raw['serviceEventDetails']);
  const insight = objectOrNull(raw['insightDetails']);
  if (insight !== null) collectFlattened('aws.cloudtrail.flattened.insight_details', insight, flattened);
  for (const [path, values] of flattened) doc[path] = values.length === 1 ? values[0]! : values;

  addResources(doc, raw['resources']);
  if (action === 'ConsoleLogin') addConsoleLogin(doc, objectOrNull(raw['additionalEventData']));
  addTls(doc, objectOrNull(raw['tlsDetails']));

  if (requestParameters !== null) {
    put(doc, 'user.target.name', keyword(requestParameters['userName']));
    put(doc, 'user.changes.name', keyword(requestParameters['newUserName']));
    put(doc, 'group.name', keyword(requestParameters['groupName']));
  }
  if (responseElements !== null) {
    const user = objectOrNull(responseElements['user']);
    const group = objectOrNull(responseElements['group']);
    if (user !== null) put(doc, 'user.target.id', keyword(user['userId']));
    if (group !== null) put(doc, 'group.id', keyword(group['groupId']));
  }

  putList(doc, 'related.user', [
    identity === null ? null : keyword(identity['userName']),
    requestParameters === null ? null : keyword(requestParameters['userName']),
    requestParameters === null ? null : keyword(requestParameters['newUserName']),
  ]);
  putList(doc, 'related.entity', relatedEntities(identity, context, issuer, raw['resources']));
}

/** Elastic: error fields mean failure, else success; ConsoleLogin takes its lowercased result instead. */
function ecsOutcome(
  event: CloudTrailEvent,
  action: string | null,
  responseElements: JsonObject | null,
): string {
  if (action === 'ConsoleLogin' && responseElements !== null) {
    const result = text(responseElements['ConsoleLogin']);
    if (result !== null) return result.toLowerCase();
  }
  return event.errorCode !== null || event.errorMessage !== null ? 'failure' : 'success';
}

function put(doc: Record<string, EcsValue>, key: string, value: EcsScalar | undefined): void {
  if (value !== null && value !== undefined) doc[key] = value;
}

function putList(doc: Record<string, EcsValue>, key: string, values: readonly (string | null)[]): void {
  const unique: string[] = [];
  for (const value of values) if (value !== null && !unique.includes(value)) unique.push(value);
  if (unique.length > 0) doc[key] = unique;
}

/** A keyword field's text: strings as they are, booleans and numbers as Elasticsearch indexes them. */
function keyword(value: unknown): string | null {
  if (typeof value === 'string') return value.length > 0 ? value : null;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return null;
}

/** `aws.cloudtrail.<name>` as Java's toString text, and its flattened copy while the text is short enough. */
function addDetail(
  doc: Record<string, EcsValue>,
  flattened: Map<string, string[]>,
  name: string,
  value: unknown,
): void {
  const rendered = renderDetail(flattened, name, value);
  if (rendered !== undefined) doc[`aws.cloudtrail.${name}`] = rendered;
}

function renderDetail(flattened: Map<string, string[]>, name: string, value: unknown): string | undefined {
  const rendered = javaString(value);
  if (rendered === undefined) return undefined;
  if (rendered.length < FLATTENED_MAX_TEXT && typeof value === 'object' && !Array.isArray(value)) {
    collectFlattened(`aws.cloudtrail.flattened.${name}`, value, flattened);
  }
  return rendered;
}

/** The detail objects that map on their own, by their ECS name, with the CloudTrail key each comes from. */
const DETAIL_SECTIONS = new Map<string, string>([
  ['request_parameters', 'requestParameters'],
  ['response_elements', 'responseElements'],
  ['additional_eventdata', 'additionalEventData'],
  ['service_event_details', 'serviceEventDetails'],
  ['insight_details', 'insightDetails'],
]);
const FLATTENED_PREFIX = 'aws.cloudtrail.flattened.';
const CLOUDTRAIL_PREFIX = 'aws.cloudtrail.';

/**
 * The detail section that alone produces `field` (`aws.cloudtrail.<section>` or a flattened leaf under
 * `aws.cloudtrail.flattened.<section>`), or null when the field needs the rest of the details.
 */
export function ecsDetailSectionOf(field: string): string | null {
  if (field.startsWith(FLATTENED_PREFIX)) {
    const dot = field.indexOf('.', FLATTENED_PREFIX.length);
    const name = field.slice(FLATTENED_PREFIX.length, dot === -1 ? undefined : dot);
    return DETAIL_SECTIONS.has(name) ? name : null;
  }
  if (field.startsWith(CLOUDTRAIL_PREFIX)) {
    const name = field.slice(CLOUDTRAIL_PREFIX.length);
    // Insight details have no text form among the details: only their flattened copy is a section.
    return name !== 'insight_details' && DETAIL_SECTIONS.has(name) ? name : null;
  }
  return null;
}

/**
 * The fields one detail section adds to the full mapping (its text form and flattened leaves), with the same
 * values: a rule reading the request parameters of every event need not pay for the other details.
 */
export function ecsDetailSection(event: CloudTrailEvent, section: string): Map<string, EcsValue> {
  const fields = new Map<string, EcsValue>();
  const key = DETAIL_SECTIONS.get(section);
  if (key === undefined) return fields;
  const flattened = new Map<string, string[]>();
  if (section === 'insight_details') {
    const insight = objectOrNull(event.raw[key]);
    if (insight !== null) collectFlattened(`${FLATTENED_PREFIX}insight_details`, insight, flattened);
  } else {
    const rendered = renderDetail(flattened, section, event.raw[key]);
    if (rendered !== undefined) fields.set(`${CLOUDTRAIL_PREFIX}${section}`, rendered);
  }
  for (const [path, values] of flattened) fields.set(path, values.length === 1 ? values[0]! : values);
  return fields;
}

/**
 * `resources[]` with `ARN`→`arn` and `accountId`→`account_id`, duplicates (same arn, account and type) once; the
 * flat view keeps each distinct value once, as a multi-valued keyword field is matched as a set.
 */
function addResources(doc: Record<string, EcsValue>, value: unknown): void {
  if (!Array.isArray(value)) return;
  const seen = new Set<string>();
  const arns: string[] = [];
  const accounts: string[] = [];
  const types: string[] = [];
  for (const item of value) {
    const resource = objectOrNull(item);
    if (resource === null) continue;
    const arn = keyword(resource['ARN'] ?? resource['arn']);
    const account = keyword(resource['accountId']);
    const type = keyword(resource['type']);
    const key = `${arn ?? ''}_${account ?? ''}_${type ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (arn !== null && !arns.includes(arn)) arns.push(arn);
    if (account !== null && !accounts.includes(account)) accounts.push(account);
    if (type !== null && !types.includes(type)) types.push(type);
  }
  if (arns.length > 0) doc['aws.cloudtrail.resources.arn'] = arns.length === 1 ? arns[0]! : arns;
  if (accounts.length > 0)
    doc['aws.cloudtrail.resources.account_id'] = accounts.length === 1 ? accounts[0]! : accounts;
  if (types.length > 0) doc['aws.cloudtrail.resources.type'] = types.length === 1 ? types[0]! : types;
}

function addConsoleLogin(doc: Record<string, EcsValue>, data: JsonObject | null): void {
  if (data === null) return;
  const prefix = 'aws.cloudtrail.console_login.additional_eventdata.';
  const mobile = notNo(data['MobileVersion']);
  if (mobile !== null) doc[`${prefix}mobile_version`] = mobile;
  put(doc, `${prefix}login_to`, keyword(data['LoginTo']));
  const mfa = notNo(data['MFAUsed']);
  if (mfa !== null) doc[`${prefix}mfa_used`] = mfa;
}

/** Elastic's reading of a Yes/No field: anything present but `No` is true. */
function notNo(value: unknown): boolean | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'boolean') return value;
  return !(typeof value === 'string' && value.toLowerCase() === 'no');
}

/** `TLSv1.3` splits into protocol `tls` and version `1.3`, as Elastic's dissect does. */
function addTls(doc: Record<string, EcsValue>, tls: JsonObject | null): void {
  if (tls === null) return;
  const version = text(tls['tlsVersion']);
  if (version !== null) {
    const v = version.indexOf('v');
    if (v > 0 && v < version.length - 1) {
      doc['tls.version_protocol'] = version.slice(0, v).toLowerCase();
      doc['tls.version'] = version.slice(v + 1);
    }
  }
  put(doc, 'tls.cipher', keyword(tls['cipherSuite']));
  put(doc, 'tls.client.server_name', keyword(tls['clientProvidedHostHeader']));
}

function relatedEntities(
  identity: JsonObject | null,
  context: JsonObject | null,
  issuer: JsonObject | null,
  resources: unknown,
): (string | null)[] {
  const entities: (string | null)[] = [];
  if (identity !== null) {
    entities.push(
      keyword(identity['arn']),
      keyword(identity['identityProvider']),
      keyword(identity['principalId']),
    );
  }
  if (issuer !== null) entities.push(keyword(issuer['arn']), keyword(issuer['userName']));
  const federation = context === null ? null : objectOrNull(context['webIdFederationData']);
  if (federation !== null) entities.push(keyword(federation['federatedProvider']));
  if (identity !== null) entities.push(keyword(identity['userName']));
  if (Array.isArray(resources)) {
    for (const item of resources) {
      const resource = objectOrNull(item);
      if (resource !== null) entities.push(keyword(resource['ARN']));
    }
  }
  return entities;
}
