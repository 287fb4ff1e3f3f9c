// Public face of ingestion: reading CloudTrail from wherever it is, decoding it, and normalising each record.

export * from './decode/index.ts';
export * from './normalize/index.ts';
export * from './sources/index.ts';
