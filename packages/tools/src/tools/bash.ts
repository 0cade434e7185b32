import { stat } from 'node:fs/promises';
import type { SandboxResolution } from '@astrid/sandbox';
import { z } from 'zod';
import { buildChildEnv } from '../bash/env.js';
import { bashActions, sameActions } from '../bash/plan.js';
import { BashSandbox, type BashSandboxOptions } from '../bash/sandbox.js';
import { runShell, type ShellResult } from '../bash/spawn.js';
import { ToolCancelledError, ToolError } from '../errors.js';
import type { ProcessTracker } from '../processes.js';
import type { Tool, ToolContext, ToolOutcome, ToolPlan } from '../tool.js';

/** Options of the bash tool (`[tools.bash]` in the config). */
export interface BashToolOptions {
  /** Where every started process group is tracked, for the kill switch. Shared per daemon. */
  readonly processes: ProcessTracker;
  /** `[tools.bash] env`: extra variables for commands (shell-steering names are refused). */
  readonly env?: Readonly<Record<string, string>>;
  /** The environment the allowlist copies from. Default `process.env`. */
  readonly inheritEnv?: Readonly<Record<string, string | undefined>>;
  /** The bash binary. Default `bash` (looked up on the allowlisted PATH). */
  readonly bashPath?: string;
  /** Default 120,000 ms. */
  readonly defaultTimeoutMs?: number;
  /** Default 600,000 ms. */
  readonly maxTimeoutMs?: number;
  /** Default 30,000 characters. */
  readonly maxOutputChars?: number;
  /** The OS sandbox (`[tools.bash] sandbox`, default `auto`: bubblewrap when it works). */
  readonly sandbox?: BashSandboxOptions;
}

const BashInput = z.object({
  command: z.string().min(1).max(1_000_000).describe('The bash command line to run.'),
  description: z
    .string()
    .max(500)
    .optional()
    .describe('What the command does, in a few words (shown to the user).'),
  timeout_ms: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Time limit in milliseconds (default 120000, max 600000).'),
});
type BashInput = z.infer<typeof BashInput>;

interface BashPlanState {
  readonly tool: 'bash';
  readonly cwd: string;
  readonly notice?: string;
}

/** The bash tool, with the working directory it keeps between calls (one per session). */
export interface BashTool extends Tool<BashInput> {
  /** The tracked working directory (undefined: the workspace root). */
  readonly cwd: string | undefined;
  /** Goes back to the workspace root. */
  resetCwd(): void;
  /** How its commands run (resolved at the first call, then fixed): for status and tests. */
  sandbox(): Promise<SandboxResolution>;
}

async function isDirectoryInside(ctx: ToolContext, path: string): Promise<string | undefined> {
  try {
    const check = await ctx.boundary.check(path, 'execute');
    if (check.kind !== 'inside') return undefined;
    return (await stat(check.realPath)).isDirectory() ? check.realPath : undefined;
  } catch {
    return undefined;
  }
}

function render(r: ShellResult, timeoutMs: number, notices: readonly string[]): string {
  const lines: string[] = [r.output.length === 0 ? '(no output)' : r.output.replace(/\n$/, '')];
  if (r.timedOut) lines.push(`[timed out after ${timeoutMs} ms; the process group was killed]`);
  else if (r.exitCode !== 0 && r.exitCode !== null) lines.push(`[exit code ${r.exitCode}]`);
  else if (r.signal !== null) lines.push(`[killed by ${r.signal}]`);
  lines.push(...notices);
  return lines.join('\n');
}

/**
 * `bash`: runs a command line in the working directory kept from the previous call, in its
 * own process group, inside the OS sandbox (@astrid/sandbox) unless it resolved to `none`,
 * with an allowlisted environment, a time limit and an output cap.
 */
export function createBashTool(options: BashToolOptions): BashTool {
  const env = buildChildEnv(options.inheritEnv ?? process.env, options.env ?? {});
  const defaultTimeout = options.defaultTimeoutMs ?? 120_000;
  const maxTimeout = options.maxTimeoutMs ?? 600_000;
  const maxOutput = options.maxOutputChars ?? 30_000;
  const sandbox = new BashSandbox(options.sandbox);
  let cwd: string | undefined;
  const stateOf = (plan: ToolPlan): BashPlanState => {
    const s = plan.state as BashPlanState | undefined;
    if (s?.tool !== 'bash' || typeof s.cwd !== 'string') throw new ToolError('internal: not a bash plan');
    return s;
  };
  const tool: BashTool = {
    name: 'bash',
    description:
      'Run a bash command line. The working directory persists between calls (it starts at the ' +
      `workspace root and must stay inside it). stdout and stderr are returned together, cut to ${maxOutput} ` +
      `characters. Default time limit ${defaultTimeout} ms (timeout_ms, at most ${maxTimeout}); the whole ` +
      'process group is killed at the limit, and background jobs end with the command. Only a few ' +
      'environment variables are passed (PATH, HOME, LANG, LC_*, TERM, USER, SHELL, TMPDIR). When the ' +
      'sandbox is on, everything outside the workspace is read-only, /tmp is private and empty, ' +
      'credential stores are hidden, and there is no network unless the command visibly makes a ' +
      'network request that was approved.',
    inputSchema: BashInput,
    get cwd() {
      return cwd;
    },
    resetCwd() {
      cwd = undefined;
    },
    sandbox() {
      return sandbox.resolution();
    },
    async plan(input, ctx) {
      // `sandbox = "bwrap"` that cannot start: refused before anyone is asked to approve.
      await sandbox.assertUsable();
      let start = ctx.boundary.root;
      let notice: string | undefined;
      if (cwd !== undefined) {
        const still = await isDirectoryInside(ctx, cwd);
        if (still === undefined)
          notice = `[the previous working directory ${cwd} is gone; starting at the root]`;
        else start = still;
      }
      const { actions } = await bashActions(input.command, start, env, ctx.boundary.home);
      const state: BashPlanState = { tool: 'bash', cwd: start, ...(notice === undefined ? {} : { notice }) };
      return { actions, state, ...(input.description === undefined ? {} : { agentText: input.description }) };
    },
    async run(input, plan, authorizations, ctx): Promise<ToolOutcome> {
      const state = stateOf(plan);
      const timeoutMs = Math.min(input.timeout_ms ?? defaultTimeout, maxTimeout);
      return ctx.interceptor.executeAll(authorizations, plan.actions, async () => {
        // What runs must be what was approved: the same line derives the same actions here.
        const again = await bashActions(input.command, state.cwd, env, ctx.boundary.home);
        if (!sameActions(again.actions, plan.actions))
          throw new ToolError('internal: the command does not match its plan');
        for (const action of plan.actions) await ctx.recheckPolicy(action);
        if ((await isDirectoryInside(ctx, state.cwd)) !== state.cwd) {
          throw new ToolError(`the working directory ${state.cwd} changed after approval; not run`);
        }
        // The host network only for a call whose network request was authorized as such
        // (every planned action holds an Authorization here); otherwise none at all, so a
        // connection the parser could not see fails inside the sandbox.
        const network = plan.actions.some((a) => a.kind === 'network_request');
        const r = await runShell({
          command: input.command,
          timeoutMs,
          maxOutputChars: maxOutput,
          tracker: options.processes,
          bashPath: options.bashPath ?? 'bash',
          prepare: (argv, lifelineFd) =>
            sandbox.command(argv, { cwd: state.cwd, env, boundary: ctx.boundary, network, lifelineFd }),
          ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
        });
        if (r.cancelled) throw new ToolCancelledError('the command');
        const notices = state.notice === undefined ? [] : [state.notice];
        cwd = state.cwd;
        if (r.finalCwd !== undefined && r.finalCwd !== state.cwd) {
          const next = await isDirectoryInside(ctx, r.finalCwd);
          if (next === undefined) {
            cwd = undefined;
            notices.push(
              `[the shell ended in ${r.finalCwd}, outside the workspace; the next command starts at the workspace root]`,
            );
          } else cwd = next;
        }
        const content = render(r, timeoutMs, notices);
        const value: ToolOutcome = {
          content,
          isError: r.timedOut || r.exitCode !== 0,
          meta: {
            exitCode: r.exitCode,
            signal: r.signal,
            timedOut: r.timedOut,
            truncated: r.truncated,
            cwd: cwd ?? ctx.boundary.root,
            sandboxed: r.sandboxed,
            network: r.sandboxed ? network : true,
          },
        };
        return { value, output: r.output, ...(r.exitCode === null ? {} : { exitCode: r.exitCode }) };
      });
    },
  };
  return tool;
}
