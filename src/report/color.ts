// Terminal colour: whether to use it (NO_COLOR, FORCE_COLOR, TTY) and the few styles the reports need.

import type { Severity } from '../model/index.ts';

/**
 * Decides colour the way https://no-color.org asks: a non-empty NO_COLOR turns it off whatever else is set;
 * otherwise FORCE_COLOR (non-empty and not `0`/`false`) turns it on even without a terminal; otherwise
 * colour follows whether the output is a terminal, and `TERM=dumb` turns it off.
 */
export function shouldUseColor(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (!isTTY) return false;
  return env['TERM'] !== 'dumb';
}

const RESET = '\u001b[0m';

const SEVERITY_STYLE: Readonly<Record<Severity, string>> = {
  critical: '\u001b[1;97;41m',
  high: '\u001b[1;31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
  info: '\u001b[2m',
};

/** Wraps already-escaped text in the severity's colour. */
export function paintSeverity(text: string, severity: Severity, color: boolean): string {
  return color ? `${SEVERITY_STYLE[severity]}${text}${RESET}` : text;
}

export function bold(text: string, color: boolean): string {
  return color ? `\u001b[1m${text}${RESET}` : text;
}

export function dim(text: string, color: boolean): string {
  return color ? `\u001b[2m${text}${RESET}` : text;
}

export function red(text: string, color: boolean): string {
  return color ? `\u001b[31m${text}${RESET}` : text;
}

export function yellow(text: string, color: boolean): string {
  return color ? `\u001b[33m${text}${RESET}` : text;
}
