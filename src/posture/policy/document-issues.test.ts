// What `mfaguard policy check` tells about a malformed policy, word for word: each issue's level, code, path, message
// and hint, and which statements are still read. A user fixes a policy from these lines, so each is pinned.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseConditionOperator,
  parseDateValue,
  parsePolicyDocument,
  statementVariableText,
} from './document.ts';
import type { InputIssue } from '../../model/index.ts';

const V = '2012-10-17';
const at = 'f.json';
const error = (code: string, path: string | undefined, message: string, hint?: string): InputIssue => ({
  level: 'error',
  code,
  location: at,
  ...(path === undefined ? {} : { path }),
  message,
  ...(hint === undefined ? {} : { hint }),
});
const warning = (code: string, path: string, message: string, hint?: string): InputIssue => ({
  ...error(code, path, message, hint),
  level: 'warning',
});
const parse = (document: unknown) => parsePolicyDocument(document, at);

void describe('a document that is not a policy', () => {
  void it('text that is neither JSON nor URL-encoded JSON says which, and how it starts', () => {
    const [plain] = parse('{"Version": ').issues;
    assert.equal(plain?.code, 'not-json');
    assert.equal(plain.level, 'error'); // nothing of the policy could be read
    assert.match(plain.message, /^policy document is not JSON \(.+\); starts with "\{\\"Version\\": "$/);
    const [encoded] = parse('%7B%22broken').issues;
    assert.match(
      encoded?.message ?? '',
      /^policy document is neither JSON nor URL-encoded JSON \(.+\); starts with "%7B%22broken"$/,
    );
    assert.deepEqual(parse('%7B%22broken'), { items: [], issues: [encoded], version: null });
    // Only the first 40 characters are quoted, then shortened to 60 with the quotes.
    const long = `#${'a'.repeat(100)}`;
    assert.equal(
      parse(long).issues[0]?.message,
      `policy document is not JSON (${errorOf(long)}); starts with "#${'a'.repeat(39)}"`,
    );
  });

  void it('a value that is not an object is shown, shortened past 60 characters', () => {
    assert.deepEqual(parse(null), {
      items: [],
      issues: [
        error('not-object', undefined, 'a policy document must be a JSON object with a Statement; got null'),
      ],
      version: null,
    });
    const got = (value: unknown) => parse(value).issues[0]?.message.replace(/^.*; got /, '');
    assert.equal(got(JSON.stringify('x'.repeat(80))), `"${'x'.repeat(56)}...`);
    assert.equal(got(JSON.stringify('x'.repeat(58))), `"${'x'.repeat(58)}"`); // 60 characters: kept whole
    assert.equal(got(JSON.stringify('x'.repeat(59))), `"${'x'.repeat(56)}...`);
    assert.equal(got([1, 2]), '[1,2]');
    assert.equal(got(undefined), 'undefined');
    assert.equal(got(10n), '10'); // JSON cannot write a BigInt: shown as text, not thrown
  });

  void it('unknown fields, a missing or wrong Version and a missing Statement', () => {
    assert.deepEqual(parse({ Statment: [], Statement: [] }), {
      items: [],
      issues: [
        warning('unknown-field', 'Statment', 'unknown policy field "Statment"'),
        warning(
          'version-missing',
          'Version',
          'no Version: IAM then reads the policy as 2008-10-17, where policy variables such as ${aws:username} are plain text',
          'add "Version": "2012-10-17"',
        ),
      ],
      version: null,
    });
    assert.deepEqual(parse({ Version: 2012, Statement: [] }).issues, [
      error('bad-version', 'Version', 'Version must be "2012-10-17" (or the old "2008-10-17"); got 2012'),
    ]);
    assert.deepEqual(parse({ Version: V, Id: 'x' }), {
      items: [],
      issues: [error('statement-missing', 'Statement', 'the policy has no Statement')],
      version: V,
    });
    assert.deepEqual(parse({ Version: '2008-10-17', Statement: [] }), {
      items: [],
      issues: [],
      version: '2008-10-17',
    });
  });
});

void describe('statements', () => {
  void it('each problem is located by its statement index, and a broken statement is left out', () => {
    const parsed = parse({
      Version: V,
      Statement: [
        'x',
        { Sid: 7, Effect: 'deny', action: '*', Resource: '*', Foo: 1 },
        { Effect: 'Allow', NotAction: 'iam:*', NotResource: ['arn:aws:s3:::b', ''] },
        { Sid: 'Ok', Effect: 'Allow', NotAction: 'iam:*', NotResource: 'arn:aws:s3:::b' },
      ],
    });
    assert.deepEqual(parsed.issues, [
      error('bad-statement', 'Statement[0]', 'a statement must be an object; got "x"'),
      error(
        'unknown-field',
        'Statement[1].action',
        'unknown statement field "action"',
        "IAM spells it 'Action'",
      ),
      error('unknown-field', 'Statement[1].Foo', 'unknown statement field "Foo"'),
      warning('bad-sid', 'Statement[1].Sid', 'Sid must be a string; got 7'),
      error('bad-effect', 'Statement[1].Effect', 'Effect must be "Allow" or "Deny"; got "deny"'),
      error('action-missing', 'Statement[1]', 'a statement needs Action or NotAction'),
      error('bad-value', 'Statement[2].NotResource[1]', 'NotResource must hold non-empty strings; got ""'),
    ]);
    assert.deepEqual(parsed.items, [
      {
        index: 3,
        sid: 'Ok',
        effect: 'Allow',
        notActions: ['iam:*'],
        notResources: ['arn:aws:s3:::b'],
        conditions: [],
        conditionInvalid: false,
        hasPrincipal: false,
      },
    ]);
  });

  void it('Action and Resource: both or neither of a pair, empty lists, bad names, a trust policy', () => {
    const parsed = parse({
      Version: V,
      Statement: [
        { Effect: 'Deny', Action: '*', NotAction: '*', Resource: '*', NotResource: '*' },
        { Effect: 'Allow', Resource: [] },
        { Effect: 'Allow', Action: '*' },
        { NotPrincipal: { AWS: '1' }, Effect: 'Deny', Action: '*' },
        { Effect: 'Deny', Action: ['s3:Get*', 'CreateUser', 's3:Put Object'], Resource: 7 },
        { Effect: 'Deny', NotAction: ['iam:*', 'iam'], Resource: '*' },
      ],
    });
    const badAction = (name: string, path: string) =>
      error(
        'bad-action',
        path,
        `action "${name}" is not 'service:ActionName' (wildcards * and ? allowed) or '*'`,
        'write e.g. "iam:CreateAccessKey" or "s3:Get*"',
      );
    assert.deepEqual(parsed.issues, [
      error(
        'action-and-notaction',
        'Statement[0]',
        'a statement has both Action and NotAction; IAM accepts exactly one',
      ),
      error(
        'resource-and-notresource',
        'Statement[0]',
        'a statement has both Resource and NotResource; IAM accepts exactly one',
      ),
      error('action-missing', 'Statement[1]', 'a statement needs Action or NotAction'),
      error('empty-list', 'Statement[1].Resource', 'Resource is an empty list'),
      error(
        'resource-missing',
        'Statement[2]',
        'an identity policy statement needs Resource or NotResource',
        'add "Resource": "*" or the ARNs the statement is about',
      ),
      badAction('CreateUser', 'Statement[4].Action'),
      badAction('s3:Put Object', 'Statement[4].Action'),
      // A single value that is not a string is located at the field itself, not at an index.
      error('bad-value', 'Statement[4].Resource', 'Resource must hold non-empty strings; got 7'),
      badAction('iam', 'Statement[5].NotAction'),
    ]);
    // A trust policy's statement (Principal or NotPrincipal) implies its resource.
    assert.deepEqual(parsed.items, [
      {
        index: 3,
        effect: 'Deny',
        actions: ['*'],
        resources: ['*'],
        conditions: [],
        conditionInvalid: false,
        hasPrincipal: true,
      },
    ]);
  });

  void it('an Action or NotAction list that cannot be read, or a bad Effect alone, leaves the statement out', () => {
    const parsed = parse({
      Version: V,
      Statement: [
        { Effect: 'Deny', Action: [], Resource: '*' },
        { Effect: 'Deny', NotAction: [], Resource: '*' },
        { Effect: 'Deny', NotAction: ['iam:*', 7], Resource: '*' },
        // Everything else is fine: the Effect alone is enough to leave it out.
        { Effect: 'Maybe', Action: '*', Resource: '*' },
      ],
    });
    assert.deepEqual(parsed.issues, [
      error('empty-list', 'Statement[0].Action', 'Action is an empty list'),
      error('empty-list', 'Statement[1].NotAction', 'NotAction is an empty list'),
      error('bad-value', 'Statement[2].NotAction[1]', 'NotAction must hold non-empty strings; got 7'),
      error('bad-effect', 'Statement[3].Effect', 'Effect must be "Allow" or "Deny"; got "Maybe"'),
    ]);
    assert.deepEqual(parsed.items, []);
  });

  void it('an Effect that is missing says "nothing"', () => {
    assert.deepEqual(parse({ Version: V, Statement: { Action: '*', Resource: '*' } }).issues, [
      error('bad-effect', 'Statement.Effect', 'Effect must be "Allow" or "Deny"; got nothing'),
    ]);
  });
});

void describe('conditions', () => {
  void it('each operator and value is checked, and a statement with a bad one is kept but undecidable', () => {
    const parsed = parse({
      Version: V,
      Statement: {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          boolifexists: { 'aws:MultiFactorAuthPresent': 'False' },
          'foranyvalue:StringEquals': { 'aws:TagKeys': ['a', 'b'] },
          'ForAllValues:StringLike': { 'aws:TagKeys': 'x*' },
          Null: { 'aws:TokenIssueTime': 'yes' },
          NumericLessThan: { 'aws:MultiFactorAuthAge': ' ' },
          DateGreaterThan: { 'aws:CurrentTime': '2026-13-45' },
          StringEquals: { 'aws:username': [] },
          ArnLike: 'arn:*',
          NoSuch: {},
          DateLessThan: { 'aws:EpochTime': 1800000000 },
          Bool: { 'aws:SecureTransport': true },
        },
      },
    });
    const path = (rest: string) => `Statement.Condition.${rest}`;
    assert.deepEqual(parsed.issues, [
      warning(
        'condition-operator-case',
        path('boolifexists'),
        'condition operator "boolifexists" is not spelled as IAM spells it (\'BoolIfExists\')',
      ),
      error(
        'bad-condition-value',
        path('Null.aws:TokenIssueTime'),
        'Null aws:TokenIssueTime: expected "true" or "false" (or a list of them); got "yes"',
      ),
      error(
        'bad-condition-value',
        path('NumericLessThan.aws:MultiFactorAuthAge'),
        'NumericLessThan aws:MultiFactorAuthAge: expected a number (or a list of numbers); got " "',
      ),
      error(
        'bad-condition-value',
        path('DateGreaterThan.aws:CurrentTime'),
        'DateGreaterThan aws:CurrentTime: expected an ISO 8601 date or epoch seconds; got "2026-13-45"',
      ),
      error(
        'bad-condition-value',
        path('StringEquals.aws:username'),
        'StringEquals aws:username: expected a string (or a list of strings); got []',
      ),
      error('bad-condition', path('ArnLike'), 'ArnLike must map condition keys to values; got "arn:*"'),
      error(
        'unknown-condition-operator',
        path('NoSuch'),
        'unknown condition operator "NoSuch"',
        'IAM operators are e.g. Bool, BoolIfExists, Null, StringEquals, StringLike, NumericLessThan, ArnNotLike, with optional ForAllValues:/ForAnyValue: prefixes',
      ),
    ]);
    const [statement] = parsed.items;
    assert.equal(statement?.conditionInvalid, true);
    // The readable clauses are kept, JSON booleans and numbers as IAM reads them: text.
    assert.deepEqual(
      statement.conditions.map((c) => [
        c.operator.name,
        c.operator.set,
        c.operator.base,
        c.operator.ifExists,
        c.key,
        c.keyLower,
        c.values,
      ]),
      [
        [
          'boolifexists',
          null,
          'Bool',
          true,
          'aws:MultiFactorAuthPresent',
          'aws:multifactorauthpresent',
          ['False'],
        ],
        [
          'foranyvalue:StringEquals',
          'ForAnyValue',
          'StringEquals',
          false,
          'aws:TagKeys',
          'aws:tagkeys',
          ['a', 'b'],
        ],
        [
          'ForAllValues:StringLike',
          'ForAllValues',
          'StringLike',
          false,
          'aws:TagKeys',
          'aws:tagkeys',
          ['x*'],
        ],
        ['DateLessThan', null, 'DateLessThan', false, 'aws:EpochTime', 'aws:epochtime', ['1800000000']],
        ['Bool', null, 'Bool', false, 'aws:SecureTransport', 'aws:securetransport', ['true']],
      ],
    );
  });

  void it('a Condition that is not an object; a valid one leaves the statement decidable', () => {
    const statement = (condition: unknown) =>
      parse({ Version: V, Statement: { Effect: 'Deny', Action: '*', Resource: '*', Condition: condition } });
    const list = statement(['x']);
    assert.deepEqual(list.issues, [
      error(
        'bad-condition',
        'Statement.Condition',
        'Condition must be an object of operator -> {key: value}; got ["x"]',
      ),
    ]);
    assert.equal(list.items[0]?.conditionInvalid, true);
    const fine = statement({
      'ForAnyValue:StringLike': { 'aws:TagKeys': 'a*' },
      NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
    });
    assert.deepEqual(fine.issues, []);
    assert.equal(fine.items[0]?.conditionInvalid, false);
  });

  void it('date values: epoch seconds up to 12 digits, or an ISO 8601 date', () => {
    assert.equal(parseDateValue('1800000000'), 1_800_000_000_000);
    assert.equal(parseDateValue('999999999999'), 999_999_999_999_000);
    assert.equal(parseDateValue('1000000000000'), null);
    assert.equal(parseDateValue(' 2026-11-23T12:00:00Z '), Date.parse('2026-11-23T12:00:00Z'));
    assert.equal(parseDateValue('2026-11-23'), Date.parse('2026-11-23'));
    assert.equal(parseDateValue('2026-13-45'), null);
    assert.equal(parseDateValue('Nov 23 2026'), null); // Date.parse reads it; IAM does not
    assert.equal(parseDateValue('x2026-11-23'), null);
  });
});

void describe('names as IAM spells them, and text as IAM returns it', () => {
  void it('every condition operator of the IAM reference is known, with IfExists too (but Null)', () => {
    // Written out from the IAM User Guide's "condition operators" page, not taken from document.ts.
    const iam = [
      ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'],
      ['StringLike', 'StringNotLike'],
      ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals'],
      ['NumericGreaterThan', 'NumericGreaterThanEquals'],
      ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan'],
      ['DateGreaterThanEquals', 'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress'],
      ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'],
    ].flat();
    for (const name of iam) {
      assert.deepEqual(parseConditionOperator(name), { name, set: null, base: name, ifExists: false }, name);
      assert.equal(parseConditionOperator(`ForAnyValue:${name}IfExists`)?.base, name, name);
    }
    assert.deepEqual(parseConditionOperator('Null'), {
      name: 'Null',
      set: null,
      base: 'Null',
      ifExists: false,
    });
    // Null tests whether a key exists: IAM takes it with neither IfExists nor a set prefix.
    assert.equal(parseConditionOperator('ForAnyValue:Null'), null);
    assert.equal(parseConditionOperator('ForAllValues:Null'), null);
  });

  void it("an action name is 'service:Action' from its first character to its last", () => {
    assert.deepEqual(
      parse({
        Version: V,
        Statement: { Effect: 'Deny', Action: ['bad service:Get', '*iam:Get'], Resource: '*' },
      }).issues.map((i) => [i.code, i.message]),
      [
        [
          'bad-action',
          `action "bad service:Get" is not 'service:ActionName' (wildcards * and ? allowed) or '*'`,
        ],
        ['bad-action', `action "*iam:Get" is not 'service:ActionName' (wildcards * and ? allowed) or '*'`],
      ],
    );
  });

  void it('document text with a byte-order mark or a no-break space around it reads; a lone % is no URL encoding', () => {
    const policy = { Version: V, Statement: { Effect: 'Deny', Action: 'iam:*', Resource: '*' } };
    const plain = parse(policy);
    assert.deepEqual(parse(`\ufeff${JSON.stringify(policy)}`), plain);
    assert.deepEqual(parse(`\u00a0${encodeURIComponent(JSON.stringify(policy))}\u00a0`), plain);
    // `%7` is not a %XX escape: the text is simply not JSON, and is not decoded.
    assert.match(parse('%7x').issues[0]?.message ?? '', /^policy document is not JSON \(/);
  });
});

void describe('policy variables in a 2008-10-17 policy', () => {
  void it('each statement holding one is named, with the text that names nothing', () => {
    const parsed = parsePolicyDocument(
      {
        Version: '2008-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b' },
          {
            Effect: 'Deny',
            Action: 's3:*',
            Resource: '*',
            Condition: { StringEquals: { 's3:prefix': 'home/${aws:username}' } },
          },
          { Effect: 'Deny', Action: 'iam:*', NotResource: 'arn:aws:iam::*:user/${aws:username}' },
        ],
      },
      at,
    );
    const hint = 'use "Version": "2012-10-17"';
    assert.deepEqual(parsed.issues, [
      warning(
        'variables-in-2008-policy',
        'Statement[1]',
        'Version "2008-10-17" does not substitute policy variables: "home/${aws:username}" is compared as plain text and names nothing',
        hint,
      ),
      warning(
        'variables-in-2008-policy',
        'Statement[2]',
        'Version "2008-10-17" does not substitute policy variables: "arn:aws:iam::*:user/${aws:username}" is compared as plain text and names nothing',
        hint,
      ),
    ]);
    const single = parse({
      Version: '2008-10-17',
      Statement: { Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::${aws:username}' },
    });
    assert.deepEqual(
      single.issues.map((i) => i.path),
      ['Statement'],
    );
    // The same statements under 2012-10-17 are fine.
    assert.deepEqual(
      parse({
        Version: V,
        Statement: { Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::${aws:username}' },
      }).issues,
      [],
    );
    assert.deepEqual(parsed.items.map(statementVariableText), [
      null,
      'home/${aws:username}',
      'arn:aws:iam::*:user/${aws:username}',
    ]);
    // `${` without its closing brace is no variable.
    const open = parse({
      Version: V,
      Statement: { Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::${aws' },
    });
    assert.equal(statementVariableText(open.items[0]!), null);
  });
});

function errorOf(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

void describe('one bad value among good ones', () => {
  void it('makes the clause bad, and a clause or block that is bad alone makes the statement undecidable', () => {
    const read = (condition: unknown) =>
      parse({ Version: V, Statement: { Effect: 'Deny', Action: '*', Resource: '*', Condition: condition } });
    // Each operator family says what it expected: Bool's own line (not only Null's) is pinned here.
    for (const [operator, values, expected] of [
      ['Bool', ['true', 'maybe'], 'expected "true" or "false" (or a list of them)'],
      ['NumericLessThan', ['1', 'x'], 'expected a number (or a list of numbers)'],
      ['DateLessThan', ['2026-01-01', 'x'], 'expected an ISO 8601 date or epoch seconds'],
    ] as const) {
      const parsed = read({ [operator]: { 'aws:SomeKey': values } });
      assert.deepEqual(
        parsed.issues.map((i) => [i.code, i.message]),
        [['bad-condition-value', `${operator} aws:SomeKey: ${expected}; got ${JSON.stringify(values)}`]],
        operator,
      );
      assert.equal(parsed.items[0]?.conditionInvalid, true, operator);
    }
    assert.equal(read({ ArnLike: 'arn:*' }).items[0]?.conditionInvalid, true);
  });
});

void describe('what IAM would not read, though JavaScript does', () => {
  const read = (condition: unknown) =>
    parse({ Version: V, Statement: { Effect: 'Deny', Action: '*', Resource: '*', Condition: condition } });

  void it('a date with text before it, a five-digit year or a one-digit day is no ISO 8601 date', () => {
    // Date.parse reads each of them (as 23 Nov 2026, the year 12026, 2 Nov 2026); IAM's date format does not.
    for (const value of ['Mon 2026-11-23', '12026-11-23', '2026-11-2']) {
      assert.ok(!Number.isNaN(Date.parse(value)), value);
      assert.deepEqual(
        read({ DateLessThan: { 'aws:CurrentTime': value } }).issues.map((i) => [i.code, i.message]),
        [
          [
            'bad-condition-value',
            `DateLessThan aws:CurrentTime: expected an ISO 8601 date or epoch seconds; got ${JSON.stringify(value)}`,
          ],
        ],
        value,
      );
    }
  });

  void it('an operator without IfExists in the wrong case is named as IAM spells it, set prefix aside', () => {
    assert.deepEqual(read({ 'ForAnyValue:stringequals': { 'aws:TagKeys': 'a' } }).issues, [
      warning(
        'condition-operator-case',
        'Statement.Condition.ForAnyValue:stringequals',
        'condition operator "ForAnyValue:stringequals" is not spelled as IAM spells it (\'StringEquals\')',
      ),
    ]);
  });
});
