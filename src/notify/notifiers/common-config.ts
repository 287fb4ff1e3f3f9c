// The settings every notifier has (id, kind, timeout, concurrency, verificationLinks), as a zod shape each notifier's
// config schema starts from.

import { z } from 'zod';

export const NOTIFIER_COMMON_SHAPE = {
  id: z.string().meta({ description: "the notifier's id, named by routes: letters, digits, '-', '_', '.'" }),
  timeout: z
    .union([z.number(), z.string()])
    .optional()
    .meta({ description: 'how long one send may take, 1ms to 10m (default 10s)' }),
  concurrency: z.number().int().min(1).max(64).optional().meta({ description: 'sends in flight at once' }),
  verificationLinks: z
    .boolean()
    .optional()
    .meta({ description: "show the owner's confirm/deny links (default: email only)" }),
};
