// Escaping for every sink that attacker-controlled text (userAgent, userName, requestParameters, error messages) can reach.

/**
 * Characters that can move the cursor, rewrite a line, change colours, hide text or reorder it:
 * C0 controls, DEL, C1 controls (U+009B is an 8-bit CSI), bidi embeddings/overrides/isolates and marks,
 * line/paragraph separators and the BOM. Each becomes a visible escape instead.
 */
const DANGEROUS =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Same set minus TAB, LF and CR, which CSV keeps inside a quoted cell. */
const DANGEROUS_EXCEPT_WHITESPACE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

function visible(ch: string): string {
  switch (ch) {
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    default: {
      const code = ch.charCodeAt(0);
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
}

/** True when `s` holds a character `forTerminal` would rewrite. */
export function hasControlChars(s: string): boolean {
  DANGEROUS.lastIndex = 0;
  const found = DANGEROUS.test(s);
  DANGEROUS.lastIndex = 0;
  return found;
}

/**
 * Text safe to print on a terminal on one line: every control, bidi and line-breaking character is
 * shown as an escape (`\x1b`, `\n`, `\u202e`) so it can neither drive the terminal nor hide itself.
 */
export function forTerminal(s: string): string {
  return s.replace(DANGEROUS, visible);
}

/** Cells beginning with these (possibly after spaces) are run as formulas by spreadsheet programs. */
const FORMULA_START = /^[ ]*[=+\-@\t\r\n]/;

/**
 * One RFC 4180 CSV cell. A cell that a spreadsheet would run as a formula (starting with = + - @ TAB CR LF,
 * also after leading spaces) is prefixed with a single quote, as OWASP advises against CSV injection.
 * Control characters other than TAB/CR/LF are shown as escapes; the cell is quoted when it needs to be.
 */
/** The text of a CSV cell before quoting (the CSV writers quote with csv-stringify): formulas and controls disarmed. */
export function forCsvValue(s: string): string {
  const cell = s.replace(DANGEROUS_EXCEPT_WHITESPACE, visible);
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe inside HTML element content and quoted attribute values. Control characters become escapes too. */
export function forHtml(s: string): string {
  return s.replace(DANGEROUS, visible).replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] ?? ch);
}

/** Mentions that would page a whole channel or team. */
const MASS_MENTION = /@(channel|here|everyone|all)\b/gi;

/**
 * Text safe inside a CommonMark/GitHub Markdown paragraph: HTML-significant characters become entities,
 * Markdown punctuation is backslash-escaped, `@` becomes `&#64;` so no one is mentioned, and line breaks
 * are shown as escapes so the text cannot start a heading, list or quote.
 */
export function forMarkdown(s: string): string {
  return s
    .replace(DANGEROUS, visible)
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, (ch) => `\\${ch}`)
    .replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] ?? ch)
    .replace(/@/g, '&#64;');
}

/**
 * Text safe inside Slack `mrkdwn`: Slack only decodes &amp; &lt; &gt;, which also disarms `<!channel>`,
 * `<@U123>` and `<http://…|label>` links. Slack has no backslash escape, so formatting characters get a
 * zero-width space in front (a marker not preceded by a boundary does not format), and plain-text mass
 * mentions (@channel, @here, @everyone) get a word joiner after the `@`.
 */
export function forSlackMrkdwn(s: string): string {
  return s
    .replace(DANGEROUS, visible)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[*_~`]/g, (ch) => `\u200b${ch}`)
    .replace(MASS_MENTION, (_m, word: string) => `@\u2060${word}`);
}

const LOG_EXTRA = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Text safe inside a JSON string on one log line: what JSON.stringify escapes (quotes, backslash, C0),
 * plus DEL, C1, bidi and line separators as `\uXXXX`. The result has no surrounding quotes.
 */
export function forLog(s: string): string {
  return JSON.stringify(s)
    .slice(1, -1)
    .replace(LOG_EXTRA, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Makes serialised JSON safe to show on a terminal while staying valid JSON with the same value:
 * JSON.stringify already escapes C0, this adds DEL, C1, bidi and line separators.
 */
export function jsonForTerminal(json: string): string {
  // Tested first: a replace that finds nothing still copies the string, and a scan writes hundreds of MB of JSON.
  LOG_EXTRA.lastIndex = 0;
  if (!LOG_EXTRA.test(json)) return json;
  LOG_EXTRA.lastIndex = 0;
  return json.replace(LOG_EXTRA, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
