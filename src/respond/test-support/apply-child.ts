// A responder in its own process for the kill -9 test: IAM state lives in a file, and the process kills itself where told.

import { readFileSync, writeFileSync } from 'node:fs';
import { IAMServiceException, ListAttachedUserPoliciesCommand } from '@aws-sdk/client-iam';
import { openStore } from '../../store/index.ts';
import { createResponder } from '../responder.ts';
import { enforcing } from './cases.ts';
import { fakeIam } from './fake-iam.ts';

const [storeUrl, stateFile, caseId, killAt, nowText] = process.argv.slice(2);
if (storeUrl === undefined || stateFile === undefined || caseId === undefined || nowText === undefined)
  throw new Error('usage: apply-child STORE STATE CASE KILL_AT NOW');

interface Saved {
  attached: Record<string, string[]>;
  writes: string[];
}
const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as Saved;
const attached = new Map(Object.entries(saved.attached).map(([user, arns]) => [user, new Set(arns)]));
const persist = (writes: readonly string[]): void => {
  const out: Saved = {
    attached: Object.fromEntries([...attached].map(([user, arns]) => [user, [...arns]])),
    writes: [...saved.writes, ...writes],
  };
  writeFileSync(stateFile, JSON.stringify(out));
};
const iam = fakeIam(
  { attached },
  {
    afterWrite: () => {
      // AWS made the change; the answer never reaches the responder.
      persist(iam.writes);
      if (killAt === 'after-send') process.kill(process.pid, 'SIGKILL');
    },
  },
);
if (killAt === 'resume-throttled')
  // IAM throttles the resuming worker's first read (the check before the attachment is resent), then answers.
  iam.mock
    .on(ListAttachedUserPoliciesCommand)
    .rejectsOnce(
      new IAMServiceException({
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    )
    .callsFake((input: { UserName: string }) => ({
      AttachedPolicies: [...(attached.get(input.UserName) ?? [])].map((arn) => ({ PolicyArn: arn })),
      IsTruncated: false,
    }));
const store = await openStore(storeUrl);
const responder = createResponder({
  store,
  config: enforcing(),
  breakGlassUsers: new Set(),
  knownAdmins: new Set(),
  iam: () => iam.client,
  clock: () => Number(nowText),
  workerId: `child-${process.pid}`,
  beforeSend: () => {
    if (killAt === 'before-send') process.kill(process.pid, 'SIGKILL');
  },
});
if (killAt === 'resume' || killAt === 'resume-throttled') await responder.tick();
else await responder.caseChanged([caseId]);
persist(iam.writes);
await store.close();
