import { constants } from 'node:fs';
import { link, mkdir, open, realpath, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderDefaultUserConfig } from '@astrid/config';
import { type Command, Option } from 'commander';
import type { Context } from '../context.js';
import { CliError, EXIT } from '../io.js';

interface ChatFlags {
  session?: string;
  workspace?: string;
  mode?: 'safe' | 'guided' | 'autonomous';
  provider?: string;
  model?: string;
}

/**
 * First run: a commented `$ASTRID_HOME/config.toml` that resolves to the built-in defaults,
 * so the user finds every setting in one place. Never overwrites: an existing config, even
 * a broken one, is the user's. Written whole to a temp file and then hard-linked into place
 * (which fails if the file exists), so the daemon starting meanwhile (`astrid chat` launches
 * it early) reads either no file or the whole one, never a partial one.
 */
export async function ensureUserConfig(home: string): Promise<string | undefined> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const path = join(home, 'config.toml');
  const temp = join(home, `.config.toml.${process.pid}.tmp`);
  await unlink(temp).catch(() => undefined); // left by a crashed run with this pid
  const handle = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    try {
      await handle.writeFile(renderDefaultUserConfig());
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
    return path;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** The OS user name as the id recorded in `decidedBy`, when it is a valid id. */
function userId(name: string | undefined): string | undefined {
  return name !== undefined && /^[A-Za-z0-9_.:-]{1,128}$/.test(name) ? name : undefined;
}

/** `astrid chat`: the REPL, on the running daemon or an ephemeral one started for the workspace. */
export function registerChat(program: Command, ctx: Context): void {
  program
    .command('chat')
    .description('chat with the agent (starts an ephemeral daemon when none runs)')
    .option('--session <id>', 'resume this session')
    .option('--workspace <dir>', 'workspace the agent works in (default: the current directory)')
    .addOption(
      new Option('--mode <mode>', 'workspace mode: stricter than the config only').choices([
        'safe',
        'guided',
        'autonomous',
      ]),
    )
    .option('--provider <name>', 'LLM provider for a new session')
    .option('--model <name>', 'model for a new session')
    .action(async (flags: ChatFlags) => {
      const asked = resolve(ctx.cwd, flags.workspace ?? '.');
      const workspace = await realpath(asked).catch((err: NodeJS.ErrnoException) => {
        throw new CliError(`workspace ${asked} cannot be used: ${err.code ?? err.message}`, EXIT.usage);
      });
      const home = ctx.home();
      const created = await ensureUserConfig(home);
      const streams = ctx.io.streams ?? {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
      };
      // Start loading the REPL (ink, react) while the daemon connects or starts.
      const interactive = streams.stdin.isTTY === true && streams.stdout.isTTY === true;
      // A terminal on both ends is a person at a keyboard. ink decides at import, from CI /
      // CONTINUOUS_INTEGRATION in the environment, to draw only the final frame, which would
      // hide the prompt and every approval card from them (a shell that exports CI=1, tmux on
      // a CI machine): for an interactive chat those variables are dropped before ink loads.
      if (interactive) {
        delete process.env.CI;
        delete process.env.CONTINUOUS_INTEGRATION;
      }
      const chatModule = import('../chat/index.js');
      chatModule.catch(() => undefined); // awaited below; a failure is reported there
      const { client, launched } = await ctx.connect({ launch: { workspace }, reconnect: true });
      try {
        if (created !== undefined) ctx.io.stderr(`astrid: created ${created} (every setting, commented)\n`);
        if (launched)
          ctx.io.stderr('astrid: started an ephemeral daemon (it stops after the last client leaves)\n');
        const { runChat } = await chatModule;
        // The session works in this workspace (its boundary and .astrid/config.toml), whichever
        // workspace the daemon was started in: one daemon serves many.
        const create = {
          workspace,
          ...(flags.mode === undefined ? {} : { mode: flags.mode }),
          ...(flags.provider === undefined ? {} : { provider: flags.provider }),
          ...(flags.model === undefined ? {} : { model: flags.model }),
        };
        const code = await runChat({
          client,
          ...(flags.session === undefined ? {} : { sessionId: flags.session }),
          create,
          stdin: streams.stdin,
          stdout: streams.stdout,
          stderr: streams.stderr,
          interactive,
          ...(userId(ctx.env.USER) === undefined ? {} : { userId: userId(ctx.env.USER) }),
        });
        if (code !== 0) throw new CliError('', code);
      } finally {
        // The chat is ending: a Ctrl-C pressed again meanwhile must not kill the process
        // halfway through closing (the bin's own handler takes over once the command returns).
        const closing = (): void => {};
        process.on('SIGINT', closing);
        try {
          await client.close();
        } finally {
          process.off('SIGINT', closing);
        }
      }
    });
}
