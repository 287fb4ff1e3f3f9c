// The `notify` section's zod schemas: the routes' settings, and the section as published (every registered notifier's
// settings, from the registry). Kept apart from the senders' code paths so that reading a configuration loads no SDK.

import { z } from 'zod';
import type { Classification } from '../model/index.ts';
import { SEVERITIES } from '../model/index.ts';
import { NOTIFICATION_KINDS, NOTIFY_CLASSIFICATIONS } from './notification.ts';
import { oneLine, show } from './notifiers/common-config.ts';
import { NOTIFIERS } from './registry.ts';

const listOf = <T extends z.ZodType>(item: T) =>
  z.array(item, {
    error: (issue) =>
      issue.input === undefined ? 'is required' : `expected a list, got ${show(issue.input)}`,
  });

/** A route's settings as written; notify/config.ts fills in the defaults and checks the ids against the notifiers. */
export const ROUTE_SETTINGS = z
  .strictObject({
    name: oneLine().optional(),
    minSeverity: z.enum(SEVERITIES, { error: (issue) => `unknown severity ${show(issue.input)}` }).optional(),
    classifications: listOf(
      z.enum(NOTIFY_CLASSIFICATIONS as [Classification, ...Classification[]], {
        error: (issue) => `unknown classification ${show(issue.input)}`,
      }),
    ).optional(),
    kinds: listOf(
      z.enum(NOTIFICATION_KINDS, { error: (issue) => `unknown notification kind ${show(issue.input)}` }),
    ).optional(),
    notify: listOf(oneLine())
      .optional()
      .refine((ids) => ids !== undefined && ids.length > 0, {
        error: 'a route must name at least one notifier id',
        params: { hint: 'e.g. notify: [soc-slack]' },
      })
      .meta({ description: 'notifier ids (at least one)' }),
  })
  .meta({ title: 'route' });

/** The `notify` section around its lists; each entry is checked on its own so that one bad entry spares the rest. */
export const NOTIFY_LISTS = z.strictObject(
  {
    notifiers: listOf(z.unknown()).nullish(),
    routes: listOf(z.unknown()).nullish(),
  },
  { error: (issue) => `expected a mapping, got ${show(issue.input)}` },
);

const settingsOfEveryNotifier = Object.values(NOTIFIERS).map((definition) => definition.settings);

/** The `notify` section's shape, for the published JSON Schema: every registered notifier's settings. */
export const NOTIFY_SECTION_SCHEMA = z
  .strictObject({
    notifiers: z
      .array(
        z.discriminatedUnion(
          'kind',
          settingsOfEveryNotifier as [
            (typeof settingsOfEveryNotifier)[number],
            ...(typeof settingsOfEveryNotifier)[number][],
          ],
        ),
      )
      .optional(),
    routes: z.array(ROUTE_SETTINGS).optional(),
  })
  .nullish()
  .meta({ description: 'Notifiers and the routes that choose them' });
