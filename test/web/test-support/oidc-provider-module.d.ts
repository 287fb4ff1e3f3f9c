// The little of oidc-provider's API the sign-in test uses (the package ships no types; @types lags its major).

declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface Account {
    accountId: string;
    claims(): Record<string, unknown> | Promise<Record<string, unknown>>;
  }

  // The package's own shape: its one export is the default one.
  // eslint-disable-next-line no-restricted-exports
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (ctx: never) => void): this;
  }

  export type FindAccount = (ctx: unknown, id: string) => Account | undefined | Promise<Account | undefined>;
}
