// Public face of the batch sources: files, folders, stdin and S3 prefixes turned into chunks and issues.

export type { InputEntry, InputItem, Listed, LocalFile } from './entry.ts';
export { isTakenFileName, listPath, nodeFileSystem, readLocalChunk, stdinEntry } from './file/file-source.ts';
export type { DirEntry, FileStat, FileSystem } from './file/file-source.ts';
export { realSleep } from './live-source.ts';
export type {
  LiveLog,
  LiveOrigin,
  LiveSink,
  LiveSource,
  LiveSourceStore,
  PollResult,
} from './live-source.ts';
// The live sources load their AWS SDKs only when used, so `scan` never pays for them.
export const loadLookupSource = () => import('./lookup/index.ts');
export { DEFAULT_CONCURRENCY, readInputs } from './read-inputs.ts';
export type { ReadInputsOptions } from './read-inputs.ts';
export const loadS3PollSource = () => import('./s3-poll/index.ts');
export type { PrefixVerdict, S3ClientOptions, S3Location } from './s3/s3-source.ts';
export const loadSqsSource = () => import('./sqs/index.ts');
