// cases/ owns the case lifecycle: no production file outside cases/ and store/ changes a case through the store.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../', import.meta.url));
const CHANGES = /\.(transitionCase|updateCase|reopenCase|openOrAttachCase)\s*\(/g;

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test-support' ? [] : productionFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

type SourceFile = { path: string; text: string };

/** `file:line: text` for every match of `pattern` in the files `checked` picks; `group` names what is reported. */
function places(
  files: readonly SourceFile[],
  pattern: RegExp,
  checked: (path: string) => boolean,
  group: number,
) {
  const found: string[] = [];
  for (const { path, text } of files) {
    if (!checked(path)) continue;
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split('\n').length;
      found.push(`${path}:${line}: ${match[group]}`);
    }
  }
  return found;
}

function sourceTree(): SourceFile[] {
  return productionFiles(SRC).map((path) => ({
    path: relative(SRC, path).split('\\').join('/'),
    text: readFileSync(path, 'utf8'),
  }));
}

/** `file:line: call` for every case change made outside the owners. */
export function offenders(files: readonly SourceFile[]): string[] {
  return places(files, CHANGES, (path) => !path.startsWith('cases/') && !path.startsWith('store/'), 1);
}

describe('case lifecycle ownership', () => {
  it('only cases/ and store/ change a case (others call cases/index.ts)', () => {
    const files = sourceTree();
    assert.ok(files.length > 100, `expected the whole src/ tree, read ${files.length} files`);
    assert.deepEqual(offenders(files), []);
  });

  it('the check bites: a direct call in api/ or app/ is reported with its place', () => {
    const found = offenders([
      { path: 'api/resources.ts', text: 'a\nawait ctx.options.store.transitionCase(id, to, change);' },
      { path: 'app/live/x.ts', text: 'await tx.updateCase (id, patch, change);\nawait tx.reopenCase(id);' },
      { path: 'cases/lifecycle.ts', text: 'store.transitionCase(id)' },
      { path: 'store/sql/sql-ops.ts', text: 'this.updateCase(id)' },
    ]);
    assert.deepEqual(found, [
      'api/resources.ts:2: transitionCase',
      'app/live/x.ts:1: updateCase',
      'app/live/x.ts:2: reopenCase',
    ]);
  });
});

const NOTICES =
  /\b(caseOpened|caseEscalated|caseResolved|verificationRequest|verificationAnswered)Notification\b|['"](case-opened|case-escalated|case-resolved|verification-request|verification-answered)['"]/g;

/** `file:line: text` for every case notification built in app/ or api/ (cases/ decides what a change tells). */
export function noticeBuilders(files: readonly SourceFile[]): string[] {
  return places(files, NOTICES, (path) => path.startsWith('app/') || path.startsWith('api/'), 0);
}

describe('case notifications come from cases/', () => {
  it('no production file in app/ or api/ builds a case notification itself', () => {
    const files = sourceTree();
    assert.deepEqual(noticeBuilders(files), []);
  });

  it('the check bites: a builder call or a case notification kind in app/ is reported with its place', () => {
    const found = noticeBuilders([
      { path: 'app/live/x.ts', text: 'a\nawait enqueue(caseEscalatedNotification(kase, cause));' },
      { path: 'api/y.ts', text: "const n = { kind: 'case-resolved' };" },
      { path: 'cases/case-notifications.ts', text: "caseOpenedNotification('case-opened')" },
    ]);
    assert.deepEqual(found, ['app/live/x.ts:2: caseEscalatedNotification', "api/y.ts:1: 'case-resolved'"]);
  });
});
