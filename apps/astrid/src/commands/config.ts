import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { CliError, EXIT } from '../io.js';

/** The workspace a config command is about: `--workspace`, else the current directory. */
function where(ctx: Context, opts: { workspace?: string }): { workspace: string } {
  return { workspace: resolve(ctx.cwd, opts.workspace ?? '.') };
}

/**
 * `astrid config show | validate | paths`: the config that applies in a workspace (default
 * the current directory: its `.astrid/config.toml` is one of the layers), as the daemon
 * loads it.
 */
export function registerConfig(program: Command, ctx: Context): void {
  const config = program.command('config').description('the effective configuration');

  config
    .command('show')
    .description('the effective config (secrets redacted)')
    .option('--workspace <dir>', 'the workspace it applies in (default: the current directory)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean; workspace?: string }) => {
      const result = await ctx.withClient((c) => c.call('config.get', where(ctx, opts)));
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.block(JSON.stringify(result.config, null, 2));
    });

  config
    .command('validate')
    .description('reload every config layer and report errors (exit 3) and warnings')
    .option('--workspace <dir>', 'the workspace whose layer is checked (default: the current directory)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean; workspace?: string }) => {
      const result = await ctx.withClient((c) => c.call('config.validate', where(ctx, opts)));
      if (opts.json === true) ctx.out.json(result);
      else {
        ctx.out.line(result.valid ? 'config valid' : 'config INVALID');
        for (const e of result.errors) ctx.out.line(`error: ${e}`);
        for (const w of result.warnings) ctx.out.line(`warning: ${w}`);
      }
      if (!result.valid) throw new CliError('', EXIT.verificationFailed);
    });

  config
    .command('paths')
    .description('the data dir and every config file, lowest layer first')
    .option('--workspace <dir>', 'the workspace (default: the current directory)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean; workspace?: string }) => {
      const result = await ctx.withClient((c) => c.call('config.paths', where(ctx, opts)));
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line(`home: ${result.home}`);
      ctx.out.table(
        ['LAYER', 'EXISTS', 'PATH'],
        result.files.map((f) => [f.layer, f.exists ? 'yes' : 'no', f.path]),
      );
    });
}
