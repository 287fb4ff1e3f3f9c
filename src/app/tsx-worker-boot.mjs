// Starts a worker thread from TypeScript sources (a development checkout): registers tsx, then loads the real entry
// and hands its task handler to piscina, which looks it up on this module by name.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
const entry = await import(workerData.entry);
export const handleScanTask = entry.handleScanTask;
