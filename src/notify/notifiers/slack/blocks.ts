// The Slack message: Block Kit blocks and a text fallback, every untrusted string escaped for mrkdwn and cut to Slack's limits.

import { forSlackMrkdwn } from '../../../report/index.ts';
import type { MessageFacts } from '../../message.ts';
import { clip, fitEscaped } from '../../message.ts';

// Slack's published limits: header 150, section text 3000, field 2000 (10 fields), button text 75, URL 3000.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;
const BUTTON_TEXT_MAX = 75;
const URL_MAX = 3000;

const SEVERITY_MARK: Readonly<Record<string, string>> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};

export type SlackText =
  { type: 'mrkdwn'; text: string; verbatim: true } | { type: 'plain_text'; text: string; emoji: boolean };

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
  readonly unfurl_links: false;
  readonly unfurl_media: false;
}

/**
 * `verbatim: true` stops Slack from turning bare URLs, #channels and @names in the text into links or
 * mentions; the escaping disarms `<!channel>`, `<@U…>` and `<url|label>`. Together, text from an event
 * can neither ping, nor link, nor disguise a link.
 */
function mrkdwn(text: string): SlackText {
  return { type: 'mrkdwn', text, verbatim: true };
}

function esc(raw: string, max: number): string {
  return fitEscaped(raw, forSlackMrkdwn, max);
}

function field(label: string, raw: string | null, max = FIELD_MAX): SlackText | null {
  if (raw === null || raw === '') return null;
  const prefix = `*${label}*\n`;
  return mrkdwn(prefix + esc(raw, max - prefix.length));
}

export function buildSlackMessage(facts: MessageFacts): SlackMessage {
  const mark = SEVERITY_MARK[facts.severity] ?? '';
  // The header is plain text built only from mfaguard's own words (Slack does not escape plain_text entities).
  const header = clip(`${facts.heading} (${facts.severity})`, HEADER_MAX);
  const titleLine = `${mark} *${esc(facts.title, 1000)}*`;
  const summary = esc(facts.summary, SECTION_MAX - titleLine.length - 1);

  const fields = [
    field('Severity', facts.severity),
    // The case as read at send time: the classification may be newer than the summary above.
    field(
      'Classification',
      facts.caseState === null ? facts.classification : `${facts.classification} (case ${facts.caseState})`,
    ),
    field('Target', facts.target),
    field('Actor', facts.actor),
    field('Source IP', facts.sourceIp),
    field('Case', facts.caseId),
    field(
      'Event',
      facts.eventName === null
        ? null
        : `${facts.eventName}${facts.eventTime === null ? '' : ` at ${facts.eventTime}`}`,
    ),
    field(
      'Account',
      facts.account === null ? null : `${facts.account}${facts.region === null ? '' : ` (${facts.region})`}`,
    ),
    field('User agent', facts.userAgent, 500),
    field('Rule', facts.rule, 300),
  ].filter((f): f is SlackText => f !== null);

  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: header, emoji: true } },
    { type: 'section', text: mrkdwn(summary === '' ? titleLine : `${titleLine}\n${summary}`) },
    { type: 'section', fields: fields.slice(0, FIELDS_MAX) },
  ];
  if (facts.reasons.length > 0) {
    const perReason = Math.floor((SECTION_MAX - 20) / facts.reasons.length) - 4;
    const lines = facts.reasons.map((reason) => `• ${esc(reason, perReason)}`);
    blocks.push({ type: 'section', text: mrkdwn(`*Top reasons*\n${lines.join('\n')}`) });
  }
  const buttons = facts.links
    .filter((link) => link.url.length <= URL_MAX)
    .map((link) => ({
      type: 'button',
      text: { type: 'plain_text', text: clip(link.label, BUTTON_TEXT_MAX), emoji: false },
      url: link.url,
      action_id: `mfaguard-${link.role}`,
      ...(link.role === 'deny' ? { style: 'danger' } : link.role === 'confirm' ? { style: 'primary' } : {}),
    }));
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });

  // Shown in notifications and by clients without Block Kit; escaped like the rest.
  const text = `${facts.heading} [${facts.severity}]: ${esc(facts.title, 1000)}`;
  return { text, blocks, unfurl_links: false, unfurl_media: false };
}
