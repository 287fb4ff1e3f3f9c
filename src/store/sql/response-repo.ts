// Response actions, as a store repository (the SQL lives in response-actions-sql.ts).

import type {
  PlanResponseActionInput,
  ResponseActionPatch,
  ResponseActionQuery,
  ResponseActionState,
  StoredResponseAction,
} from '../response-actions.ts';
import * as responseSql from './response-actions-sql.ts';
import { requireText, requireTime, SqlRepository } from './sql-helpers.ts';

/** Planned and executed response actions. */
export class ResponseActionsRepo extends SqlRepository {
  planResponseAction(input: PlanResponseActionInput) {
    requireText(input.kind, 'kind');
    requireText(input.targetName, 'targetName');
    requireText(input.actor, 'actor');
    requireTime(input.nowMs, 'nowMs');
    requireTime(input.notBeforeMs, 'notBeforeMs');
    return responseSql.planResponseAction(this.conn, this.dialect, input);
  }

  getResponseAction(id: string): Promise<StoredResponseAction | null> {
    return responseSql.getResponseAction(this.conn, this.dialect, id);
  }

  listResponseActions(query: ResponseActionQuery): Promise<StoredResponseAction[]> {
    return responseSql.listResponseActions(this.conn, this.dialect, query);
  }

  updateResponseAction(
    id: string,
    expect: readonly ResponseActionState[],
    patch: ResponseActionPatch,
    change: { readonly actor: string; readonly nowMs: number; readonly note: string },
  ): Promise<StoredResponseAction | null> {
    requireText(change.actor, 'actor');
    requireTime(change.nowMs, 'nowMs');
    return responseSql.updateResponseAction(this.conn, this.dialect, id, expect, patch, change);
  }
}
