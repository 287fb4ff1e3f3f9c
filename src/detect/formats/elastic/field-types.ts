// How Elastic's AWS CloudTrail integration (and ECS) map the fields the rules query: the KQL matching rules follow from it.

import type { KqlFieldMapping } from '../../languages/kql/index.ts';

const KEYWORD: KqlFieldMapping = { type: 'keyword', ignoreAbove: 1024 };
/** constant_keyword fields (data_stream.*, event.dataset): one value per index, matched as a keyword. */
const CONSTANT: KqlFieldMapping = { type: 'keyword' };
const DATE: KqlFieldMapping = { type: 'date' };
const BOOLEAN: KqlFieldMapping = { type: 'boolean' };
const NUMBER: KqlFieldMapping = { type: 'number' };
const IP: KqlFieldMapping = { type: 'ip' };
const TEXT: KqlFieldMapping = { type: 'text' };

const KEYWORDS = [
  'event.action',
  'event.provider',
  'event.outcome',
  'event.kind',
  'event.category',
  'event.type',
  'event.id',
  'cloud.account.id',
  'cloud.region',
  'cloud.provider',
  'cloud.service.name',
  'source.address',
  'source.as.organization.name',
  'source.geo.city_name',
  'source.geo.continent_name',
  'source.geo.country_iso_code',
  'source.geo.country_name',
  'source.geo.region_iso_code',
  'source.geo.region_name',
  'user.id',
  'user.name',
  'user.changes.name',
  'user.target.id',
  'user.target.name',
  'user.entity.id',
  'user.target.entity.id',
  'user_agent.original',
  'user_agent.name',
  'user_agent.version',
  'user_agent.device.name',
  'user_agent.os.full',
  'user_agent.os.name',
  'user_agent.os.version',
  'group.id',
  'group.name',
  'related.user',
  'related.ip',
  'related.entity',
  'tags',
  'error.code',
  'file.path',
  'tls.client.server_name',
  'aws.cloudtrail.event_version',
  'aws.cloudtrail.event_category',
  'aws.cloudtrail.user_identity.type',
  'aws.cloudtrail.user_identity.arn',
  'aws.cloudtrail.user_identity.access_key_id',
  'aws.cloudtrail.user_identity.invoked_by',
  'aws.cloudtrail.user_identity.session_context.mfa_authenticated',
  'aws.cloudtrail.user_identity.session_context.session_issuer.type',
  'aws.cloudtrail.user_identity.session_context.session_issuer.principal_id',
  'aws.cloudtrail.user_identity.session_context.session_issuer.arn',
  'aws.cloudtrail.user_identity.session_context.session_issuer.account_id',
  'aws.cloudtrail.error_code',
  'aws.cloudtrail.error_message',
  'aws.cloudtrail.additional_eventdata',
  'aws.cloudtrail.service_event_details',
  'aws.cloudtrail.request_id',
  'aws.cloudtrail.event_type',
  'aws.cloudtrail.api_version',
  'aws.cloudtrail.management_event',
  'aws.cloudtrail.resources.arn',
  'aws.cloudtrail.resources.account_id',
  'aws.cloudtrail.resources.type',
  'aws.cloudtrail.recipient_account_id',
  'aws.cloudtrail.shared_event_id',
  'aws.cloudtrail.vpc_endpoint_id',
  'aws.cloudtrail.session_credential_from_console',
  'aws.cloudtrail.console_login.additional_eventdata.login_to',
];

const MAPPINGS = new Map<string, KqlFieldMapping>([
  ...KEYWORDS.map((name): [string, KqlFieldMapping] => [name, KEYWORD]),
  ['data_stream.dataset', CONSTANT],
  ['data_stream.namespace', CONSTANT],
  ['data_stream.type', CONSTANT],
  ['event.dataset', CONSTANT],
  ['event.module', CONSTANT],
  ['@timestamp', DATE],
  ['event.created', DATE],
  ['event.ingested', DATE],
  ['event.start', DATE],
  ['event.end', DATE],
  ['aws.cloudtrail.user_identity.session_context.creation_date', DATE],
  ['aws.cloudtrail.read_only', BOOLEAN],
  ['aws.cloudtrail.console_login.additional_eventdata.mobile_version', BOOLEAN],
  ['aws.cloudtrail.console_login.additional_eventdata.mfa_used', BOOLEAN],
  ['source.as.number', NUMBER],
  ['source.port', NUMBER],
  ['source.ip', IP],
  ['host.ip', IP],
  ['message', TEXT],
  ['error.message', TEXT],
  ['aws.cloudtrail.request_parameters', { type: 'keyword', ignoreAbove: 8191 }],
  ['aws.cloudtrail.response_elements', { type: 'keyword', ignoreAbove: 8191 }],
  ['source.geo.location', { type: 'unsupported', mappingType: 'geo_point' }],
  ['event.original', { type: 'unsupported', mappingType: 'non-indexed keyword' }],
]);

/** Keyword fields with a `.text` multi-field (analysed text over the same value). */
const TEXT_MULTI_FIELDS = new Set([
  'user_agent.original',
  'user.name',
  'user.changes.name',
  'user.target.name',
  'source.as.organization.name',
  'user_agent.os.full',
  'user_agent.os.name',
  'aws.cloudtrail.request_parameters',
  'aws.cloudtrail.response_elements',
  'aws.cloudtrail.additional_eventdata',
  'aws.cloudtrail.service_event_details',
  'file.path',
]);

/** Elastic `flattened` objects: every leaf is a keyword (numbers and booleans as their text). */
export const FLATTENED_ROOTS = [
  'aws.cloudtrail.flattened.additional_eventdata',
  'aws.cloudtrail.flattened.request_parameters',
  'aws.cloudtrail.flattened.response_elements',
  'aws.cloudtrail.flattened.service_event_details',
  'aws.cloudtrail.flattened.digest',
  'aws.cloudtrail.flattened.insight_details',
  'aws.s3.metadata',
];

/** The field's mapping in the integration; fields it does not declare are `dynamic` (decided from the value). */
export function resolveElasticField(name: string): KqlFieldMapping {
  const mapping = MAPPINGS.get(name);
  if (mapping !== undefined) return mapping;
  if (name.endsWith('.text') && TEXT_MULTI_FIELDS.has(name.slice(0, -5)))
    return { type: 'text', source: name.slice(0, -5) };
  for (const root of FLATTENED_ROOTS) {
    if (name === root) return { type: 'keyword', object: true };
    if (name.startsWith(`${root}.`)) return { type: 'keyword' };
  }
  return { type: 'dynamic' };
}

/** The flattened root a field lives under, if any. */
export function flattenedRoot(name: string): string | null {
  return FLATTENED_ROOTS.find((root) => name === root || name.startsWith(`${root}.`)) ?? null;
}
