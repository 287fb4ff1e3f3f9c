// Every field Elastic's AWS KQL rules (../shared/corpus) query must exist in the ECS view, and be produced when the data is there.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { parse as parseToml } from 'smol-toml';

import type { EcsDocument } from '../../model/index.ts';
import { isEcsField } from './ecs-fields.ts';
import { normalizeRecord } from './normalize-record.ts';
import { CORPUS, corpusMissing } from '../../test-support/requirements.ts';
import { corpusDir, filesUnder } from './test-support/test-corpus.ts';
import { toEcs } from './to-ecs.ts';

/** Fields rules use that a CloudTrail record alone can never fill, with the reason. */
const CANNOT_EXIST: Readonly<Record<string, string>> = {
  'source.as.organization.name':
    'Elastic adds it with a GeoIP ASN lookup (MaxMind GeoLite2-ASN) of source.ip at ingest; CloudTrail records carry no AS data and mfaguard ships no GeoIP database.',
};

const FLATTENED_REQUEST = 'aws.cloudtrail.flattened.request_parameters.';

/** Field names a KQL query compares (`field: value`, `field : (…)`, `not field: *`), quoted values removed first. */
function fieldsOf(query: string): string[] {
  const unquoted = query.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const fields = new Set<string>();
  for (const match of unquoted.matchAll(/([A-Za-z_@][\w.@-]*)\s*:/g)) fields.add(match[1]!);
  return [...fields];
}

function ecsOf(record: Record<string, unknown>): EcsDocument {
  const result = normalizeRecord(record, { location: 'rule-fields', index: 0 });
  if (!result.ok) assert.fail(result.issue.message);
  return toEcs(result.event);
}

/** A nested requestParameters object holding `x` at a flattened path; `items` hold lists, as EC2 writes them. */
function requestParametersAt(flatPath: string): Record<string, unknown> {
  let value: unknown = 'x';
  for (const segment of flatPath.split('.').reverse())
    value = { [segment]: segment === 'items' ? [value] : value };
  return value as Record<string, unknown>;
}

/** Records rich enough that, between them, every non-flattened field the rules use has data. */
const RICH_RECORDS: Record<string, unknown>[] = [
  {
    eventVersion: '1.09',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: 'arn:aws:iam::111122223333:user/Alice',
      accountId: '111122223333',
      accessKeyId: 'AKIAEXAMPLE',
      userName: 'Alice',
      invokedBy: 'config.amazonaws.com',
      sessionContext: { attributes: { mfaAuthenticated: 'false', creationDate: '2024-05-01T11:00:00Z' } },
    },
    eventTime: '2024-05-01T12:30:45Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'DeleteAccountPasswordPolicy',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    errorCode: 'AccessDeniedException',
    errorMessage: 'denied',
    requestParameters: { includeManagementEvents: false },
    eventID: 'rich-1',
    eventType: 'AwsApiCall',
  },
];

describe('ECS fields used by Elastic’s AWS KQL rules', () => {
  const corpus = corpusDir();
  const ruleFiles =
    corpus === null ? [] : filesUnder(path.join(corpus, 'elastic', 'rules', 'integrations', 'aws'), '.toml');
  const used = new Map<string, string[]>();
  for (const file of ruleFiles) {
    const rule = (parseToml(readFileSync(file, 'utf8')) as { rule?: { query?: unknown } }).rule;
    if (typeof rule?.query !== 'string') continue;
    for (const field of fieldsOf(rule.query))
      used.set(field, [...(used.get(field) ?? []), path.basename(file)]);
  }

  it('finds the 85 query rules and their fields', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    assert.equal(ruleFiles.length, 85);
    assert.ok(
      used.has('event.action') && used.has('aws.cloudtrail.user_identity.type'),
      [...used.keys()].join(', '),
    );
  });

  it('lists every used field in ECS_FIELDS (or explains why it cannot exist)', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const missing = [...used.keys()]
      .filter((field) => !isEcsField(field) && !(field in CANNOT_EXIST))
      .map((field) => `${field} (used by ${used.get(field)!.join(', ')})`);
    assert.deepEqual(missing, []);
    const staleAllowances = Object.keys(CANNOT_EXIST).filter((field) => !used.has(field));
    assert.deepEqual(staleAllowances, [], 'allow-list entries no rule uses any more');
  });

  it('produces every used field when the record has the data', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const richDocs = RICH_RECORDS.map(ecsOf);
    const notProduced: string[] = [];
    for (const field of used.keys()) {
      if (field in CANNOT_EXIST) continue;
      if (field.startsWith(FLATTENED_REQUEST)) {
        const params = requestParametersAt(field.slice(FLATTENED_REQUEST.length));
        const doc = ecsOf({ ...RICH_RECORDS[0], requestParameters: params });
        if (doc[field] !== 'x') notProduced.push(`${field} from ${JSON.stringify(params)}`);
      } else if (!richDocs.some((doc) => doc[field] !== undefined)) {
        notProduced.push(field);
      }
    }
    assert.deepEqual(notProduced, []);
  });
});
