import type { SandboxMode } from './types.js';

/** The shell that runs the lifeline watcher: a fixed path, never a PATH lookup. */
export const LIFELINE_SHELL = '/bin/sh';

/**
 * The process group the watcher kills when the lifeline ends. Inside bubblewrap it is the
 * caller's own group (`0`): bwrapArgs always adds `--unshare-pid` and `--new-session`, so
 * that group is the sandbox's session inside its own PID namespace, and the namespace's
 * init, which the kill cannot reach from inside, exits when its child dies and takes every
 * other process of the namespace with it. Without a sandbox it is the group led by the
 * wrapper itself (`-$$`): it exists only when the caller spawned it `detached`; otherwise
 * the kill finds no such group and does nothing. Never `-1`: outside a PID namespace that
 * is every process of the user (all of them, as root).
 */
function killTarget(mode: SandboxMode): string {
  return mode === 'bwrap' ? '0' : '-- -$$';
}

/**
 * Wraps `argv` so that it dies with the process holding the other end of fd `fd` (the
 * daemon). A background watcher reads the fd until end-of-file, which the kernel delivers
 * when the last writer is gone however it died (SIGKILL included, and even when that
 * happened before the sandbox was set up: there is no window between a fork and an
 * "arm" step, unlike PDEATHSIG). It then SIGKILLs the process group. The command itself
 * runs with the fd closed, through `exec`, so it keeps its pid (and group leadership).
 */
export function lifelineArgv(argv: readonly string[], fd: number, mode: SandboxMode): string[] {
  const script =
    `( while read -r _; do :; done <&${fd}; kill -s KILL ${killTarget(mode)} ) >/dev/null 2>&1 </dev/null & ` +
    `exec ${fd}<&- "$@"`;
  return [LIFELINE_SHELL, '-c', script, 'astrid-lifeline', ...argv];
}
