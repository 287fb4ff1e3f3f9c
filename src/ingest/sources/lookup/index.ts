// Public face of LookupEvents polling: management events for accounts with no trail.

export {
  DEFAULT_LOOKUP_EVENT_NAMES,
  LOOKUP_EVENTS_REQUESTS_PER_SECOND,
  createLookupClient,
  createLookupSource,
  createTokenBucket,
  lookupCheckpointKey,
} from './lookup-source.ts';
export type { LookupClientOptions, LookupSourceOptions, TokenBucket } from './lookup-source.ts';
