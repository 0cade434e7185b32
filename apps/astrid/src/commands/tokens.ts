import type { JsonValue } from '@astrid/core';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { time } from '../format.js';

function field(token: JsonValue, name: string): JsonValue | undefined {
  return token !== null && typeof token === 'object' && !Array.isArray(token) ? token[name] : undefined;
}

function text(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `astrid tokens list | revoke`: capability tokens. */
export function registerTokens(program: Command, ctx: Context): void {
  const tokens = program.command('tokens').description('capability tokens');

  tokens
    .command('list')
    .description('list capability tokens (signatures omitted)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const result = await ctx.withClient((c) => c.call('token.list'));
      if (opts.json === true) return ctx.out.json(result);
      if (result.tokens.length === 0) return ctx.out.line('no capability tokens');
      ctx.out.table(
        ['ID', 'STATE', 'RESOURCE', 'PERMISSIONS', 'EXPIRES'],
        result.tokens.map((t) => {
          const state =
            field(t, 'revoked') === true ? 'revoked' : field(t, 'consumed') === true ? 'consumed' : 'valid';
          const expires = field(t, 'expiresAt');
          return [
            text(field(t, 'id')),
            state,
            text(field(t, 'resource')),
            text(field(t, 'permissions')),
            typeof expires === 'number' ? time(expires) : text(expires),
          ];
        }),
      );
    });

  tokens
    .command('revoke <id>')
    .description('revoke a capability token (audited)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) => {
      const result = await ctx.withClient((c) => c.call('token.revoke', { id }));
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line(result.already === true ? `${id} was already revoked` : `revoked ${id}`);
    });
}
