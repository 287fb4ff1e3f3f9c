// fast-check properties that can be replayed: every run has a seed (FC_SEED, else random), and a failure names it
// with the shrunk counterexample's path, as the command line that runs it again.

import fc from 'fast-check';

function seedFromEnv(): number {
  const text = process.env['FC_SEED'];
  if (text === undefined || text === '') return Math.floor(Math.random() * 0x7fffffff) ^ Date.now();
  const seed = Number(text);
  if (!Number.isSafeInteger(seed))
    throw new Error(`FC_SEED must be an integer (fast-check's seed); got "${text}"`);
  return seed | 0;
}

/** The seed of this test process: one for all its properties, so one FC_SEED replays them all. */
export const FC_SEED = seedFromEnv();

type Parameters<Ts> = fc.Parameters<Ts>;

function settings<Ts>(params: Parameters<Ts>): Parameters<Ts> {
  const path = process.env['FC_PATH'];
  return {
    seed: FC_SEED,
    ...(path === undefined || path === '' ? {} : { path }),
    // A seed pinned by the test itself wins: it is already replayable.
    ...params,
  };
}

function replayError<Ts>(details: fc.RunDetails<Ts>, report: string | undefined): Error {
  const replay =
    `Replay: FC_SEED=${details.seed}` +
    (details.counterexamplePath === null ? '' : ` FC_PATH=${details.counterexamplePath}`) +
    ' node --import tsx --test <this file>';
  return new Error(`${report ?? 'property failed'}\n${replay}`, { cause: details.errorInstance });
}

/** `fc.assert` with a printed, replayable seed; every property test goes through this (a guard test checks). */
export function assertProperty<Ts>(property: fc.IProperty<Ts>, params?: Parameters<Ts>): void;
export function assertProperty<Ts>(property: fc.IAsyncProperty<Ts>, params?: Parameters<Ts>): Promise<void>;
export function assertProperty<Ts>(
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  params: Parameters<Ts> = {},
): void | Promise<void> {
  if (property.isAsync()) {
    return fc.check(property as fc.IAsyncProperty<Ts>, settings(params)).then(async (details) => {
      if (details.failed) throw replayError(details, await fc.asyncDefaultReportMessage(details));
    });
  }
  const details = fc.check(property as fc.IProperty<Ts>, settings(params));
  if (details.failed) throw replayError(details, fc.defaultReportMessage(details));
}
