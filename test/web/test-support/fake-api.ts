// A loopback stand-in for `mfaguard serve` in the browser test: web/ files plus canned /api answers in the real shapes.

import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';

export const GOOD_TOKEN = 'mfg_good-token';

/** Strings an attacker can put in CloudTrail (userName, userAgent, requestParameters) and so in alerts. */
export const HOSTILE = {
  img: '<img src=x onerror="window.__pwned=1">',
  script: '<script>window.__pwned=2</script>',
  jsLink: 'javascript:window.__pwned=3',
  anchor: '<a href="javascript:window.__pwned=4">click me</a>',
  svg: '"><svg onload=window.__pwned=5>',
  rtl: 'bob\u202Egnp.exe',
} as const;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);

function alert(id: string, overrides: Record<string, unknown>, actorOverrides: Record<string, unknown> = {}) {
  return {
    id,
    rule: {
      id: 'mfaguard-mfa-device-deactivated',
      name: 'MFA device deactivated',
      format: 'builtin',
      severity: 'high',
      riskScore: 73,
      mitre: [],
    },
    severity: 'high',
    riskScore: 73,
    title: `MFA removed from ${id}`,
    event: {
      id: `ev-${id}`,
      name: 'DeactivateMFADevice',
      source: 'iam.amazonaws.com',
      time: iso(T0),
      outcome: 'success',
      errorCode: null,
      account: '111122223333',
      region: 'us-east-1',
      location: 'webhook',
      index: 0,
    },
    actor: {
      arn: 'arn:aws:iam::111122223333:user/mallory',
      type: 'IAMUser',
      userName: 'mallory',
      accessKeyId: 'ASIAEXAMPLE',
      accessKeyKind: 'temporary',
      sourceIp: '203.0.113.7',
      userAgent: 'aws-cli/2.15.0',
      mfaAuthenticated: false,
      consoleSession: true,
      ...actorOverrides,
    },
    target: { userName: 'victim', serialNumber: 'arn:aws:iam::111122223333:mfa/victim' },
    classification: 'suspicious',
    reasons: [
      { code: 'no-mfa-session', message: 'the session that removed the device had no MFA', weight: 20 },
    ],
    related: [],
    ...overrides,
  };
}

function makeAlerts() {
  const a1 = alert(
    'a1',
    {
      severity: 'critical',
      riskScore: 95,
      classification: 'unauthorized',
      title: `MFA removed from ${HOSTILE.img} by ${HOSTILE.jsLink}`,
      target: { userName: HOSTILE.img, serialNumber: HOSTILE.svg },
      reasons: [
        { code: 'no-mfa-session', message: 'the session that removed the device had no MFA', weight: 20 },
        { code: 'new-device-after-removal', message: `new device enrolled by ${HOSTILE.anchor}`, weight: 35 },
        { code: 'rtl-name', message: `suspicious name ${HOSTILE.rtl}` },
      ],
      related: [
        {
          eventId: 'ev-enable',
          name: 'EnableMFADevice',
          time: iso(T0 + 120_000),
          actor: HOSTILE.svg,
          relation: 'new device after removal',
        },
        {
          eventId: 'ev-login',
          name: 'ConsoleLogin',
          time: iso(T0 - 300_000),
          actor: 'mallory',
          relation: 'sign-in',
        },
      ],
      vulnerabilityWindowSeconds: 420,
    },
    { userAgent: HOSTILE.script, userName: HOSTILE.anchor },
  );
  const a2 = alert('a2', { title: 'MFA removed again', classification: 'suspicious' });
  const extra = ['a3', 'a4', 'a5'].map((id, i) =>
    alert(id, { severity: i === 0 ? 'medium' : 'low', classification: 'rotation', title: `rotation ${id}` }),
  );
  return [a1, a2, ...extra].map((a, i) => ({
    alert: a,
    detectedAt: iso(T0 + 60_000 - i * 1000),
    updatedAt: iso(T0 + 60_000),
    caseId: i < 2 ? 'c1' : 'c3',
  }));
}

function makeCase(id: string, fields: Record<string, unknown>) {
  return {
    id,
    targetKey: `111122223333/${typeof fields['userName'] === 'string' ? fields['userName'] : id}`,
    account: '111122223333',
    userName: id,
    state: 'open',
    classification: null,
    severity: 'medium',
    riskScore: 40,
    assignee: null,
    openedAt: iso(T0 + 61_000),
    firstEventAt: iso(T0),
    detectedAt: iso(T0 + 60_000),
    resolvedAt: null,
    resolution: null,
    vulnerabilityWindowSeconds: null,
    updatedAt: iso(T0 + 61_000),
    ...fields,
  };
}

export interface FakeApi {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** When true every API call answers 401, as after the token was revoked. */
  revoked: boolean;
  close(): Promise<void>;
}

export async function startFakeApi(webRoot: string): Promise<FakeApi> {
  const alerts = makeAlerts();
  const cases = [
    makeCase('c1', {
      userName: HOSTILE.img,
      state: 'escalated',
      classification: 'unauthorized',
      severity: 'critical',
      riskScore: 95,
      assignee: HOSTILE.jsLink,
    }),
    makeCase('c2', { userName: 'alice', severity: 'high', classification: 'suspicious', riskScore: 70 }),
    makeCase('c3', {
      userName: HOSTILE.rtl,
      state: 'resolved',
      classification: 'rotation',
      severity: 'low',
      riskScore: 10,
      resolvedAt: iso(T0 + 3_600_000),
      resolution: 'rotation',
      vulnerabilityWindowSeconds: 300,
    }),
    makeCase('c4', { userName: 'carol', state: 'verifying', severity: 'medium', classification: null }),
  ];
  const comments: Record<string, { id: string; author: string; text: string; at: string }[]> = {
    c1: [{ id: 'k1', author: HOSTILE.svg, text: HOSTILE.script, at: iso(T0 + 100_000) }],
  };
  const approvals: Record<string, string | null>[] = [
    {
      id: 'p1',
      ticket: HOSTILE.anchor,
      user: 'alice',
      actor: null,
      account: null,
      from: iso(T0),
      to: iso(T0 + 7_200_000),
      approver: 'boss',
      createdBy: 'api:admin',
      createdAt: iso(T0),
      revokedAt: null,
      revokedBy: null,
    },
  ];
  const requests: RecordedRequest[] = [];

  const detail = (c: (typeof cases)[number]) => ({
    ...c,
    alertIds: alerts.filter((a) => a.caseId === c.id).map((a) => a.alert.id),
    comments: comments[c.id] ?? [],
    audit: [
      {
        id: 'u1',
        at: iso(T0 + 61_000),
        actor: 'system',
        action: 'opened',
        before: null,
        after: { state: 'open' },
      },
      {
        id: 'u2',
        at: iso(T0 + 90_000),
        actor: HOSTILE.img,
        action: 'transition',
        before: { state: 'open' },
        after: { state: c.state, note: HOSTILE.script },
      },
    ],
    verifications: [
      {
        id: 'v1',
        owner: 'victim@example.com',
        state: 'denied',
        createdAt: iso(T0 + 62_000),
        expiresAt: iso(T0 + 3_662_000),
        answeredAt: iso(T0 + 300_000),
        escalatedAt: null,
      },
    ],
  });

  const send = (res: ServerResponse, status: number, value: unknown, type = 'application/json') => {
    const body = Buffer.from(JSON.stringify(value));
    res.writeHead(status, {
      'content-type': type,
      'content-length': String(body.length),
      'cache-control': 'no-store',
    });
    res.end(body);
  };
  const problem = (res: ServerResponse, status: number, title: string, detail: string) =>
    send(
      res,
      status,
      { type: 'about:blank', title, status, detail, instance: '/' },
      'application/problem+json',
    );

  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };

  const fake: FakeApi = {
    url: '',
    requests,
    revoked: false,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const body = await readBody(req);
    const query = Object.fromEntries(url.searchParams);
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
    });
    if (fake.revoked || req.headers.authorization !== `Bearer ${GOOD_TOKEN}`) {
      res.setHeader('www-authenticate', 'Bearer realm="mfaguard"');
      return problem(res, 401, 'Unauthorized', 'the API token is unknown or revoked');
    }
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && path === '/api/kpis') {
      const month = (query['to'] ?? iso(Date.now())).slice(0, 7);
      return send(res, 200, {
        fromMs: Date.parse(query['from'] ?? ''),
        toMs: Date.parse(query['to'] ?? ''),
        from: query['from'],
        to: query['to'],
        mttd: { count: 12, avgMs: 252_000, p50Ms: 200_000, p90Ms: 540_000 },
        mttr: { count: 7, avgMs: 5_400_000, p50Ms: 3_600_000, p90Ms: 10_800_000 },
        autoResolved: 4,
        removalsByMonth: [
          {
            month: '2000-01',
            total: 99,
            byClassification: {
              rotation: 99,
              approved: 0,
              verified: 0,
              suspicious: 0,
              unauthorized: 0,
              unresolved: 0,
              unclassified: 0,
            },
          },
          {
            month,
            total: 9,
            byClassification: {
              rotation: 3,
              approved: 2,
              verified: 1,
              suspicious: 1,
              unauthorized: 2,
              unresolved: 0,
              unclassified: 0,
            },
          },
        ],
        openCasesBySeverity: { info: 0, low: 1, medium: 0, high: 2, critical: 1 },
        vulnerabilityWindow: { count: 5, medianSeconds: 420, p90Seconds: 3600 },
        verificationAnswerTime: { count: 2, avgMs: 240_000, p50Ms: 200_000, p90Ms: 280_000 },
      });
    }
    if (req.method === 'GET' && path === '/api/cases') {
      const items = cases.filter(
        (c) =>
          (query['state'] === undefined || c.state === query['state']) &&
          (query['severity'] === undefined || c.severity === query['severity']),
      );
      return send(res, 200, { items, nextCursor: null });
    }
    if ((m = /^\/api\/cases\/([^/]+)$/.exec(path)) && req.method === 'GET') {
      const c = cases.find((x) => x.id === decodeURIComponent(m![1]!));
      return c ? send(res, 200, detail(c)) : problem(res, 404, 'Not found', 'no such case');
    }
    if ((m = /^\/api\/cases\/([^/]+)\/actions$/.exec(path)) && req.method === 'GET') {
      return send(res, 200, { items: [] });
    }
    if ((m = /^\/api\/cases\/([^/]+)\/comments$/.exec(path)) && req.method === 'POST') {
      const id = decodeURIComponent(m[1]!);
      const text = (body as { text: string }).text;
      const comment = { id: `k${Date.now()}`, author: 'api:dashboard-test', text, at: iso(T0 + 500_000) };
      (comments[id] ??= []).push(comment);
      return send(res, 201, { ...comment, caseId: id });
    }
    if ((m = /^\/api\/cases\/([^/]+)\/transition$/.exec(path)) && req.method === 'POST') {
      const c = cases.find((x) => x.id === decodeURIComponent(m![1]!));
      if (!c) return problem(res, 404, 'Not found', 'no such case');
      c.state = (body as { to: string }).to;
      return send(res, 200, c);
    }
    if (req.method === 'GET' && path === '/api/alerts') {
      // Two per page whatever `limit` says, so that "load more" has pages to walk.
      let items = alerts;
      if (query['severity'] !== undefined)
        items = items.filter((a) => a.alert.severity === query['severity']);
      const start = query['cursor'] === undefined ? 0 : Number(query['cursor']);
      const page = items.slice(start, start + 2);
      return send(res, 200, { items: page, nextCursor: start + 2 < items.length ? String(start + 2) : null });
    }
    if ((m = /^\/api\/alerts\/([^/]+)$/.exec(path)) && req.method === 'GET') {
      const a = alerts.find((x) => x.alert.id === decodeURIComponent(m![1]!));
      return a ? send(res, 200, a) : problem(res, 404, 'Not found', 'no such alert');
    }
    if (req.method === 'GET' && path === '/api/approvals') return send(res, 200, { items: approvals });
    if (req.method === 'POST' && path === '/api/approvals') {
      const input = body as Record<string, string>;
      const created = {
        id: `p${approvals.length + 1}`,
        ticket: input['ticket'] ?? '',
        user: input['user'] ?? '',
        actor: input['actor'] ?? null,
        account: input['account'] ?? null,
        from: input['from'] ?? iso(T0),
        to: input['to'] ?? iso(T0 + 7_200_000),
        approver: input['approver'] ?? '',
        createdBy: 'api:dashboard-test',
        createdAt: iso(T0),
        revokedAt: null,
        revokedBy: null,
      };
      approvals.unshift(created);
      return send(res, 201, created);
    }
    return problem(res, 404, 'Not found', `nothing at ${req.method} ${path}`);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/')) {
      handleApi(req, res, url).catch((error: unknown) => problem(res, 500, 'Internal error', String(error)));
      return;
    }
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    const type = TYPES[extname(name)];
    if (!/^[a-z0-9-]+\.[a-z]+$/.test(name) || type === undefined) return problem(res, 404, 'Not found', name);
    readFile(join(webRoot, name)).then(
      (data) => {
        // What the real server sends for the dashboard (the brief's minimum); the page adds its own meta CSP.
        res.writeHead(200, { 'content-type': type, 'content-security-policy': "default-src 'self'" });
        res.end(data);
      },
      () => problem(res, 404, 'Not found', name),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (fake as { url: string }).url = `http://127.0.0.1:${port}`;
  return fake;
}
