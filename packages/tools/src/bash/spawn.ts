import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { SandboxCommand } from '@astrid/sandbox';
import { ToolError } from '../errors.js';
import type { ProcessTracker } from '../processes.js';
import { CappedOutput } from './output.js';

/** What to run and how. */
export interface ShellRequest {
  readonly command: string;
  readonly timeoutMs: number;
  readonly maxOutputChars: number;
  readonly tracker: ProcessTracker;
  readonly bashPath: string;
  /**
   * Wraps the shell's argv with its cwd and environment: inside bubblewrap, or as is when
   * there is no sandbox; with the lifeline on `lifelineFd` (see @astrid/sandbox).
   */
  readonly prepare: (argv: readonly string[], lifelineFd: number) => Promise<SandboxCommand>;
  readonly signal?: AbortSignal;
}

/** How it went. */
export interface ShellResult {
  /** stdout and stderr interleaved, capped, with a notice when cut. */
  readonly output: string;
  readonly truncated: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /** `$PWD` when the shell exited, if it told us (an `exec` or a kill leaves it unknown). */
  readonly finalCwd?: string;
  /** Whether it ran inside the sandbox. */
  readonly sandboxed: boolean;
}

// After the shell exits and its group is killed, output still in the pipes is drained for
// this long; a process that left the group (setsid) and holds the pipe is not waited for.
const DRAIN_MS = 1000;

// The child's fd 3: one end of a socket pair whose other end only this process holds.
const LIFELINE_FD = 3;

// For the process record and the daemon's log: what the agent ran, by its first word.
function firstWord(command: string): string {
  const word = command.trim().split(/\s+/, 1)[0] ?? '';
  return `bash: ${word.slice(0, 64)}`;
}

/**
 * Runs `bash --noprofile --norc -c`, wrapped by `req.prepare` (inside bubblewrap, or as
 * is), in its own process group (`detached`), cwd and environment as given, stdin closed.
 * The script starts with two lines of ours: `exec 2>&1` (stdout and stderr interleaved in
 * one pipe) and an EXIT trap that prints `$PWD` after a random marker, so the working
 * directory can persist to the next call. The timeout and cancellation SIGKILL the whole
 * group; so does the shell's own exit (background jobs do not outlive their command). In
 * the sandbox the group is bwrap's: killing it kills bwrap, whose PID namespace takes every
 * process of the command with it, including those that left the group (`setsid`).
 */
export async function runShell(req: ShellRequest): Promise<ShellResult> {
  const marker = `__ASTRID_CWD_${randomBytes(12).toString('hex')}__`;
  const script = `exec 2>&1\ntrap 'builtin printf "\\n${marker}%s\\n" "$PWD"' EXIT\n${req.command}`;
  const head = Math.floor((req.maxOutputChars * 2) / 3);
  const out = new CappedOutput(head, req.maxOutputChars - head);
  const cmd = await req.prepare([req.bashPath, '--noprofile', '--norc', '-c', script], LIFELINE_FD);
  return new Promise<ShellResult>((resolve, reject) => {
    if (req.signal?.aborted) {
      resolve({
        output: '',
        truncated: false,
        exitCode: null,
        signal: null,
        timedOut: false,
        cancelled: true,
        sandboxed: cmd.sandboxed,
      });
      return;
    }
    const child = spawn(cmd.file, [...cmd.args], {
      cwd: cmd.cwd,
      env: { ...cmd.env },
      detached: true,
      // fd 3 is the lifeline: when this process dies, however early, the command dies too.
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    req.tracker.track(child, firstWord(req.command));
    const lifeline = child.stdio[LIFELINE_FD];
    let timedOut = false;
    let cancelled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let open = 2;
    const decoders = [new StringDecoder('utf8'), new StringDecoder('utf8')];
    const kill = () => {
      if (child.pid !== undefined) req.tracker.killGroup(child.pid);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, req.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    let drain: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (drain !== undefined) clearTimeout(drain);
      req.signal?.removeEventListener('abort', onAbort);
      req.tracker.untrack(child.pid);
      child.stdout?.destroy();
      child.stderr?.destroy();
      lifeline?.destroy();
      for (const d of decoders) out.push(d.end());
      const done = out.finish(marker);
      resolve({
        output: done.text,
        truncated: done.omitted > 0,
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut,
        cancelled,
        ...(done.trailer === undefined ? {} : { finalCwd: done.trailer }),
        sandboxed: cmd.sandboxed,
      });
    };
    const streamClosed = () => {
      open--;
      if (open === 0 && exit !== undefined) finish();
    };
    [child.stdout, child.stderr].forEach((stream, i) => {
      stream?.on('data', (chunk: Buffer) => out.push((decoders[i] as StringDecoder).write(chunk)));
      stream?.on('close', streamClosed);
    });
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      req.tracker.untrack(child.pid);
      lifeline?.destroy();
      reject(new ToolError(`could not start ${cmd.file}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Nothing the command started outlives it: its group goes with it.
      kill();
      if (open === 0) finish();
      else drain = setTimeout(finish, DRAIN_MS);
    });
  });
}
