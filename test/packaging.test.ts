// What ships beside the code: the licence, the example configuration and the container image, checked as a user meets them.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseConfig } from '../src/app/config.ts';
import { runCli } from '../src/cli/main.ts';
import { captureContext } from '../src/cli/test-support/context.ts';

const root = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  license: string;
  engines: { node: string };
  files: string[];
};

/** The secrets the example's notifiers name, as a service would have them. */
const SERVICE_ENV = {
  MFAGUARD_WEBHOOK_SECRET: 'w'.repeat(40),
  MFAGUARD_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX',
  MFAGUARD_PAGERDUTY_KEY: 'p'.repeat(32),
  MFAGUARD_SMTP_PASSWORD: 'secret',
};

describe('licence', () => {
  it('LICENSE is the licence package.json declares', () => {
    assert.equal(pkg.license, 'Apache-2.0');
    const text = read('LICENSE');
    assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
    assert.match(text, /END OF TERMS AND CONDITIONS/);
    assert.match(text, /Copyright \d{4} The mfaguard authors/);
  });
});

describe('mfaguard.example.yml', () => {
  const text = read('mfaguard.example.yml');

  it('is valid, with every section a user can set, and says what each setting does', () => {
    const config = parseConfig(text, 'mfaguard.example.yml', { env: SERVICE_ENV });
    for (const section of ['triage', 'workingHours', 'identities', 'approvals', 'serve', 'notify']) {
      assert.match(text, new RegExp(`^${section}:`, 'm'), `the example lacks the ${section} section`);
    }
    assert.equal(config.triage.graceWindowMs, 3_600_000);
    assert.notEqual(config.triage.workingHours, null);
    assert.equal(config.triage.approvals.length, 1);
    assert.equal(config.serve?.publicUrl, 'https://mfaguard.example.com');
    assert.deepEqual(
      config.notify?.notifiers.map((n) => n.kind),
      ['webhook', 'slack', 'pagerduty', 'sns', 'email'],
    );
    assert.deepEqual(
      config.notify?.routes.map((r) => r.name),
      ['page', 'owners', 'channel', 'containment', 'containment-failed'],
    );
    assert.equal(config.respond?.assumeRole?.role, 'mfaguard-responder');
    assert.deepEqual(
      config.notify?.issues.filter((issue) => issue.level === 'error'),
      [],
    );
    // A commented example: every section says what it is for, right above it.
    const lines = text.split('\n');
    lines.forEach((line, index) => {
      if (!/^[a-zA-Z]+:/.test(line)) return;
      assert.match(lines[index - 1] ?? '', /^#/, `section ${line} has no comment above it`);
    });
  });

  it('for the service, names each secret variable that is missing', () => {
    const env: Record<string, string> = { ...SERVICE_ENV };
    delete env['MFAGUARD_PAGERDUTY_KEY'];
    assert.throws(
      () => parseConfig(text, 'mfaguard.example.yml', { env }),
      (error: { issues?: { message: string; line?: number }[] }) => {
        const issue = error.issues?.find((i) => i.message.includes('MFAGUARD_PAGERDUTY_KEY'));
        assert.ok(issue, 'the missing variable is named');
        return true;
      },
    );
  });

  it('works for scan without the service secrets in the environment', async () => {
    const { ctx, err } = captureContext({ env: {} });
    const code = await runCli(
      [
        'scan',
        '--config',
        'mfaguard.example.yml',
        '--format',
        'json',
        '--out',
        '/dev/null',
        'samples/demo/AWSLogs',
      ],
      ctx,
    );
    assert.doesNotMatch(err(), /config|environment variable/i);
    assert.ok(code === 0 || code === 1, `scan exited ${code}: ${err()}`);
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages = lines.reduce<string[][]>((all, line) => {
    if (line.startsWith('FROM ')) all.push([]);
    all.at(-1)?.push(line);
    return all;
  }, []);
  const runtime = stages.at(-1) ?? [];

  it('builds on the Node.js major the package supports', () => {
    const major = /(\d+)/.exec(pkg.engines.node)?.[1];
    for (const stage of stages) assert.match(stage[0] ?? '', new RegExp(`^FROM node:${major}[-.]`));
  });

  it('installs from the lock file and compiles the TypeScript', () => {
    assert.ok(lines.some((line) => /npm ci\b/.test(line)));
    assert.ok(lines.some((line) => /npm run build/.test(line)));
    assert.ok(lines.some((line) => /npm prune --omit=dev/.test(line)));
  });

  it('runs serve as a non-root user, reachable from outside the container, with a health check', () => {
    const user = runtime.find((line) => line.startsWith('USER '));
    assert.ok(user !== undefined && !/\broot\b|\b0\b/.test(user), 'the service runs as a non-root user');
    const cmd = runtime.find((line) => line.startsWith('CMD '));
    const entry = runtime.find((line) => line.startsWith('ENTRYPOINT '));
    const argv = [...JSON.parse(entry?.slice(11) ?? '[]'), ...JSON.parse(cmd?.slice(4) ?? '[]')] as string[];
    assert.deepEqual(argv.slice(0, 3), ['node', 'bin/mfaguard.js', 'serve']);
    assert.equal(argv[argv.indexOf('--host') + 1], '0.0.0.0');
    const port = argv[argv.indexOf('--port') + 1];
    assert.ok(runtime.includes(`EXPOSE ${port}`), `EXPOSE ${port}`);
    const health = runtime.find((line) => line.startsWith('HEALTHCHECK '));
    assert.ok(
      health?.includes(`127.0.0.1:${port}/healthz`),
      'the health check asks /healthz on the served port',
    );
  });

  it('keeps its data in a volume, and ships what serve reads at run time', () => {
    assert.ok(runtime.some((line) => /^ENV .*MFAGUARD_STORE=sqlite:\/data\//.test(line)));
    assert.ok(runtime.some((line) => line.startsWith('VOLUME') && line.includes('/data')));
    const copied = runtime.filter((line) => line.startsWith('COPY ')).join('\n');
    for (const path of ['dist', 'node_modules', 'bin', 'rules', 'web', 'package.json']) {
      assert.match(copied, new RegExp(`\\b${path}\\b`), `the image lacks ${path}`);
    }
    // No sources in the runtime image: bin/mfaguard.js runs the TypeScript sources when src/ exists.
    assert.doesNotMatch(copied, /\bsrc\b/);
    for (const line of runtime.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      for (const source of line.split(/\s+/).slice(1, -1)) {
        assert.ok(existsSync(new URL(source, root)), `COPY ${source}: no such file in the repository`);
      }
    }
  });

  it('.dockerignore keeps the host’s modules and build out of the context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', '.git']) assert.ok(ignored.includes(entry), entry);
  });
});
