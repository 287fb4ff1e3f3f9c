// What one notifier is to the rest of mfaguard: its kind, its config schema, the checks that need the environment, and
// its factory. Each notifier's folder exports one of these from its index.ts; registry.ts lists them.

import type { z } from 'zod';
import type { NotifierDeps } from './deps.ts';
import type { Notifier } from './notification.ts';
import type { ConfigAdvice, Environment, NotifierCommon } from './notifiers/common-config.ts';

export interface NotifierDefinition<
  Kind extends string,
  Settings extends z.ZodObject,
  Config extends NotifierCommon & { readonly kind: Kind },
> {
  readonly kind: Kind;
  /** What it sends to, for help texts and docs ("signed HTTP webhook"). */
  readonly label: string;
  /** The settings as a file writes them: the published JSON Schema, and the known keys an unknown one is shown. */
  readonly settings: Settings;
  /** The settings checked (every value check lives here) and turned into the notifier's typed config. */
  readonly config: z.ZodType<Config>;
  /**
   * What zod cannot check: that the secrets' variables are set in `env` (null: names only, as `scan` needs no
   * secrets), and warnings that do not stop the notifier. Paths are under the notifier's entry.
   */
  readonly advise: (config: Config, env: Environment | null) => ConfigAdvice[];
  readonly create: (config: Config, deps: NotifierDeps) => Notifier;
}

/** Types a notifier's definition (the kind, settings and config are inferred from the arguments). */
export function defineNotifier<
  Kind extends string,
  Settings extends z.ZodObject,
  Config extends NotifierCommon & { readonly kind: Kind },
>(definition: NotifierDefinition<Kind, Settings, Config>): NotifierDefinition<Kind, Settings, Config> {
  return definition;
}
