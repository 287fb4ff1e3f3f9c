// Public face of the batch sources: files, folders, stdin and S3 prefixes turned into chunks and issues.

export type { InputEntry, InputItem, Listed } from './entry.ts';
export { isTakenFileName, listPath, nodeFileSystem, stdinEntry } from './file/file-source.ts';
export type { DirEntry, FileStat, FileSystem } from './file/file-source.ts';
export { DEFAULT_CONCURRENCY, readInputs } from './read-inputs.ts';
export type { ReadInputsOptions } from './read-inputs.ts';
export type { S3ClientOptions, S3Location } from './s3/s3-source.ts';
