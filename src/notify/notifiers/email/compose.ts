// The email: subject, plain text and HTML bodies; verification requests put the owner's two links up front.

import { createHash } from 'node:crypto';
import { forHtml, forTerminal } from '../../../report/index.ts';
import type { MessageFacts } from '../../message.ts';
import { fitEscaped } from '../../message.ts';

const SUBJECT_MAX = 200;
const LINE_MAX = 2000;
const SUMMARY_MAX = 8000;

export interface ComposedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** One line for the text body: controls and line breaks shown as escapes, so event text cannot forge lines. */
function line(raw: string, max = LINE_MAX): string {
  return fitEscaped(raw, forTerminal, max);
}

function html(raw: string, max = LINE_MAX): string {
  return fitEscaped(raw, forHtml, max);
}

/**
 * The subject is one line by construction (forTerminal shows CR and LF as `\r` `\n`), which rules out header
 * injection whatever the title holds; nodemailer then encodes non-ASCII as RFC 2047 words.
 */
export function emailSubject(prefix: string, facts: MessageFacts): string {
  return line(`${prefix} ${facts.severity.toUpperCase()} ${facts.heading}: ${facts.title}`, SUBJECT_MAX);
}

/** Same notification, same Message-ID: a retried send that did arrive the first time threads as a duplicate. */
export function emailMessageId(dedupeKey: string, fromAddress: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(fromAddress)?.[1] ?? 'mfaguard.invalid';
  return `<${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 40)}@${domain}>`;
}

function factRows(facts: MessageFacts): [string, string][] {
  const rows: [string, string | null][] = [
    ['Severity', facts.severity],
    ['Classification', facts.classification],
    // Read when sending, so it may be newer than the summary, which says when it was written.
    ['Case state', facts.caseState],
    ['Case', facts.caseId],
    ['Target user', facts.target],
    ['Actor', facts.actor],
    ['Source IP', facts.sourceIp],
    ['User agent', facts.userAgent],
    ['Event', facts.eventName],
    ['Event time', facts.eventTime],
    ['Account', facts.account],
    ['Region', facts.region],
    ['Rule', facts.rule],
    ['Summary written', facts.writtenAt],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== null && row[1] !== '');
}

export function composeEmail(prefix: string, facts: MessageFacts): ComposedEmail {
  const confirm = facts.links.find((link) => link.role === 'confirm');
  const deny = facts.links.find((link) => link.role === 'deny');
  const caseLink = facts.links.find((link) => link.role === 'case');
  const rows = factRows(facts);
  const verification = facts.kind === 'verification-request' && confirm !== undefined && deny !== undefined;

  const text: string[] = [line(facts.title), ''];
  if (verification) {
    text.push(
      'MFA was removed from an AWS identity you own. Please tell us whether this was you.',
      '',
      `${confirm.label}:`,
      `  ${confirm.url}`,
      '',
      `${deny.label}:`,
      `  ${deny.url}`,
      '',
      'Each link works once and expires. If this was not you, choose "No" and the security team is alerted at once.',
      '',
    );
  }
  text.push(line(facts.summary, SUMMARY_MAX), '');
  for (const [label, value] of rows) text.push(`${label}: ${line(value)}`);
  if (facts.reasons.length > 0) {
    text.push('', 'Top reasons:');
    for (const reason of facts.reasons) text.push(`  - ${line(reason)}`);
  }
  if (caseLink !== undefined) text.push('', `${caseLink.label}: ${caseLink.url}`);
  text.push('', '-- ', 'Sent by mfaguard.');

  const button = (url: string, label: string, colour: string): string =>
    `<a href="${forHtml(url)}" style="display:inline-block;padding:12px 20px;margin:6px 8px 6px 0;border-radius:4px;background:${colour};color:#ffffff;text-decoration:none;font-weight:bold">${forHtml(label)}</a>`;
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2328">',
    `<p style="font-size:12px;color:#59636e">${html(facts.heading)} &middot; ${html(facts.severity)}</p>`,
    `<h2 style="margin:0 0 12px 0">${html(facts.title)}</h2>`,
  ];
  if (verification) {
    parts.push(
      '<p>MFA was removed from an AWS identity you own. Please tell us whether this was you.</p>',
      `<p>${button(confirm.url, confirm.label, '#1a7f37')}${button(deny.url, deny.label, '#cf222e')}</p>`,
      '<p style="font-size:12px;color:#59636e">Each link works once and expires. If this was not you, choose &quot;No&quot; and the security team is alerted at once.</p>',
    );
  }
  parts.push(
    `<p>${html(facts.summary, SUMMARY_MAX)}</p>`,
    '<table cellpadding="4" style="border-collapse:collapse">',
  );
  for (const [label, value] of rows) {
    parts.push(
      `<tr><th align="left" style="padding-right:12px">${forHtml(label)}</th><td>${html(value)}</td></tr>`,
    );
  }
  parts.push('</table>');
  if (facts.reasons.length > 0) {
    parts.push(
      '<p><strong>Top reasons</strong></p><ul>',
      ...facts.reasons.map((reason) => `<li>${html(reason)}</li>`),
      '</ul>',
    );
  }
  if (caseLink !== undefined)
    parts.push(`<p><a href="${forHtml(caseLink.url)}">${forHtml(caseLink.label)}</a></p>`);
  parts.push('<p style="font-size:12px;color:#59636e">Sent by mfaguard.</p>', '</body></html>');

  return {
    subject: emailSubject(prefix, facts),
    text: `${text.join('\n')}\n`,
    html: `${parts.join('\n')}\n`,
  };
}
