import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AstridError } from '@astrid/core';
import { RuntimeKeyRing, toHex } from '@astrid/crypto';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { time } from '../format.js';
import { CliError } from '../io.js';

/**
 * Creates the runtime key in `<home>/keys` before a daemon first runs (so its public key can
 * be handed to a verifier in advance). Refuses when any key exists: replacing a key silently
 * would orphan what it signed; `keys rotate` archives it instead.
 */
async function generate(home: string): Promise<{ keyId: string; publicKey: string; created: true }> {
  const dir = join(home, 'keys');
  try {
    const existing = await RuntimeKeyRing.open(dir);
    throw new CliError(`a runtime key exists (${existing.keyId}): use \`astrid keys rotate\` to replace it`);
  } catch (err) {
    if (!(err instanceof AstridError && err.code === 'KEY_NOT_FOUND')) throw err;
  }
  await mkdir(home, { recursive: true, mode: 0o700 });
  const ring = await RuntimeKeyRing.openOrCreate(dir);
  return { keyId: ring.keyId, publicKey: toHex(ring.publicKey), created: true };
}

/** `astrid keys show | generate | rotate`: the runtime signing key. */
export function registerKeys(program: Command, ctx: Context): void {
  const keys = program.command('keys').description('the runtime signing key');

  keys
    .command('show')
    .description('the current public key and its history')
    .option('--json', 'machine-readable output (usable as --key-history for offline verify)')
    .action(async (opts: { json?: boolean }) => {
      const result = await ctx.withClient((c) => c.call('keys.show'));
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line(`key id:     ${result.keyId}`);
      ctx.out.line(`public key: ${result.publicKey}`);
      ctx.out.table(
        ['KEY ID', 'CREATED', 'RETIRED'],
        result.history.map((k) => [
          k.keyId,
          time(k.createdAt),
          k.retiredAt === null ? '-' : time(k.retiredAt),
        ]),
      );
    });

  keys
    .command('generate')
    .description('create the runtime key before the first daemon start (refuses if one exists)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const result = await generate(ctx.home());
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line(`created ${result.keyId}`);
      ctx.out.line(`public key: ${result.publicKey}`);
    });

  keys
    .command('rotate')
    .description('retire the current key and sign with a new one (audited)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const result = await ctx.withClient((c) => c.call('keys.rotate'));
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line(`rotated: ${result.previous} -> ${result.current}`);
    });
}
