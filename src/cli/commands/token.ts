// `mfaguard token`: API tokens of the service — create (the secret is shown once), list, revoke.

import { issueApiToken, openServiceStore } from '../../app/index.ts';
import { UsageError } from '../../model/index.ts';
import { forTerminal } from '../../report/index.ts';
import { parseChoice } from '../args.ts';
import { defineCommand } from '../command.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

const ROLES = ['viewer', 'responder', 'admin'] as const;

export const TOKEN_COMMAND: Command = defineCommand({
  name: 'token',
  usage: 'create|list|revoke [ID] [options]',
  description: `API tokens for the service's JSON API, /metrics and the dashboard. Roles: viewer reads;
responder also changes cases and approvals; admin also manages tokens. Only a hash is stored:
\`create\` prints the token once, on standard output. \`revoke\` takes effect at once.`,
  examples: [
    'mfaguard token create --name grafana --role viewer',
    'mfaguard token list --format json',
    'mfaguard token revoke tok_0123456789abcdef',
  ],
  declare: (command) =>
    command
      .argument('[action]', 'create, list or revoke')
      .argument('[ID]', 'the token to revoke (see `mfaguard token list`)')
      .option('--name <name>', 'create: what the token is for, e.g. grafana')
      .option('--role <role>', `create: ${ROLES.join(', ')}`)
      .option(
        '--store <url>',
        'sqlite:PATH or postgres://... (default: MFAGUARD_STORE, else the embedded file)',
      )
      .option('--format <format>', 'list: text (default) or json'),
  async action(values, positionals, ctx) {
    const [action, ...rest] = positionals;
    if (action !== 'create' && action !== 'list' && action !== 'revoke') {
      throw new UsageError(
        `token needs an action: create, list or revoke${action === undefined ? '' : `; got '${action.slice(0, 40)}'`}`,
      );
    }
    if (action !== 'revoke' && rest.length > 0)
      throw new UsageError(`token ${action} takes no further arguments; got '${rest[0]!.slice(0, 40)}'`);
    if (action === 'revoke' && rest.length !== 1)
      throw new UsageError('token revoke needs exactly one token ID (see `mfaguard token list`)');
    let name: string | undefined;
    let role: (typeof ROLES)[number] | undefined;
    if (action === 'create') {
      name = values.name?.trim();
      if (name === undefined || name === '')
        throw new UsageError('token create needs --name (what the token is for, e.g. grafana)');
      if (name.length > 100) throw new UsageError('--name is at most 100 characters');
      if (values.role === undefined)
        throw new UsageError(`token create needs --role: one of ${ROLES.join(', ')}`);
      role = parseChoice('role', values.role, ROLES, 'viewer');
    }
    const format = parseChoice('format', values.format, ['text', 'json'] as const, 'text');
    const now = ctx.now().getTime();
    const who = ctx.env['USER'] ?? ctx.env['USERNAME'] ?? 'cli';
    const store = await openServiceStore(values.store, ctx.env);
    try {
      switch (action) {
        case 'create': {
          const { secret, token } = await issueApiToken(store, {
            name: name!,
            role: role!,
            createdBy: `cli:${who}`,
            nowMs: now,
          });
          ctx.stderr.write(
            `created ${token.role} token ${token.id} (${forTerminal(token.name)}); it is shown only this once:\n`,
          );
          ctx.stdout.write(`${secret}\n`);
          return EXIT.ok;
        }
        case 'list': {
          const tokens = await store.listApiTokens();
          if (format === 'json') {
            ctx.stdout.write(JSON.stringify(tokens, null, 2) + '\n');
            return EXIT.ok;
          }
          if (tokens.length === 0) ctx.stdout.write('no tokens\n');
          for (const t of tokens) {
            // A dashboard session (kind session) ends by itself: one past its end is not active.
            const state =
              t.revokedAt !== null
                ? `revoked ${new Date(t.revokedAt).toISOString()}`
                : t.expiresAt !== null && t.expiresAt <= now
                  ? `expired ${new Date(t.expiresAt).toISOString()}`
                  : 'active';
            ctx.stdout.write(
              `${t.id}  ${t.role.padEnd(9)}  ${forTerminal(t.name)}  created ${new Date(t.createdAt).toISOString()} by ${forTerminal(t.createdBy)}  ${state}\n`,
            );
          }
          return EXIT.ok;
        }
        case 'revoke': {
          const id = rest[0]!;
          const known = (await store.listApiTokens()).some((t) => t.id === id);
          if (!known)
            throw new UsageError(`no token with the id '${id.slice(0, 60)}' (see \`mfaguard token list\`)`);
          const revoked = await store.revokeApiToken(id, now);
          ctx.stdout.write(`revoked token ${revoked.id} (${forTerminal(revoked.name)})\n`);
          return EXIT.ok;
        }
      }
    } finally {
      await store.close();
    }
  },
});
