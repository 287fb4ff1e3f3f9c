// The Athena table `mfaguard hunt --engine athena` queries: the CloudTrail columns AWS documents, with partition projection over a trail's bucket, as a Glue TableInput, CloudFormation or Terraform.

import { stringify } from 'yaml';
import { athenaType, CLOUDTRAIL_COLUMNS } from '../hunt/index.ts';
import { UsageError } from '../model/index.ts';
import type { GeneratedGuardrail, GuardrailFormat } from './generate.ts';
import { block, expr, hclBlock } from './hcl.ts';
import type { HclBlock } from './hcl.ts';

export interface AthenaTableOptions {
  /** The trail's bucket. */
  readonly bucket: string;
  /** Key prefix before `AWSLogs/` (the trail's S3 key prefix), if any. */
  readonly prefix?: string;
  /** `o-…` for an organisation trail, whose keys are `AWSLogs/<org id>/<account>/…`. */
  readonly organizationId?: string;
  /** Accounts and regions whose logs the table projects (partition projection enumerates them). */
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  /** First day of logs, `yyyy/MM/dd`. */
  readonly startDate: string;
  readonly database?: string;
  readonly table?: string;
}

/** The partition columns, named as `mfaguard hunt` looks for them. */
export const ATHENA_PARTITION_KEYS = ['account', 'region', 'timestamp'] as const;

const SERDE = 'org.apache.hive.hcatalog.data.JsonSerDe';
const INPUT_FORMAT = 'com.amazon.emr.cloudtrail.CloudTrailInputFormat';
const OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

interface Resolved {
  readonly database: string;
  readonly table: string;
  readonly location: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/** Checks the options (they end up in S3 paths and catalog names) and works out the location and projection. */
function resolve(options: AthenaTableOptions): Resolved {
  const problems: string[] = [];
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket))
    problems.push(`--bucket must be an S3 bucket name; got '${options.bucket.slice(0, 70)}'`);
  const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9!_.*'()/-]*$/.test(prefix))
    problems.push(`--prefix has characters an S3 key prefix should not have`);
  if (options.organizationId !== undefined && !/^o-[a-z0-9]{10,32}$/.test(options.organizationId))
    problems.push(
      `--organization-id must look like o-a1b2c3d4e5; got '${options.organizationId.slice(0, 40)}'`,
    );
  if (options.accounts.length === 0 || options.accounts.some((a) => !/^\d{12}$/.test(a)))
    problems.push('--accounts must list the 12-digit account ids whose logs the bucket holds');
  if (options.regions.length === 0 || options.regions.some((r) => !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(r)))
    problems.push('--regions must list AWS regions such as us-east-1,eu-west-1');
  if (!/^\d{4}\/\d{2}\/\d{2}$/.test(options.startDate))
    problems.push(`--start-date must be yyyy/MM/dd; got '${options.startDate.slice(0, 20)}'`);
  const database = options.database ?? 'mfaguard';
  const table = options.table ?? 'cloudtrail';
  for (const [name, value] of [
    ['--database', database],
    ['--table-name', table],
  ] as const)
    if (!/^[a-z0-9_]{1,255}$/.test(value)) problems.push(`${name} must be lower-case letters, digits and _`);
  if (problems.length > 0) throw new UsageError(`athena-table: ${problems.join('; ')}`);
  const root = `s3://${options.bucket}/${prefix === '' ? '' : `${prefix}/`}AWSLogs/${
    options.organizationId === undefined ? '' : `${options.organizationId}/`
  }`;
  return {
    database,
    table,
    location: root,
    parameters: {
      'projection.enabled': 'true',
      'projection.account.type': 'enum',
      'projection.account.values': options.accounts.join(','),
      'projection.region.type': 'enum',
      'projection.region.values': options.regions.join(','),
      'projection.timestamp.type': 'date',
      'projection.timestamp.format': 'yyyy/MM/dd',
      'projection.timestamp.interval': '1',
      'projection.timestamp.interval.unit': 'DAYS',
      'projection.timestamp.range': `${options.startDate},NOW`,
      'storage.location.template': `${root}\${account}/CloudTrail/\${region}/\${timestamp}`,
      classification: 'cloudtrail',
      EXTERNAL: 'TRUE',
    },
  };
}

/** Glue's TableInput (the JSON `aws glue create-table --table-input` takes); the CloudFormation form is the same shape. */
function tableInput(r: Resolved): Record<string, unknown> {
  return {
    Name: r.table,
    Description: 'CloudTrail logs with partition projection, for mfaguard hunt --engine athena',
    TableType: 'EXTERNAL_TABLE',
    Parameters: r.parameters,
    PartitionKeys: ATHENA_PARTITION_KEYS.map((name) => ({ Name: name, Type: 'string' })),
    StorageDescriptor: {
      Location: r.location,
      InputFormat: INPUT_FORMAT,
      OutputFormat: OUTPUT_FORMAT,
      SerdeInfo: { SerializationLibrary: SERDE },
      Columns: CLOUDTRAIL_COLUMNS.map((c) => ({ Name: c.name, Type: athenaType(c.type) })),
    },
  };
}

function template(r: Resolved): Record<string, unknown> {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `mfaguard: Athena table over the CloudTrail logs in ${r.location}, with partition projection (account, region, day)`,
    Resources: {
      CloudTrailDatabase: {
        Type: 'AWS::Glue::Database',
        Properties: { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: r.database } },
      },
      CloudTrailTable: {
        Type: 'AWS::Glue::Table',
        Properties: {
          CatalogId: { Ref: 'AWS::AccountId' },
          DatabaseName: { Ref: 'CloudTrailDatabase' },
          TableInput: tableInput(r),
        },
      },
    },
    Outputs: {
      Hunt: {
        Description: 'How to hunt over this table',
        Value: `mfaguard hunt --engine athena --database ${r.database} --table ${r.table}`,
      },
    },
  };
}

function terraform(r: Resolved): string {
  const input = tableInput(r) as { StorageDescriptor: { Columns: { Name: string; Type: string }[] } };
  const table: HclBlock = block(
    'resource',
    ['aws_glue_catalog_table', 'mfaguard_cloudtrail'],
    [
      ['name', r.table],
      ['database_name', expr('aws_glue_catalog_database.mfaguard.name')],
      ['description', 'CloudTrail logs with partition projection, for mfaguard hunt --engine athena'],
      ['table_type', 'EXTERNAL_TABLE'],
      ['parameters', r.parameters],
      ...ATHENA_PARTITION_KEYS.map((name) =>
        block(
          'partition_keys',
          [],
          [
            ['name', name],
            ['type', 'string'],
          ],
        ),
      ),
      block(
        'storage_descriptor',
        [],
        [
          ['location', r.location],
          ['input_format', INPUT_FORMAT],
          ['output_format', OUTPUT_FORMAT],
          block('ser_de_info', [], [['serialization_library', SERDE]]),
          ...input.StorageDescriptor.Columns.map((c) =>
            block(
              'columns',
              [],
              [
                ['name', c.Name],
                ['type', c.Type],
              ],
            ),
          ),
        ],
      ),
    ],
  );
  const database = block('resource', ['aws_glue_catalog_database', 'mfaguard'], [['name', r.database]]);
  return [
    `# mfaguard: Athena table over the CloudTrail logs in ${r.location}, with partition projection (account, region, day).`,
    `# Hunt with: mfaguard hunt --engine athena --database ${r.database} --table ${r.table}`,
    '',
    hclBlock(database),
    '',
    hclBlock(table),
    '',
  ].join('\n');
}

export function generateAthenaTable(
  format: GuardrailFormat,
  options: AthenaTableOptions,
): GeneratedGuardrail {
  const r = resolve(options);
  const content =
    format === 'json'
      ? `${JSON.stringify(tableInput(r), null, 2)}\n`
      : format === 'cloudformation'
        ? stringify(template(r), { aliasDuplicateObjects: false, lineWidth: 0, version: '1.1' })
        : terraform(r);
  const extension = format === 'json' ? 'json' : format === 'cloudformation' ? 'cfn.yaml' : 'tf';
  return { kind: 'athena-table', format, fileName: `mfaguard-athena-table.${extension}`, content };
}
