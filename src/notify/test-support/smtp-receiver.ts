// A real SMTP server (smtp-server) on 127.0.0.1 for the email notifier's tests: captures messages, answers from a script.

import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: string;
}

/** `ok` accepts; a code rejects the DATA with that SMTP reply. */
export type SmtpAnswer = 'ok' | { code: number; message: string };

export interface SmtpReceiver {
  readonly port: number;
  readonly mails: ReceivedMail[];
  readonly script: SmtpAnswer[];
  close(): Promise<void>;
}

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const script: SmtpAnswer[] = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    // No certificate here, so no STARTTLS: the client's opportunistic mode must then go on in clear text.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const answer = script.shift() ?? 'ok';
        if (answer !== 'ok') {
          callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
          return;
        }
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({
          from,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback(null, 'queued');
      });
    },
  });
  // A sender that dies mid-session (the chaos tests kill -9 it) resets its connection: smtp-server reports that as
  // an 'error' event, which with no listener would crash the test process. A real receiver logs and goes on.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, script, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface ParsedMail {
  readonly headers: ReadonlyMap<string, string>;
  /** Header lines as they arrived (unfolded), to look for injected headers. */
  readonly headerLines: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const soft = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i]!;
    if (ch === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(ch, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`), adjacent words joined. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, mode: string, data: string) =>
      mode.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function splitHead(raw: string): { lines: string[]; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  const head = at === -1 ? raw : raw.slice(0, at);
  const body = at === -1 ? '' : raw.slice(at + 4);
  return { lines: head.replace(/\r\n[ \t]+/g, ' ').split('\r\n'), body };
}

function headerMap(lines: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) map.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return map;
}

/** Just enough MIME for our own messages: multipart/alternative with text/plain and text/html parts. */
export function parseMail(raw: string): ParsedMail {
  const { lines, body } = splitHead(raw);
  const headers = headerMap(lines);
  let text = '';
  let html = '';
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  const parts = boundary === undefined ? [raw] : body.split(`--${boundary}`).slice(1, -1);
  for (const part of parts) {
    const section = splitHead(part.replace(/^\r\n/, ''));
    const partHeaders = headerMap(section.lines);
    const type = partHeaders.get('content-type') ?? '';
    const decoded = decodeBody(
      section.body.replace(/\r\n$/, ''),
      partHeaders.get('content-transfer-encoding'),
    ).replace(/\r\n/g, '\n');
    if (type.startsWith('text/plain')) text = decoded;
    if (type.startsWith('text/html')) html = decoded;
  }
  return { headers, headerLines: lines, subject: decodeWords(headers.get('subject') ?? ''), text, html };
}
