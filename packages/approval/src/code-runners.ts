import type { SensitiveAction } from '@astrid/core';

// Programs that run whatever code they are given: allowing one "for the session" or "always"
// would allow anything at all. Such commands are only ever Allowed Once, bound to the hash.
const CODE_RUNNERS = new Set([
  'sh',
  'bash',
  'zsh',
  'dash',
  'ksh',
  'fish',
  'csh',
  'tcsh',
  'busybox',
  'python',
  'python2',
  'python3',
  'node',
  'nodejs',
  'deno',
  'bun',
  'perl',
  'ruby',
  'php',
  'lua',
  'luajit',
  'tclsh',
  'wish',
  'R',
  'Rscript',
  'julia',
  'osascript',
  'pwsh',
  'powershell',
  'awk',
  'gawk',
  'mawk',
  'nawk',
  'env',
  'xargs',
  'find',
  'exec',
  'eval',
  'source',
  'sudo',
  'npx',
  'pnpx',
  'bunx',
  'make',
  'docker',
  'podman',
  'nix-shell',
  'ssh',
  'expect',
  'script',
  'watch',
  'parallel',
  'nohup',
  'setsid',
  'timeout',
  'nice',
  'ionice',
  'stdbuf',
  'time',
  'strace',
  'gdb',
  'vim',
  'vi',
  'nvim',
  'emacs',
  'less',
  'more',
  'man',
  'git-shell',
]);

function baseName(program: string): string {
  const slash = program.lastIndexOf('/');
  return slash < 0 ? program : program.slice(slash + 1);
}

/**
 * True when the command can run arbitrary code: a shell, an interpreter, a wrapper that
 * runs another program, or `git -c` (which can set `core.sshCommand`, aliases, hooks).
 */
export function runsArbitraryCode(action: SensitiveAction): boolean {
  if (action.kind !== 'execute_command') return false;
  const name = baseName(action.argv[0] ?? '');
  if (CODE_RUNNERS.has(name)) return true;
  if (/^(python|pypy|ruby|perl|php|node)[0-9.]*$/.test(name)) return true;
  if (name === 'git')
    return action.argv.some(
      (a, i) =>
        i > 0 &&
        (a === '-c' ||
          a.startsWith('-c') ||
          a.startsWith('--config-env') ||
          a === '--exec-path' ||
          a.startsWith('--exec-path=')),
    );
  return false;
}
