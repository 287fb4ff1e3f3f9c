import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { base64OffsetVariants, simplifySearchPattern } from './detection.ts';
import { loadSigmaRule } from './loader.ts';
import { fires, loadOk, sigmaRule } from './test-support/helpers.ts';
import { assertProperty } from '../../../test-support/property.ts';

const login = {
  eventName: 'ConsoleLogin',
  eventSource: 'signin.amazonaws.com',
  sourceIPAddress: '203.0.113.7',
  eventTime: '2024-08-02T08:53:24Z',
  userAgent: 'Mozilla/5.0 TruffleHog',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/alice', userName: 'alice' },
  additionalEventData: { MFAUsed: 'No' },
  responseElements: { ConsoleLogin: 'Success' },
  requestParameters: null,
  readOnly: false,
  tags: ['a-b', 'c/d'],
  containers: [
    { command: ['sh', '-c', 'curl $AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] },
    { command: ['true'] },
  ],
  count: 12,
  'dotted.key': 'yes',
};

const unsupportedReason = (detection: string): string => {
  const r = loadSigmaRule('t.yml', sigmaRule(detection));
  assert.equal(r.status, 'unsupported', JSON.stringify(r));
  return r.status === 'unsupported' ? r.reason : '';
};
const errorIssue = (detection: string): { code: string; message: string; line?: number; column?: number } => {
  const r = loadSigmaRule('t.yml', sigmaRule(detection));
  assert.equal(r.status, 'error', JSON.stringify(r));
  if (r.status !== 'error') throw new Error('unreachable');
  return r.issues[0] as { code: string; message: string };
};

void describe('selections', () => {
  void it('ANDs the fields of a map and ORs the values of a list', () => {
    const d =
      'selection:\n    eventName: [ConsoleLogin, GetSigninToken]\n    userIdentity.type: IAMUser\ncondition: selection';
    assert.deepEqual(
      fires(d, login, { ...login, eventName: 'Other' }, { ...login, userIdentity: { type: 'Root' } }),
      [true, false, false],
    );
  });

  void it('ORs the maps of a list', () => {
    const d = 'selection:\n    - eventName: Nope\n    - userIdentity.userName: ALICE\ncondition: selection';
    assert.deepEqual(fires(d, login, { ...login, userIdentity: { userName: 'bob' } }), [true, false]);
  });

  void it('walks nested objects, arrays of objects, and dotted keys', () => {
    assert.deepEqual(fires('s:\n    containers.command|contains: $AWS_CONTAINER\ncondition: s', login), [
      true,
    ]);
    assert.deepEqual(fires('s:\n    containers.command: "true"\ncondition: s', login), [true]);
    assert.deepEqual(fires('s:\n    dotted.key: yes\ncondition: s', login), [true]);
    assert.deepEqual(fires('s:\n    userIdentity.nothing.deeper: x\ncondition: s', login), [false]);
  });

  void it('null means absent or null; empty string is not null', () => {
    const d = 's:\n    errorCode: null\ncondition: s';
    assert.deepEqual(
      fires(d, login, { ...login, errorCode: null }, { ...login, errorCode: 'AccessDenied' }),
      [true, true, false],
    );
    assert.deepEqual(fires('s:\n    requestParameters: null\ncondition: s', login), [true]);
    assert.deepEqual(fires("s:\n    errorCode: ''\ncondition: s", login, { ...login, errorCode: '' }), [
      false,
      true,
    ]);
    assert.deepEqual(
      fires(
        's:\n    errorCode: [null, Success]\ncondition: s',
        login,
        { ...login, errorCode: 'Success' },
        { ...login, errorCode: 'X' },
      ),
      [true, true, false],
    );
  });

  void it('compares numbers and booleans with their JSON text', () => {
    assert.deepEqual(
      fires('s:\n    count: 12\ncondition: s', login, { ...login, count: '12' }, { ...login, count: 13 }),
      [true, true, false],
    );
    assert.deepEqual(fires('s:\n    readOnly: false\ncondition: s', login, { ...login, readOnly: true }), [
      true,
      false,
    ]);
    assert.deepEqual(
      fires("s:\n    readOnly: 'FALSE'\ncondition: s", login),
      [true],
      'strings are case-insensitive',
    );
  });

  void it('matches an object with string modifiers on its JSON text', () => {
    assert.deepEqual(fires("s:\n    responseElements|contains: 'success'\ncondition: s", login), [true]);
    assert.deepEqual(fires("s:\n    responseElements|contains: 'Failure'\ncondition: s", login), [false]);
  });

  void it('searches keywords in every value of the record', () => {
    const d = 'keywords:\n    - trufflehog\n    - nothing-like-this\ncondition: keywords';
    assert.deepEqual(fires(d, login, { ...login, userAgent: 'aws-cli' }), [true, false]);
    const all = "keywords:\n    '|all':\n        - trufflehog\n        - alice\ncondition: keywords";
    assert.deepEqual(fires(all, login, { ...login, userIdentity: {} }), [true, false]);
    assert.deepEqual(
      fires('keywords:\n    - ConsoleLogin\ncondition: keywords', { other: { eventName: 'x' } }),
      [false],
      'keys are not searched',
    );
  });
});

void describe('modifiers', () => {
  void it('contains, startswith, endswith', () => {
    assert.deepEqual(fires('s:\n    userAgent|contains: TRUFFLE\ncondition: s', login), [true]);
    assert.deepEqual(fires('s:\n    userAgent|startswith: mozilla\ncondition: s', login), [true]);
    assert.deepEqual(fires('s:\n    userAgent|startswith: TruffleHog\ncondition: s', login), [false]);
    assert.deepEqual(fires('s:\n    userAgent|endswith: hog\ncondition: s', login), [true]);
    assert.deepEqual(fires('s:\n    userAgent|endswith: Mozilla\ncondition: s', login), [false]);
    assert.deepEqual(
      fires("s:\n    errorMessage|contains: '*'\ncondition: s", login, { ...login, errorMessage: '' }),
      [false, true],
      "contains '*' means present",
    );
  });

  void it('all turns a list into AND', () => {
    const d = 's:\n    userAgent|contains|all:\n        - mozilla\n        - truffle\ncondition: s';
    assert.deepEqual(fires(d, login, { ...login, userAgent: 'mozilla' }), [true, false]);
    const r = loadOk(sigmaRule('s:\n    userAgent|contains|all: x\ncondition: s'));
    assert.equal(
      r.result.warnings.some((w) => w.code === 'sigma-all-single'),
      true,
    );
  });

  void it('cased makes strings case-sensitive', () => {
    assert.deepEqual(fires('s:\n    additionalEventData.MFAUsed|cased: No\ncondition: s', login), [true]);
    assert.deepEqual(fires('s:\n    additionalEventData.MFAUsed|cased: NO\ncondition: s', login), [false]);
    assert.deepEqual(fires('s:\n    userAgent|contains|cased: truffle\ncondition: s', login), [false]);
  });

  void it('re is case-sensitive unless i; m and s work; bad regexes are errors', () => {
    assert.deepEqual(fires("s:\n    userIdentity.arn|re: ':user/ali.e$'\ncondition: s", login), [true]);
    assert.deepEqual(fires("s:\n    userIdentity.arn|re: ':USER/'\ncondition: s", login), [false]);
    assert.deepEqual(fires("s:\n    userIdentity.arn|re|i: ':USER/'\ncondition: s", login), [true]);
    assert.deepEqual(fires("s:\n    userIdentity.arn|re: '(?i):USER/'\ncondition: s", login), [true]);
    const ml = { ...login, userAgent: 'first\nsecond' };
    assert.deepEqual(fires("s:\n    userAgent|re: '^second'\ncondition: s", ml), [false]);
    assert.deepEqual(fires("s:\n    userAgent|re|m: '^second'\ncondition: s", ml), [true]);
    assert.deepEqual(fires("s:\n    userAgent|re: 'first.second'\ncondition: s", ml), [false]);
    assert.deepEqual(fires("s:\n    userAgent|re|s: 'first.second'\ncondition: s", ml), [true]);
    const bad = errorIssue("s:\n    userAgent|re: '(unclosed'\ncondition: s");
    assert.equal(bad.code, 'sigma-regex');
    assert.equal(bad.line, 9);
    assert.equal(errorIssue('s:\n    userAgent|i: x\ncondition: s').code, 'sigma-modifier');
    assert.equal(errorIssue('s:\n    userAgent|re|contains: x\ncondition: s').code, 'sigma-modifier');
  });

  void it('cidr for IPv4 and IPv6; a bad range is an error', () => {
    const d =
      "s:\n    sourceIPAddress|cidr:\n        - 203.0.113.0/24\n        - '2001:db8::/32'\ncondition: s";
    assert.deepEqual(
      fires(
        d,
        login,
        { ...login, sourceIPAddress: '203.0.114.1' },
        { ...login, sourceIPAddress: '2001:DB8:0:1::5' },
        { ...login, sourceIPAddress: 'signin.amazonaws.com' },
        { ...login, sourceIPAddress: '::ffff:203.0.113.9' },
      ),
      [true, false, true, false, true],
    );
    assert.deepEqual(fires('s:\n    sourceIPAddress|cidr: 0.0.0.0/0\ncondition: s', login), [true]);
    assert.equal(errorIssue('s:\n    sourceIPAddress|cidr: 10.0.0.0/33\ncondition: s').code, 'sigma-cidr');
    assert.equal(errorIssue('s:\n    sourceIPAddress|cidr: 10.0.0/8\ncondition: s').code, 'sigma-cidr');
  });

  void it('exists checks presence only', () => {
    assert.deepEqual(
      fires('s:\n    requestParameters|exists: true\ncondition: s', login, { eventName: 'x' }),
      [true, false],
    );
    assert.deepEqual(
      fires('s:\n    errorCode|exists: false\ncondition: s', login, { ...login, errorCode: null }),
      [true, false],
    );
    assert.equal(errorIssue('s:\n    errorCode|exists: maybe\ncondition: s').code, 'sigma-value');
    assert.equal(errorIssue('s:\n    errorCode|exists|contains: true\ncondition: s').code, 'sigma-modifier');
  });

  void it('gt, gte, lt, lte compare numbers, also in numeric strings', () => {
    assert.deepEqual(fires('s:\n    count|gt: 11\ncondition: s', login, { ...login, count: 11 }), [
      true,
      false,
    ]);
    assert.deepEqual(fires('s:\n    count|gte: 12\ncondition: s', login, { ...login, count: '12' }), [
      true,
      true,
    ]);
    assert.deepEqual(fires('s:\n    count|lt: 12\ncondition: s', login, { ...login, count: 3 }), [
      false,
      true,
    ]);
    assert.deepEqual(fires('s:\n    count|lte: 12\ncondition: s', login, { ...login, count: 'many' }), [
      true,
      false,
    ]);
    assert.equal(errorIssue('s:\n    count|gt: lots\ncondition: s').code, 'sigma-value');
  });

  void it('neq: present and different from every value', () => {
    const d = 's:\n    userIdentity.type|neq:\n        - Root\n        - AssumedRole\ncondition: s';
    assert.deepEqual(fires(d, login, { ...login, userIdentity: { type: 'root' } }, { eventName: 'x' }), [
      true,
      false,
      false,
    ]);
  });

  void it('time parts read the UTC date', () => {
    assert.deepEqual(fires('s:\n    eventTime|hour: 8\ncondition: s', login), [true]);
    assert.deepEqual(fires('s:\n    eventTime|hour|gte: 9\ncondition: s', login), [false]);
    assert.deepEqual(fires('s:\n    eventTime|month: 8\ncondition: s', login), [true]);
    assert.deepEqual(fires('s:\n    eventTime|week: 31\ncondition: s', login), [true]);
    assert.deepEqual(fires('s:\n    eventTime|year: 2024\ncondition: s', login), [true]);
  });

  void it('fieldref compares two fields of the same record', () => {
    const rec = { ...login, requestParameters: { userName: 'ALICE' } };
    assert.deepEqual(
      fires('s:\n    userIdentity.userName|fieldref: requestParameters.userName\ncondition: s', rec, login),
      [true, false],
    );
    assert.deepEqual(
      fires('s:\n    userIdentity.arn|fieldref|endswith: requestParameters.userName\ncondition: s', rec),
      [true],
    );
    assert.deepEqual(
      fires('s:\n    userIdentity.arn|fieldref: requestParameters.userName\ncondition: s', rec),
      [false],
    );
    assert.deepEqual(
      fires('s:\n    userIdentity.userName|fieldref|cased: requestParameters.userName\ncondition: s', rec),
      [false],
    );
  });

  void it('base64 and base64offset encode before matching', () => {
    const payload = Buffer.from('#!/bin/bash\ncurl http://evil').toString('base64');
    const rec = { ...login, requestParameters: { userData: payload } };
    assert.deepEqual(
      fires("s:\n    requestParameters.userData|base64offset|contains: '/bin/bash'\ncondition: s", rec),
      [true],
    );
    assert.deepEqual(
      fires("s:\n    requestParameters.userData|base64offset|contains: 'http://evil'\ncondition: s", rec),
      [true],
    );
    assert.deepEqual(
      fires("s:\n    requestParameters.userData|base64offset|contains: 'nothing here'\ncondition: s", rec),
      [false],
    );
    const exact = { ...login, requestParameters: { userData: Buffer.from('hello').toString('base64') } };
    assert.deepEqual(fires('s:\n    requestParameters.userData|base64|cased: hello\ncondition: s', exact), [
      true,
    ]);
    assert.equal(errorIssue("s:\n    x|base64: 'he*'\ncondition: s").code, 'sigma-value');
  });

  void it('base64offset finds the value at every byte offset', () => {
    const value = Buffer.from('/bin/bash');
    const variants = base64OffsetVariants(value);
    for (let pad = 0; pad < 6; pad++) {
      const encoded = Buffer.concat([Buffer.alloc(pad, 65), value, Buffer.from('xyz')]).toString('base64');
      assert.ok(
        variants.some((v) => encoded.includes(v)),
        `offset ${pad}`,
      );
    }
  });

  void it('windash tries every dash character', () => {
    const d = "s:\n    tags|windash|contains: 'a-b'\ncondition: s";
    assert.deepEqual(
      fires(
        d,
        login,
        { ...login, tags: ['a/b'] },
        { ...login, tags: ['a\u2014b'] },
        { ...login, tags: ['a_b'] },
      ),
      [true, true, true, false],
    );
  });

  void it('utf16 encodings apply under base64', () => {
    const rec = { ...login, requestParameters: { cmd: Buffer.from('whoami', 'utf16le').toString('base64') } };
    assert.deepEqual(fires('s:\n    requestParameters.cmd|wide|base64: whoami\ncondition: s', rec), [true]);
    assert.match(unsupportedReason('s:\n    requestParameters.cmd|utf16le: whoami\ncondition: s'), /base64/);
  });

  void it('expand placeholders are unsupported, with the reason', () => {
    assert.match(
      unsupportedReason("s:\n    sourceIPAddress|expand: '%Admins%'\ncondition: s"),
      /placeholder %Admins%/,
    );
  });

  void it('an unknown modifier is an error at the key, with the list of known ones', () => {
    const issue = errorIssue('s:\n    eventName|contians: x\ncondition: s') as {
      code: string;
      message: string;
      line: number;
      column: number;
      hint: string;
    };
    assert.equal(issue.code, 'sigma-modifier');
    assert.match(issue.message, /unknown modifier 'contians'/);
    assert.equal(issue.line, 9);
    assert.equal(issue.column, 9);
    assert.match(issue.hint, /contains/);
  });
});

describe('regular expression search patterns', () => {
  it('rewrites leading and trailing .* / .+ without changing what matches', () => {
    assert.equal(simplifySearchPattern('.+:assumed-role/aws:.+'), '.:assumed-role/aws:.');
    assert.equal(simplifySearchPattern('.*abc.*'), 'abc');
    assert.equal(simplifySearchPattern('abc\\.+'), 'abc\\.+');
    assert.equal(simplifySearchPattern('a.+?'), 'a.');
    assert.equal(simplifySearchPattern('^.+x$'), '^.+x$');
    const patterns = ['.+:a/b:.+', '.*ab.*', '.+a|b.*', '.*', '.+', 'x.+?', '.+?y', 'a\\.+', '.+\\\\.+'];
    assertProperty(
      fc.property(
        fc.constantFrom(...patterns),
        fc.string({ unit: fc.constantFrom('a', 'b', ':', '/', '.', '\\', 'x', 'y', '\n') }),
        (pattern, text) => {
          assert.equal(
            new RegExp(simplifySearchPattern(pattern)).test(text),
            new RegExp(pattern).test(text),
            `${pattern} on ${JSON.stringify(text)}`,
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
