// Policy variables resolved against a request, case by case: IAM's rules for defaults, absent and multi-valued keys,
// the `${*}` escapes, and the 2008-10-17 version where `${...}` is plain text.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasVariables, resolveVariables, type Resolved } from './variables.ts';
import type { ContextKeys } from './types.ts';

// The analyzer keeps context keys lower-cased: condition keys are case-insensitive.
const KEYS: ContextKeys = new Map<string, readonly string[] | null>([
  ['aws:username', ['alice']],
  ['aws:principaltag/team', null],
  ['aws:principaltag/empty', []],
  ['aws:principaltag/blank', ['']],
  ['aws:sourceip', ['192.0.2.1', '198.51.100.7']],
]);

describe('policy variables', () => {
  const cases: { text: string; substitute?: boolean; resolved: Resolved }[] = [
    {
      text: 'arn:aws:iam::*:user/${aws:username}',
      resolved: { kind: 'value', text: 'arn:aws:iam::*:user/alice' },
    },
    { text: '${AWS:UserName}', resolved: { kind: 'value', text: 'alice' } },
    { text: '${ aws:username }-${aws:username}', resolved: { kind: 'value', text: 'alice-alice' } },
    { text: 'plain text', resolved: { kind: 'value', text: 'plain text' } },
    { text: '${aws:username}', substitute: false, resolved: { kind: 'value', text: '${aws:username}' } },
    { text: 'a${*}b${?}c${$}', resolved: { kind: 'value', text: 'a*b?c$' } },
    { text: '${ * }', resolved: { kind: 'value', text: '*' } },
    { text: '${aws:PrincipalTag/team}', resolved: { kind: 'absent', variable: 'aws:PrincipalTag/team' } },
    { text: '${aws:PrincipalTag/empty}', resolved: { kind: 'absent', variable: 'aws:PrincipalTag/empty' } },
    { text: "${aws:PrincipalTag/team, 'ops'}", resolved: { kind: 'value', text: 'ops' } },
    { text: "${aws:PrincipalTag/empty ,  'none' }", resolved: { kind: 'value', text: 'none' } },
    { text: "${aws:PrincipalTag/team, ''}", resolved: { kind: 'value', text: '' } },
    {
      text: '${aws:PrincipalTag/team, ops}',
      resolved: { kind: 'absent', variable: 'aws:PrincipalTag/team' },
    },
    { text: "${aws:username, 'nobody'}", resolved: { kind: 'value', text: 'alice' } },
    // The default is one quoted text, whole: anything before or after the quotes makes it no default.
    {
      text: "${aws:PrincipalTag/team, x'ops'}",
      resolved: { kind: 'absent', variable: 'aws:PrincipalTag/team' },
    },
    {
      text: "${aws:PrincipalTag/team, 'ops'x}",
      resolved: { kind: 'absent', variable: 'aws:PrincipalTag/team' },
    },
    // A comma first: the key's name is empty (an unknown key), not the default.
    { text: "${, 'x'}", resolved: { kind: 'unknown', variable: '' } },
    { text: 'x${aws:PrincipalTag/blank}y', resolved: { kind: 'value', text: 'xy' } },
    { text: '${aws:SourceIp}', resolved: { kind: 'unknown', variable: 'aws:SourceIp' } },
    { text: '${s3:prefix}', resolved: { kind: 'unknown', variable: 's3:prefix' } },
    {
      text: '${s3:prefix}/${aws:PrincipalTag/team}',
      resolved: { kind: 'unknown', variable: 's3:prefix' },
    },
    {
      text: '${aws:PrincipalTag/team}/${s3:prefix}',
      resolved: { kind: 'absent', variable: 'aws:PrincipalTag/team' },
    },
  ];
  for (const c of cases) {
    it(`${c.text}${c.substitute === false ? ' (2008-10-17)' : ''} → ${JSON.stringify(c.resolved)}`, () =>
      assert.deepEqual(resolveVariables(c.text, KEYS, c.substitute ?? true), c.resolved));
  }

  const texts: [string, boolean][] = [
    ['${aws:username}', true],
    ['home/${aws:username}/*', true],
    ['${}', true],
    ['$aws:username', false],
    ['${aws:username', false],
    ['{aws:username}', false],
  ];
  for (const [text, has] of texts) {
    it(`${text} ${has ? 'holds' : 'holds no'} variable`, () => assert.equal(hasVariables(text), has));
  }
});
