// The response actions by kind: an explicit registry, in alphabetical order.

import type { ActionKind, ResponseAction } from './action.ts';
import { disableConsoleAction } from './actions/disable-console.ts';
import { quarantineAction } from './actions/quarantine.ts';
import { revokeSessionsAction } from './actions/revoke-sessions.ts';

export const RESPONSE_ACTIONS: Readonly<Record<ActionKind, ResponseAction>> = {
  'disable-console': disableConsoleAction,
  quarantine: quarantineAction,
  'revoke-sessions': revokeSessionsAction,
};
