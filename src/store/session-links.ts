// The store's part of sessions that follow people: what ties a dashboard session to the person's sign-in at the
// OpenID provider (sealed: only the session's own secret opens it), when their roles were last re-read, and cleanup.

import type { ApiRole } from './store.ts';

export interface SessionLink {
  /** The session's id in the API tokens. */
  readonly tokenId: string;
  /** The provider's tokens (ID, access, refresh), encrypted with a key derived from the session's secret. */
  readonly sealed: string;
  /** Epoch ms when the roles were last read from the provider's claims. */
  readonly checkedAt: number;
}

export interface SessionLinksTx {
  /** Stores (or replaces) a session's link to the provider. NotFoundError when the session does not exist. */
  linkSession(link: SessionLink): Promise<void>;
  getSessionLink(tokenId: string): Promise<SessionLink | null>;
  /** After the roles were re-read: the session's role and its link, in one step. NotFoundError when absent. */
  refreshSession(input: SessionLink & { readonly role: ApiRole }): Promise<void>;
  /**
   * Deletes dashboard sessions that ended (expired, or revoked) at or before `beforeMs`, with their links; API
   * tokens (kind `token`) are kept whatever their state, for the record. Answers how many sessions went.
   */
  deleteEndedSessions(beforeMs: number): Promise<number>;
}
