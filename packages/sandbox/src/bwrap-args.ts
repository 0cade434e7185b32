import type { SandboxMounts } from './layout.js';
import type { ResolvedMask } from './types.js';

/** Everything {@link bwrapArgs} needs, already resolved. */
export interface BwrapLayout extends SandboxMounts {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly network: boolean;
}

// Old /proc entries that can change the host (sysrq-trigger reboots it; /proc/sys holds the
// sysctls, writable by uid 0 even without capabilities). bwrap covers some of them itself,
// but not reliably when it runs as root, so they are bound read-only here (when present).
const PROC_READ_ONLY = ['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus'];

function mask(m: ResolvedMask): string[] {
  return m.kind === 'dir' ? ['--tmpfs', m.path] : ['--ro-bind', '/dev/null', m.path];
}

/**
 * The bubblewrap arguments for one process, in the order bwrap applies them (a later mount
 * covers an earlier one):
 *
 * 1. `--ro-bind / /`: the whole host read-only; `--dev /dev` (null, zero, random, tty,
 *    a private pts), `--proc /proc` for the new PID namespace, its dangerous corners
 *    read-only; `--tmpfs /tmp`, a private, empty `/tmp`.
 * 2. Masks outside the writable trees (an empty tmpfs, or /dev/null for a file).
 * 3. The writable trees (`--bind`), then the pins and read-only paths inside them, then the
 *    masks inside them, then every mask tmpfs remounted read-only (not recursively, so a
 *    workspace inside a masked directory stays writable).
 * 4. Namespaces: PID (the process tree dies with its first process), IPC, UTS, and the
 *    network unless allowed; a new session (no TIOCSTI into a terminal); killed when the
 *    daemon dies; every capability dropped (as root, bwrap would otherwise keep them all,
 *    and CAP_SYS_ADMIN could simply unmount a mask).
 * 5. `--clearenv` and one `--setenv` per variable; `--chdir`; then the command.
 */
export function bwrapArgs(layout: BwrapLayout): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const p of PROC_READ_ONLY) args.push('--ro-bind-try', p, p);
  args.push('--tmpfs', '/tmp');
  for (const m of layout.masksBefore) args.push(...mask(m));
  for (const dir of layout.readWrite) args.push('--bind', dir, dir);
  for (const dir of layout.pins) args.push('--bind', dir, dir);
  for (const p of layout.readOnly) args.push('--ro-bind', p, p);
  for (const m of layout.masksAfter) args.push(...mask(m));
  for (const m of [...layout.masksBefore, ...layout.masksAfter]) {
    if (m.kind === 'dir') args.push('--remount-ro', m.path);
  }
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts');
  if (!layout.network) args.push('--unshare-net');
  args.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--clearenv');
  for (const [name, value] of Object.entries(layout.env)) args.push('--setenv', name, value);
  args.push('--chdir', layout.cwd, '--', ...layout.argv);
  return args;
}
