import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderDefaultUserConfig } from '@astrid/config';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { CliError } from '../io.js';

/**
 * The workspace template: the user config's defaults, every line commented out. A workspace
 * file may only tighten what the user and admin layers set, so a file with live values copied
 * from the defaults would be noise at best; commented, it documents what can be set.
 */
export function renderWorkspaceConfig(): string {
  const body = renderDefaultUserConfig()
    .split('\n')
    .filter(
      (line) =>
        !line.startsWith('# Astrid user config') &&
        !line.startsWith('# (admin)') &&
        !line.startsWith('# The admin file') &&
        !line.startsWith('# the built-in default'),
    )
    .map((line) => (line === '' || line.startsWith('#') ? line : `# ${line}`))
    .join('\n');
  return `# Astrid workspace config (.astrid/config.toml), created by \`astrid init\`.
# This layer sits above the user config ($ASTRID_HOME/config.toml) and may only TIGHTEN it:
# a value looser than the user or admin layer is refused. Sections that only the user may
# set (model keys, frontends) are ignored here. Everything below is commented out; uncomment
# and tighten what this project needs, then check with \`astrid config validate\`.
${body}${body.endsWith('\n') ? '' : '\n'}`;
}

/** `astrid init`: a commented `.astrid/config.toml` in the workspace; never overwrites. */
export function registerInit(program: Command, ctx: Context): void {
  program
    .command('init')
    .description('create a commented .astrid/config.toml in the workspace')
    .option('--workspace <dir>', 'the workspace (default: the current directory)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { workspace?: string; json?: boolean }) => {
      const dir = join(resolve(ctx.cwd, opts.workspace ?? '.'), '.astrid');
      const path = join(dir, 'config.toml');
      await mkdir(dir, { recursive: true });
      try {
        await writeFile(path, renderWorkspaceConfig(), { flag: 'wx', mode: 0o644 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new CliError(`${path} already exists: edit it, or remove it to start over`, 1, {
            cause: err,
          });
        }
        throw new CliError(`cannot write ${path}: ${(err as Error).message}`, 1, { cause: err });
      }
      if (opts.json === true) return ctx.out.json({ created: path });
      ctx.out.line(`created ${path} (all commented; see \`astrid config validate\`)`);
    });
}
