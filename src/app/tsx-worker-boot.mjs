// Starts a worker thread from TypeScript sources (a development checkout): registers tsx, then loads the real entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
