// The Athena table for hunts, as Glue TableInput, CloudFormation and Terraform: its structure, and that a hunt reads it as partitioned.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AthenaClient, GetTableMetadataCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'yaml';
import { RELEVANT_EVENT_NAMES } from '../app/relevant-events.ts';
import {
  athenaType,
  CLOUDTRAIL_COLUMNS,
  compileSliceQuery,
  DOCUMENTED_COLUMN_NAMES,
  rulePins,
} from '../hunt/index.ts';
import { loadAthenaEngine } from '../hunt/index.ts';
import { loadRuleSet } from '../app/index.ts';
import { UsageError } from '../model/index.ts';
import { generateAthenaTable } from './athena-table.ts';
import type { AthenaTableOptions } from './athena-table.ts';

const OPTIONS: AthenaTableOptions = {
  bucket: 'org-trail-logs',
  prefix: 'trails/',
  organizationId: 'o-a1b2c3d4e5',
  accounts: ['111122223333', '444455556666'],
  regions: ['us-east-1', 'eu-west-1'],
  startDate: '2024/01/01',
};

interface TableInput {
  Name: string;
  TableType: string;
  Parameters: Record<string, string>;
  PartitionKeys: { Name: string; Type: string }[];
  StorageDescriptor: {
    Location: string;
    InputFormat: string;
    SerdeInfo: { SerializationLibrary: string };
    Columns: { Name: string; Type: string }[];
  };
}

describe('guardrails athena-table', () => {
  it('is an AWS::Glue::Table with the CloudTrail columns, three projected partitions and the bucket layout', () => {
    const template = parse(generateAthenaTable('cloudformation', OPTIONS).content) as {
      Resources: Record<
        string,
        { Type: string; Properties: { TableInput?: TableInput; DatabaseName?: unknown } }
      >;
    };
    assert.equal(template.Resources['CloudTrailDatabase']?.Type, 'AWS::Glue::Database');
    const table = template.Resources['CloudTrailTable']!;
    assert.equal(table.Type, 'AWS::Glue::Table');
    assert.deepEqual(table.Properties.DatabaseName, { Ref: 'CloudTrailDatabase' });
    const input = table.Properties.TableInput!;
    assert.equal(input.TableType, 'EXTERNAL_TABLE');
    assert.deepEqual(
      input.PartitionKeys.map((k) => k.Name),
      ['account', 'region', 'timestamp'],
    );
    assert.equal(
      input.StorageDescriptor.SerdeInfo.SerializationLibrary,
      'org.apache.hive.hcatalog.data.JsonSerDe',
    );
    assert.equal(input.StorageDescriptor.InputFormat, 'com.amazon.emr.cloudtrail.CloudTrailInputFormat');
    assert.equal(input.StorageDescriptor.Location, 's3://org-trail-logs/trails/AWSLogs/o-a1b2c3d4e5/');
    assert.equal(
      input.Parameters['storage.location.template'],
      's3://org-trail-logs/trails/AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/${region}/${timestamp}',
    );
    assert.equal(input.Parameters['projection.enabled'], 'true');
    assert.equal(input.Parameters['projection.account.values'], '111122223333,444455556666');
    assert.equal(input.Parameters['projection.region.values'], 'us-east-1,eu-west-1');
    assert.equal(input.Parameters['projection.timestamp.range'], '2024/01/01,NOW');
    assert.equal(input.Parameters['projection.timestamp.format'], 'yyyy/MM/dd');
    assert.deepEqual(
      input.StorageDescriptor.Columns,
      CLOUDTRAIL_COLUMNS.map((c) => ({ Name: c.name, Type: athenaType(c.type) })),
    );
    for (const name of DOCUMENTED_COLUMN_NAMES)
      assert.ok(
        input.StorageDescriptor.Columns.some((c) => c.Name === name),
        name,
      );
    const identity = input.StorageDescriptor.Columns.find((c) => c.Name === 'useridentity')!;
    assert.match(
      identity.Type,
      /^struct<type:string,.*sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>,/,
    );
  });

  it('is an aws_glue_catalog_table in Terraform, with Terraform interpolation kept out of the location template', () => {
    const hcl = generateAthenaTable('terraform', OPTIONS).content;
    assert.match(hcl, /^resource "aws_glue_catalog_database" "mfaguard" \{$/m);
    assert.match(hcl, /^resource "aws_glue_catalog_table" "mfaguard_cloudtrail" \{$/m);
    assert.match(hcl, /database_name = aws_glue_catalog_database\.mfaguard\.name/);
    assert.match(
      hcl,
      /"storage\.location\.template" = "s3:\/\/org-trail-logs\/trails\/AWSLogs\/o-a1b2c3d4e5\/\$\$\{account\}\/CloudTrail\/\$\$\{region\}\/\$\$\{timestamp\}"/,
    );
    assert.equal(hcl.match(/^ {2}partition_keys \{$/gm)?.length, 3);
    assert.equal(hcl.match(/^ {4}columns \{$/gm)?.length, CLOUDTRAIL_COLUMNS.length);
    assert.match(
      hcl,
      /ser_de_info \{\n\s+serialization_library = "org\.apache\.hive\.hcatalog\.data\.JsonSerDe"/,
    );
    assert.equal(hcl.split('{').length, hcl.split('}').length, 'braces balance');
  });

  it('is read by hunt --engine athena as partitioned by account, region and day, and the SQL prunes on all three', async () => {
    const input = JSON.parse(generateAthenaTable('json', OPTIONS).content) as TableInput;
    const athena = mockClient(AthenaClient);
    try {
      athena.on(GetTableMetadataCommand).resolves({
        TableMetadata: {
          Name: input.Name,
          TableType: input.TableType,
          Columns: input.StorageDescriptor.Columns,
          PartitionKeys: input.PartitionKeys,
          Parameters: input.Parameters,
        },
      });
      const { openAthenaEngine } = await loadAthenaEngine();
      const engine = await openAthenaEngine({
        database: 'mfaguard',
        table: 'cloudtrail',
        client: new AthenaClient({ region: 'us-east-1' }),
      });
      assert.deepEqual(engine.layout.partitions, { account: 'account', region: 'region', date: 'timestamp' });
      assert.equal(engine.layout.columns.size, CLOUDTRAIL_COLUMNS.length);
      const sql = compileSliceQuery(
        rulePins(loadRuleSet({ builtin: true, paths: [] }).rules),
        [...RELEVANT_EVENT_NAMES],
        { since: '2024-03-01T00:00:00Z', until: null, accounts: ['111122223333'], regions: ['eu-west-1'] },
        engine.layout,
      );
      assert.match(sql, /"account" IN \('111122223333'\)/);
      assert.match(sql, /"region" IN \('eu-west-1'\)/);
      assert.match(sql, /"timestamp" >= '2024\/03\/01'/);
    } finally {
      athena.restore();
    }
  });

  it('names every bad option at once', () => {
    assert.throws(
      () =>
        generateAthenaTable('json', {
          ...OPTIONS,
          bucket: 'Bad_Bucket',
          accounts: ['12'],
          startDate: '2024-01-01',
        }),
      (error: unknown) =>
        error instanceof UsageError &&
        /--bucket/.test(error.message) &&
        /--accounts/.test(error.message) &&
        /--start-date/.test(error.message),
    );
  });
});
