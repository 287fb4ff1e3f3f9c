// Public face of S3 polling: new CloudTrail objects under a trail prefix, from a durable checkpoint.

export { createS3PollSource, s3PollCheckpointKey } from './s3-poll-source.ts';
export type { S3PollSourceOptions } from './s3-poll-source.ts';
export { createS3Client } from '../s3/s3-source.ts';
