// The CloudTrail table as AWS documents it for Athena: one description that the hunt SQL, the DuckDB view over local files, the Athena DDL and the row decoder all read.

/** How a column holding text is read back into the record: as text, as embedded JSON, or as a boolean. */
export type TextDecoding = 'text' | 'json' | 'boolean';

export type ColumnType =
  | { readonly kind: 'string'; readonly decode: TextDecoding }
  | { readonly kind: 'struct'; readonly fields: readonly Field[] }
  | { readonly kind: 'array'; readonly of: ColumnType }
  | { readonly kind: 'map' };

export interface Field {
  /** The Athena (Hive) name: lower case. */
  readonly name: string;
  /** The key in the CloudTrail JSON record. */
  readonly key: string;
  readonly type: ColumnType;
}

export interface Column extends Field {
  /** In the `CREATE TABLE` of the AWS documentation; a table made from it lacks the others. */
  readonly documented: boolean;
}

const text: ColumnType = { kind: 'string', decode: 'text' };
const json: ColumnType = { kind: 'string', decode: 'json' };
const bool: ColumnType = { kind: 'string', decode: 'boolean' };
const field = (name: string, key: string, type: ColumnType = text): Field => ({ name, key, type });
const struct = (...fields: Field[]): ColumnType => ({ kind: 'struct', fields });
const column = (name: string, key: string, type: ColumnType = text, documented = true): Column => ({
  name,
  key,
  type,
  documented,
});

const USER_IDENTITY = struct(
  field('type', 'type'),
  field('principalid', 'principalId'),
  field('arn', 'arn'),
  field('accountid', 'accountId'),
  field('invokedby', 'invokedBy'),
  field('accesskeyid', 'accessKeyId'),
  field('username', 'userName'),
  field(
    'onbehalfof',
    'onBehalfOf',
    struct(field('userid', 'userId'), field('identitystorearn', 'identityStoreArn')),
  ),
  field(
    'sessioncontext',
    'sessionContext',
    struct(
      field(
        'attributes',
        'attributes',
        struct(field('mfaauthenticated', 'mfaAuthenticated'), field('creationdate', 'creationDate')),
      ),
      field(
        'sessionissuer',
        'sessionIssuer',
        struct(
          field('type', 'type'),
          field('principalid', 'principalId'),
          field('arn', 'arn'),
          field('accountid', 'accountId'),
          field('username', 'userName'),
        ),
      ),
      field('ec2roledelivery', 'ec2RoleDelivery'),
      field(
        'webidfederationdata',
        'webIdFederationData',
        struct(
          field('federatedprovider', 'federatedProvider'),
          field('attributes', 'attributes', { kind: 'map' }),
        ),
      ),
    ),
  ),
);

/**
 * The columns of the AWS-documented CloudTrail table (partition projection variant), in its order, plus
 * `managementevent`, which the documentation leaves out but Elastic's mapping reads; a hunt selects it only where
 * the table has it.
 */
export const CLOUDTRAIL_COLUMNS: readonly Column[] = [
  column('eventversion', 'eventVersion'),
  column('useridentity', 'userIdentity', USER_IDENTITY),
  column('eventtime', 'eventTime'),
  column('eventsource', 'eventSource'),
  column('eventname', 'eventName'),
  column('awsregion', 'awsRegion'),
  column('sourceipaddress', 'sourceIPAddress'),
  column('useragent', 'userAgent'),
  column('errorcode', 'errorCode'),
  column('errormessage', 'errorMessage'),
  column('requestparameters', 'requestParameters', json),
  column('responseelements', 'responseElements', json),
  column('additionaleventdata', 'additionalEventData', json),
  column('requestid', 'requestID'),
  column('eventid', 'eventID'),
  column('readonly', 'readOnly', bool),
  column('resources', 'resources', {
    kind: 'array',
    of: struct(field('arn', 'ARN'), field('accountid', 'accountId'), field('type', 'type')),
  }),
  column('eventtype', 'eventType'),
  column('apiversion', 'apiVersion'),
  column('recipientaccountid', 'recipientAccountId'),
  column('serviceeventdetails', 'serviceEventDetails', json),
  column('sharedeventid', 'sharedEventID'),
  column('vpcendpointid', 'vpcEndpointId'),
  column('vpcendpointaccountid', 'vpcEndpointAccountId'),
  column('eventcategory', 'eventCategory'),
  column(
    'addendum',
    'addendum',
    struct(
      field('reason', 'reason'),
      field('updatedfields', 'updatedFields'),
      field('originalrequestid', 'originalRequestID'),
      field('originaleventid', 'originalEventID'),
    ),
  ),
  column('sessioncredentialfromconsole', 'sessionCredentialFromConsole'),
  column('edgedevicedetails', 'edgeDeviceDetails', json),
  column(
    'tlsdetails',
    'tlsDetails',
    struct(
      field('tlsversion', 'tlsVersion'),
      field('ciphersuite', 'cipherSuite'),
      field('clientprovidedhostheader', 'clientProvidedHostHeader'),
    ),
  ),
  column('managementevent', 'managementEvent', bool, false),
];

/** The column names of the documented table (what a table made from the AWS documentation has). */
export const DOCUMENTED_COLUMN_NAMES: ReadonlySet<string> = new Set(
  CLOUDTRAIL_COLUMNS.filter((c) => c.documented).map((c) => c.name),
);

/** The type as Athena (Hive DDL) spells it. */
export function athenaType(type: ColumnType): string {
  switch (type.kind) {
    case 'string':
      return 'string';
    case 'map':
      return 'map<string,string>';
    case 'array':
      return `array<${athenaType(type.of)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${athenaType(f.type)}`).join(',')}>`;
  }
}

/**
 * The type DuckDB reads a record's value into, with the record's own (camelCase) keys: `read_json` matches keys
 * exactly, so the lower-case Athena names are given by the view (`duckdbExpression`).
 */
export function duckdbReadType(type: ColumnType): string {
  switch (type.kind) {
    case 'string':
      // A JSON object or boolean read into VARCHAR keeps its JSON text, as Athena's JsonSerDe does for a string column.
      return 'VARCHAR';
    case 'map':
      return 'MAP(VARCHAR, VARCHAR)';
    case 'array':
      return `${duckdbReadType(type.of)}[]`;
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdentifier(f.key)} ${duckdbReadType(f.type)}`).join(', ')})`;
  }
}

/** The DuckDB expression that renames a value read with `duckdbReadType` to the Athena names, keeping NULL as NULL. */
export function duckdbExpression(type: ColumnType, source: string): string {
  switch (type.kind) {
    case 'string':
    case 'map':
      return source;
    case 'array':
      return `list_transform(${source}, x -> ${duckdbExpression(type.of, 'x')})`;
    case 'struct': {
      const fields = type.fields
        .map((f) => `${f.name} := ${duckdbExpression(f.type, `${source}.${quoteIdentifier(f.key)}`)}`)
        .join(', ');
      return `CASE WHEN ${source} IS NULL THEN NULL ELSE struct_pack(${fields}) END`;
    }
  }
}

/** A double-quoted SQL identifier (Trino, DuckDB and Hive DDL in backticks aside). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
