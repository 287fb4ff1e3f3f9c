// Light doors to the service for the CLI: the store it uses, API tokens, and starting it. Everything behind them
// is imported on first use, so `scan` (which imports app/) never loads the store drivers or the live service.

import type { ApiRole, ApiToken, Store } from '../store/index.ts';
import { generateApiToken, hashApiToken } from './api-tokens.ts';
import type { Environment, RunningService, ServeOptions, ServiceDoor } from './serve.ts';

/** `--store`, else MFAGUARD_STORE, else the embedded SQLite file under the user's data directory (zero set-up). */
export async function defaultStoreUrl(given: string | undefined, env: Environment): Promise<string> {
  if (given !== undefined && given !== '') return given;
  const fromEnv = env['MFAGUARD_STORE'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const { defaultStorePath } = await import('../store/index.ts');
  return `sqlite:${defaultStorePath(env)}`;
}

export async function openServiceStore(given: string | undefined, env: Environment): Promise<Store> {
  const { openStore } = await import('../store/index.ts');
  return openStore(await defaultStoreUrl(given, env));
}

/** Creates a token and returns its secret, which exists nowhere else: only the hash is stored. */
export async function issueApiToken(
  store: Store,
  input: {
    readonly name: string;
    readonly role: ApiRole;
    readonly createdBy: string;
    readonly nowMs: number;
  },
): Promise<{ readonly secret: string; readonly token: ApiToken }> {
  const secret = generateApiToken();
  const { token } = await store.createApiToken({ ...input, tokenHash: hashApiToken(secret) });
  return { secret, token };
}

/** Starts the service behind `door` (the HTTP server, which api/ gives). */
export async function startLiveService(options: ServeOptions, door: ServiceDoor): Promise<RunningService> {
  const { startLiveService: start } = await import('./serve.ts');
  return start(options, door);
}
