// The input formats mfaguard reads, as an explicit registry (kept alphabetical): each decodes a whole text in its
// shape. `decodeChunk` detects the shape itself unless `--input-format` names one of these; the CLI's list of
// formats is this registry's keys.

import {
  acceptDocument,
  acceptEnvelope,
  acceptItem,
  isLogsEnvelope,
  makeIssue,
  recordIssue,
} from './shapes.ts';
import type { DocumentFormat, Sink } from './shapes.ts';
import { describeJsonError } from './text.ts';

export interface InputDecoder {
  /** One line for `--help` and the docs. */
  readonly description: string;
  /**
   * Takes every record of `text` into the sink, with issues for the bad ones, when the text is in this decoder's
   * shape; false, with the sink untouched, when it is not.
   */
  decode(sink: Sink, text: string, baseIndex: number): boolean;
}

/** Runs `fill` on a scratch copy of the sink and keeps what it took only when it says the text was its shape. */
function tryInto(sink: Sink, fill: (scratch: Sink) => boolean): boolean {
  const scratch: Sink = { ...sink, records: [], issues: [] };
  if (!fill(scratch)) return false;
  sink.records.push(...scratch.records);
  sink.issues.push(...scratch.issues);
  sink.lines = scratch.lines;
  sink.suppressed = scratch.suppressed;
  sink.firstSuppressed = scratch.firstSuppressed;
  sink.lastSuppressed = scratch.lastSuppressed;
  return true;
}

/** A decoder for one whole JSON document of the shape `acceptDocument` classifies as `format`. */
function documentDecoder(format: DocumentFormat, description: string): InputDecoder {
  return {
    description,
    decode: (sink, text) =>
      tryInto(sink, (scratch) => {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          return false;
        }
        return acceptDocument(scratch, value) === format;
      }),
  };
}

const DECODERS = {
  array: documentDecoder('array', 'a JSON array of CloudTrail records'),
  'cloudwatch-logs': {
    description:
      'CloudWatch Logs subscription envelopes (messageType, logEvents[].message), one or several concatenated, as Firehose writes them to S3',
    decode: (sink, text) =>
      tryInto(sink, (scratch) => {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (error) {
          return isMoreAfterJson(error) && decodeConcatenated(scratch, text, isLogsEnvelope);
        }
        return acceptDocument(scratch, value) === 'cloudwatch-logs';
      }),
  },
  concatenated: {
    description: 'JSON values one after another without separators: records, EventBridge events or envelopes',
    decode: (sink, text) => tryInto(sink, (scratch) => decodeConcatenated(scratch, text)),
  },
  eventbridge: documentDecoder(
    'eventbridge',
    'one EventBridge event ("AWS API Call via CloudTrail") or an array of them',
  ),
  jsonl: {
    description: 'JSON Lines: one record, EventBridge event or envelope per line',
    decode: (sink, text, baseIndex) =>
      tryInto(sink, (scratch) => {
        decodeLines(scratch, text, baseIndex);
        return true;
      }),
  },
  'lookup-events': documentDecoder(
    'lookup-events',
    'the output of `aws cloudtrail lookup-events` ({"Events":[...]})',
  ),
  records: documentDecoder('records', 'a CloudTrail delivery file: {"Records":[...]}'),
  single: documentDecoder('single', 'one CloudTrail record'),
} as const satisfies Readonly<Record<string, InputDecoder>>;

export type InputFormat = keyof typeof DECODERS;

/** The registry: format id -> decoder, alphabetical. */
export const INPUT_DECODERS: Readonly<Record<InputFormat, InputDecoder>> = DECODERS;

/** The formats `--input-format` accepts besides `auto`, in the registry's (alphabetical) order. */
export const INPUT_FORMATS = Object.keys(INPUT_DECODERS) as InputFormat[];

export function isInputFormat(value: string): value is InputFormat {
  return Object.hasOwn(INPUT_DECODERS, value);
}

/** What to say when a forced format does not fit the text. */
export function notInFormat(sink: Sink, format: InputFormat): void {
  sink.issues.push(
    makeIssue(sink, {
      code: 'not-input-format',
      message: `expected ${format} (${INPUT_DECODERS[format].description}), as --input-format says; the file is not in that shape`,
      hint: 'leave out --input-format (auto) to let mfaguard detect the shape, or name the right one',
    }),
  );
}

export function isMoreAfterJson(error: unknown): boolean {
  return error instanceof SyntaxError && /after JSON at position \d+/.test(error.message);
}

/**
 * JSON values one after another with nothing between (Firehose writes CloudWatch Logs envelopes so, and some tools
 * records): each is parsed up to where V8 says the first value ended, so every byte is parsed once. Records and
 * EventBridge events are taken, envelopes opened. False (nothing taken) when a value is broken (the caller reports
 * it) or one is not what `accept` wants.
 */
export function decodeConcatenated(
  sink: Sink,
  text: string,
  accept: (value: unknown) => boolean = () => true,
): boolean {
  const values: unknown[] = [];
  let pos = 0;
  for (;;) {
    pos = firstNonSpace(text, pos);
    if (pos === -1) break;
    const rest = text.slice(pos);
    try {
      values.push(JSON.parse(rest));
      break;
    } catch (error) {
      const end = /after JSON at position (\d+)/.exec(error instanceof Error ? error.message : '');
      if (end === null) return false;
      try {
        values.push(JSON.parse(rest.slice(0, Number(end[1]))));
      } catch {
        return false;
      }
      pos += Number(end[1]);
    }
  }
  if (!values.every(accept)) return false;
  let index = 0;
  for (const value of values) {
    if (isLogsEnvelope(value)) index = acceptEnvelope(sink, value, index);
    else acceptItem(sink, value, index++);
  }
  return true;
}

export function decodeLines(sink: Sink, text: string, baseIndex: number): void {
  sink.lines = true;
  const end = text.length;
  let pos = 0;
  let lineNo = 0;
  while (pos < end) {
    let stop = text.indexOf('\n', pos);
    if (stop === -1) stop = end;
    if (stop > pos) acceptLine(sink, text.slice(pos, stop), baseIndex + lineNo);
    pos = stop + 1;
    lineNo += 1;
  }
}

export function acceptLine(sink: Sink, line: string, index: number): void {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    if (firstNonSpace(line, 0) === -1) return;
    const place = describeJsonError(error, line);
    recordIssue(sink, {
      code: 'not-json',
      index,
      ...(place.column === undefined ? {} : { column: place.column }),
      message: `expected one JSON record on this line, found ${place.reason}, near "${place.near}"`,
      hint: 'the line was skipped; the others were kept',
    });
    return;
  }
  // A JSON Lines file of CloudWatch Logs envelopes (Firehose with a newline delimiter): its records share the line.
  if (isLogsEnvelope(value)) acceptEnvelope(sink, value, index, true);
  else acceptItem(sink, value, index);
}

export function firstNonSpace(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff) return i;
  }
  return -1;
}
