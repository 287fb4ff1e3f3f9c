// Public face of decoding: bytes in any CloudTrail delivery format -> raw records and issues.

export { decodeChunk, looksLikeJsonLines, MAX_DECODED_BYTES } from './chunk.ts';
export type {
  Chunk,
  DecodedRecord,
  DecodeOptions,
  DecodeResult,
  DeferredRecords,
  PrefilterSummary,
} from './chunk.ts';
export { INPUT_DECODERS, INPUT_FORMATS, isInputFormat } from './input-formats.ts';
export type { InputDecoder, InputFormat } from './input-formats.ts';
export { ANY_PRINCIPAL, principalHash, principalHashOf, scanForNeedles } from './prefilter.ts';
export type { ByteNeedles, DeferredHead, PrefilterHit, PrefilterScan, TimeWindow } from './prefilter.ts';
export { CLOUDTRAIL_DETAIL_TYPES, isDigestLocation, MAX_RECORD_ISSUES, unwrapItem } from './shapes.ts';
export type { ItemProblem, UnwrappedItem } from './shapes.ts';
export { DEFAULT_MAX_CHUNK_BYTES, owned, splitStream } from './split-stream.ts';
export type { SplitItem, SplitOptions } from './split-stream.ts';
export {
  depthExceeds,
  itemProblem,
  MAX_JSON_DEPTH,
  MAX_RECORD_BYTES,
  scanJson,
  stringifyIteratively,
  UnreadableRecord,
} from './json-limits.ts';
export type { JsonItemSpan, JsonScan } from './json-limits.ts';
export { echo, MAX_ECHO } from './text.ts';
