// Public face of the SQS source: a queue of S3 notifications and EventBridge events, and one body's handling (Lambda).

export { classifySqsBody, decodeS3EventKey } from './sqs-body.ts';
export type { S3ObjectRef, SqsBody } from './sqs-body.ts';
export { createSqsClient, createSqsSource, isAcknowledged, processSqsBody, workKeyOf } from './sqs-source.ts';
export type { BodyOutcome, SqsBodyDeps, SqsClientOptions, SqsSourceOptions } from './sqs-source.ts';
