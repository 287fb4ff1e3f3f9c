import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forSlackMrkdwn } from '../report/index.ts';
import { clip, fitEscaped, messageFacts, notificationPayload, safeLink, toSafeJson } from './message.ts';
import { sampleNotification } from './test-support/fixtures.ts';

describe('message building', () => {
  it('keeps only plain http(s) links', () => {
    assert.equal(safeLink('https://mfaguard.example.com/v/ok?t=1'), 'https://mfaguard.example.com/v/ok?t=1');
    for (const bad of [
      'javascript:alert(1)',
      'data:text/html,x',
      'https://user:pw@example.com/',
      'not a url',
      undefined,
      `https://x.example/${'a'.repeat(3000)}`,
    ]) {
      assert.equal(safeLink(bad), null, String(bad));
    }
  });

  it('shows confirm/deny links only when asked, and the strongest three reasons', () => {
    const n = sampleNotification({
      links: { case: 'https://x.example/c', confirm: 'https://x.example/y', deny: 'https://x.example/n' },
    });
    assert.deepEqual(
      messageFacts(n, { verificationLinks: false }).links.map((l) => l.role),
      ['case'],
    );
    const facts = messageFacts(n, { verificationLinks: true });
    assert.deepEqual(
      facts.links.map((l) => [l.role, l.label]),
      [
        ['case', 'Open the case'],
        ['confirm', 'Yes, this was me / planned'],
        ['deny', 'No, this was not me'],
      ],
    );
    assert.deepEqual(facts.reasons, [
      'source IP never seen for this actor',
      'removed by a session without MFA',
      'outside working hours',
    ]);
    assert.equal(facts.target, 'alice');
    assert.equal(facts.actor, 'mallory');
  });

  it('cuts without splitting a surrogate pair or an escape', () => {
    assert.equal(clip('abcdef', 4), 'abc…');
    assert.equal(clip('ab😀cd', 4), 'ab…');
    const cut = fitEscaped('&&&&&&&&&&', forSlackMrkdwn, 12);
    assert.equal(cut, '&amp;&amp;…');
  });

  it('writes JSON that parses to the same value with no raw <, >, &, controls or line separators', () => {
    const value = { a: '<script>&</script>\u001b\u2028\u202e' };
    const json = toSafeJson(value);
    assert.deepEqual(JSON.parse(json), value);
    assert.ok(!/[<>&\u001b\u2028\u202e]/.test(json));
  });

  it('leaves the owner links out of machine payloads unless configured', () => {
    const n = sampleNotification({
      links: { case: 'https://x.example/c', confirm: 'https://x.example/y', deny: 'https://x.example/n' },
    });
    assert.deepEqual(notificationPayload(n, false).notification.links, { case: 'https://x.example/c' });
    assert.deepEqual(notificationPayload(n, true).notification.links, n.links);
  });
});
