import type { Command } from 'commander';
import type { Context } from '../context.js';
import { CliError, EXIT } from '../io.js';

/** `astrid config show | validate | paths`: the daemon's effective config. */
export function registerConfig(program: Command, ctx: Context): void {
  const config = program.command('config').description("the daemon's configuration");

  config
    .command('show')
    .description('the effective config (secrets redacted)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const result = await ctx.withClient((c) => c.call('config.get'));
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.block(JSON.stringify(result.config, null, 2));
    });

  config
    .command('validate')
    .description('reload every config layer and report errors (exit 3) and warnings')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const result = await ctx.withClient((c) => c.call('config.validate'));
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
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const result = await ctx.withClient((c) => c.call('config.paths'));
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line(`home: ${result.home}`);
      ctx.out.table(
        ['LAYER', 'EXISTS', 'PATH'],
        result.files.map((f) => [f.layer, f.exists ? 'yes' : 'no', f.path]),
      );
    });
}
