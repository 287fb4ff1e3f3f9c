// Tests for the Security Hub import: batches of 100, retries on throttling, FailedFindings reported; the wire request as the API reference describes it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { importFindings } from './security-hub-import.ts';
import { toAsff } from './asff.ts';
import { sampleReport } from '../test-support/output.ts';

function findings(n: number): AwsSecurityFinding[] {
  const one = toAsff(sampleReport(), { region: 'eu-west-1' })[0]!;
  return Array.from({ length: n }, (_, i) => ({ ...one, Id: `finding-${i}` }));
}

const noSleep = { sleep: (): Promise<void> => Promise.resolve() };

void test('sends batches of at most 100 in order and counts what Security Hub imported', async () => {
  const hub = mockClient(SecurityHubClient);
  hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => ({
    FailedCount: 0,
    SuccessCount: input.Findings.length,
    FailedFindings: [],
  }));
  const result = await importFindings(new SecurityHubClient({ region: 'eu-west-1' }), findings(250), noSleep);
  const calls = hub.commandCalls(BatchImportFindingsCommand);
  assert.deepEqual(
    calls.map((c) => c.args[0].input.Findings?.length),
    [100, 100, 50],
  );
  assert.deepEqual(
    calls.flatMap((c) => c.args[0].input.Findings?.map((f) => f.Id) ?? []),
    findings(250).map((f) => f.Id),
  );
  assert.deepEqual(result, { sent: 250, imported: 250, failed: [], requests: 3, stopped: null });
  hub.restore();
});

void test('retries a throttled batch with a growing wait, then goes on', async () => {
  const hub = mockClient(SecurityHubClient);
  const throttle = Object.assign(new Error('Rate exceeded'), {
    name: 'LimitExceededException',
    $metadata: { httpStatusCode: 429 },
  });
  hub
    .on(BatchImportFindingsCommand)
    .rejectsOnce(throttle)
    .rejectsOnce(throttle)
    .resolves({ FailedCount: 0, SuccessCount: 100, FailedFindings: [] });
  const waits: number[] = [];
  const result = await importFindings(new SecurityHubClient({ region: 'eu-west-1' }), findings(100), {
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    initialDelayMs: 100,
  });
  assert.deepEqual(waits, [100, 200]);
  assert.equal(result.requests, 3);
  assert.equal(result.imported, 100);
  assert.equal(result.stopped, null);
  hub.restore();
});

void test("reports FailedFindings one by one with Security Hub's error code; refuses a finding over 240 KB before sending", async () => {
  const hub = mockClient(SecurityHubClient);
  hub.on(BatchImportFindingsCommand).resolves({
    FailedCount: 2,
    SuccessCount: 1,
    FailedFindings: [
      { Id: 'finding-0', ErrorCode: 'InvalidInput', ErrorMessage: 'Finding does not adhere to ASFF' },
      { Id: 'finding-2', ErrorCode: 'AccessDenied', ErrorMessage: 'not your account' },
    ],
  });
  const big = { ...findings(1)[0]!, Id: 'huge', Description: 'x'.repeat(250 * 1024) };
  const result = await importFindings(
    new SecurityHubClient({ region: 'eu-west-1' }),
    [...findings(3), big],
    noSleep,
  );
  assert.equal(hub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings?.length, 3);
  assert.equal(result.imported, 1);
  assert.deepEqual(
    result.failed.map((f) => [f.id, f.errorCode]),
    [
      ['huge', 'FindingTooLarge'],
      ['finding-0', 'InvalidInput'],
      ['finding-2', 'AccessDenied'],
    ],
  );
  hub.restore();
});

void test('an error no retry fixes stops the import and says how far it got', async () => {
  const hub = mockClient(SecurityHubClient);
  hub
    .on(BatchImportFindingsCommand)
    .resolvesOnce({ FailedCount: 0, SuccessCount: 100, FailedFindings: [] })
    .rejects(
      Object.assign(new Error('Account is not subscribed to AWS Security Hub'), {
        name: 'InvalidAccessException',
        $metadata: { httpStatusCode: 401 },
      }),
    );
  const result = await importFindings(new SecurityHubClient({ region: 'eu-west-1' }), findings(150), noSleep);
  assert.equal(result.imported, 100);
  assert.equal(result.requests, 2);
  assert.deepEqual(result.stopped?.notSent, 50);
  assert.match(
    result.stopped?.reason ?? '',
    /findings 101-150 of 150: InvalidAccessException: Account is not subscribed/,
  );
  // Throttling that never ends gives up after the attempts, too.
  hub.reset();
  hub
    .on(BatchImportFindingsCommand)
    .rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }));
  const tired = await importFindings(new SecurityHubClient({ region: 'eu-west-1' }), findings(5), {
    ...noSleep,
    maxAttempts: 3,
  });
  assert.equal(tired.requests, 3);
  assert.match(tired.stopped?.reason ?? '', /after 3 tries/);
  hub.restore();
});

void test('on the wire: POST /findings/import with {"Findings": [...]} as the BatchImportFindings API reference says', async () => {
  const received: { method: string; url: string; body: { Findings: AwsSecurityFinding[] } }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { Findings: AwsSecurityFinding[] };
      received.push({ method: req.method ?? '', url: req.url ?? '', body: parsed });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ FailedCount: 0, SuccessCount: parsed.Findings.length, FailedFindings: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const client = new SecurityHubClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const asff = toAsff(sampleReport(), { region: 'eu-west-1' });
    const result = await importFindings(client, asff, noSleep);
    assert.equal(result.imported, asff.length);
    assert.equal(received.length, Math.ceil(asff.length / 100));
    assert.equal(received[0]?.method, 'POST');
    assert.equal(received[0]?.url, '/findings/import');
    const sent = received[0].body.Findings[0]!;
    for (const field of [
      'SchemaVersion',
      'Id',
      'ProductArn',
      'GeneratorId',
      'AwsAccountId',
      'Types',
      'CreatedAt',
      'UpdatedAt',
      'Severity',
      'Title',
      'Description',
      'Resources',
    ])
      assert.ok(field in sent, `required ASFF field ${field}`);
    assert.deepEqual(sent, JSON.parse(JSON.stringify(asff[0])));
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
