// The package's public face: the Lambda handler for an EventBridge rule or an SQS queue. The CLI is `bin/mfaguard.js`.

export { createHandler, handler, lazyRuntime, runtimeFromEnv } from './app/index.ts';
export type { EventResult, HandlerDeps, LambdaResult, LambdaRuntime, SqsBatchResponse } from './app/index.ts';
