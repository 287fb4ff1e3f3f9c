// Every field the ECS view can carry, with the Elasticsearch type the AWS integration maps it to (KQL matches by type).

/** keyword: exact, case-sensitive; ip: addresses and CIDR; date: ISO time; boolean; flattened: keyword leaves. */
export type EcsFieldType = 'keyword' | 'ip' | 'date' | 'boolean' | 'flattened';

/** Open-ended objects: any `prefix.<path>` below them is a field (Elastic's `flattened` type). */
const FLATTENED_ROOTS = [
  'aws.cloudtrail.flattened.additional_eventdata',
  'aws.cloudtrail.flattened.insight_details',
  'aws.cloudtrail.flattened.request_parameters',
  'aws.cloudtrail.flattened.response_elements',
  'aws.cloudtrail.flattened.service_event_details',
] as const;

const FIXED_FIELDS: readonly (readonly [string, EcsFieldType])[] = [
  ['@timestamp', 'date'],
  ['aws.cloudtrail.additional_eventdata', 'keyword'],
  ['aws.cloudtrail.api_version', 'keyword'],
  ['aws.cloudtrail.console_login.additional_eventdata.login_to', 'keyword'],
  ['aws.cloudtrail.console_login.additional_eventdata.mfa_used', 'boolean'],
  ['aws.cloudtrail.console_login.additional_eventdata.mobile_version', 'boolean'],
  ['aws.cloudtrail.error_code', 'keyword'],
  ['aws.cloudtrail.error_message', 'keyword'],
  ['aws.cloudtrail.event_category', 'keyword'],
  ['aws.cloudtrail.event_type', 'keyword'],
  ['aws.cloudtrail.event_version', 'keyword'],
  ['aws.cloudtrail.management_event', 'keyword'],
  ['aws.cloudtrail.read_only', 'boolean'],
  ['aws.cloudtrail.recipient_account_id', 'keyword'],
  ['aws.cloudtrail.request_id', 'keyword'],
  ['aws.cloudtrail.request_parameters', 'keyword'],
  ['aws.cloudtrail.resources.account_id', 'keyword'],
  ['aws.cloudtrail.resources.arn', 'keyword'],
  ['aws.cloudtrail.resources.type', 'keyword'],
  ['aws.cloudtrail.response_elements', 'keyword'],
  ['aws.cloudtrail.service_event_details', 'keyword'],
  ['aws.cloudtrail.session_credential_from_console', 'keyword'],
  ['aws.cloudtrail.shared_event_id', 'keyword'],
  ['aws.cloudtrail.user_identity.access_key_id', 'keyword'],
  ['aws.cloudtrail.user_identity.arn', 'keyword'],
  ['aws.cloudtrail.user_identity.invoked_by', 'keyword'],
  ['aws.cloudtrail.user_identity.session_context.creation_date', 'date'],
  ['aws.cloudtrail.user_identity.session_context.mfa_authenticated', 'keyword'],
  ['aws.cloudtrail.user_identity.session_context.session_issuer.account_id', 'keyword'],
  ['aws.cloudtrail.user_identity.session_context.session_issuer.arn', 'keyword'],
  ['aws.cloudtrail.user_identity.session_context.session_issuer.principal_id', 'keyword'],
  ['aws.cloudtrail.user_identity.session_context.session_issuer.type', 'keyword'],
  ['aws.cloudtrail.user_identity.type', 'keyword'],
  ['aws.cloudtrail.vpc_endpoint_id', 'keyword'],
  ['cloud.account.id', 'keyword'],
  ['cloud.provider', 'keyword'],
  ['cloud.region', 'keyword'],
  ['data_stream.dataset', 'keyword'],
  ['data_stream.type', 'keyword'],
  ['event.action', 'keyword'],
  ['event.category', 'keyword'],
  ['event.dataset', 'keyword'],
  ['event.id', 'keyword'],
  ['event.kind', 'keyword'],
  ['event.module', 'keyword'],
  ['event.outcome', 'keyword'],
  ['event.provider', 'keyword'],
  ['event.type', 'keyword'],
  ['group.id', 'keyword'],
  ['group.name', 'keyword'],
  ['related.entity', 'keyword'],
  ['related.user', 'keyword'],
  ['source.address', 'keyword'],
  ['source.ip', 'ip'],
  ['tls.cipher', 'keyword'],
  ['tls.client.server_name', 'keyword'],
  ['tls.version', 'keyword'],
  ['tls.version_protocol', 'keyword'],
  ['user.changes.name', 'keyword'],
  ['user.id', 'keyword'],
  ['user.name', 'keyword'],
  ['user.target.id', 'keyword'],
  ['user.target.name', 'keyword'],
  ['user_agent.original', 'keyword'],
];

const FIXED_TYPES: ReadonlyMap<string, EcsFieldType> = new Map(FIXED_FIELDS);

/**
 * Every field `toEcs` can produce, sorted. Entries ending in `.*` stand for any path below a flattened
 * object (`aws.cloudtrail.flattened.request_parameters.*`); use `isEcsField` to test a concrete name.
 */
export const ECS_FIELDS: readonly string[] = Object.freeze(
  [...FIXED_FIELDS.map(([name]) => name), ...FLATTENED_ROOTS.map((root) => `${root}.*`)].sort(),
);

/** The Elasticsearch type of a field the ECS view can carry, or null when the view never has it. */
export function ecsFieldType(name: string): EcsFieldType | null {
  const fixed = FIXED_TYPES.get(name);
  if (fixed !== undefined) return fixed;
  for (const root of FLATTENED_ROOTS) {
    if (name.length > root.length + 1 && name.startsWith(root) && name.charCodeAt(root.length) === 46)
      return 'flattened';
  }
  return null;
}

/** True when `toEcs` can produce `name` (a concrete dotted field name, or a flattened path). */
export function isEcsField(name: string): boolean {
  return ecsFieldType(name) !== null;
}
