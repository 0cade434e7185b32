import { homedir } from 'node:os';
import { posix } from 'node:path';
import { parseAction, type SensitiveAction } from '@astrid/core';
import { analyzeArgv, analyzeCommand } from './analyze.js';
import { actionBytes, blockedBy, checkGlob, checkHost, checkPath, deny, OPS, pass } from './checks.js';
import { type CompiledPolicy, compilePolicy } from './compile.js';
import { type HostResolver, lookupAll } from './hosts.js';
import type { PolicyRules } from './rules.js';
import type { CommandAnalysis } from './types.js';
import type { CommandPolicyVerdict, PolicyVerdict } from './verdict.js';

export type {
  CommandPolicyVerdict,
  PolicyDenial,
  PolicyPass,
  PolicyRuleRef,
  PolicyVerdict,
} from './verdict.js';

/** Where and for whom an action is judged. */
export interface PolicyContext {
  /** Absolute workspace root (as the workspace package realpath'd it). */
  readonly workspaceRoot: string;
  /** Working directory for commands; defaults to the action's `cwd`, then the workspace root. */
  readonly cwd?: string;
  /** Home for `~`; defaults to the process's home directory. */
  readonly home?: string;
  /** Environment values the command will see, for judging `$VAR` paths (see AnalyzeOptions). */
  readonly env?: Readonly<Record<string, string>>;
  /** Resolves a host to its addresses; defaults to `dns.lookup` (all records). */
  readonly resolveHost?: HostResolver;
}

/** Judges every command, derived action and path pattern of an analysis; the first denial wins. */
async function judgeAnalysis(
  policy: CompiledPolicy,
  analysis: CommandAnalysis,
  ctx: PolicyContext,
): Promise<PolicyVerdict> {
  for (const command of analysis.commands) {
    const denied = blockedBy(policy, command);
    if (denied) return denied;
  }
  const unresolved = [...analysis.unresolved];
  const hosts: string[] = [];
  for (const action of analysis.actions) {
    if (action.kind === 'file_read' || action.kind === 'file_write' || action.kind === 'file_delete') {
      const denied = checkPath(policy, ctx.workspaceRoot, OPS[action.kind], action.path);
      if (denied) return denied;
    } else if (action.kind === 'network_request') hosts.push(action.host);
  }
  for (const g of analysis.pathGlobs) {
    const denied = checkGlob(policy, ctx.workspaceRoot, g);
    if (denied) return denied;
  }
  const resolve = ctx.resolveHost ?? lookupAll;
  const results = await Promise.all([...new Set(hosts)].map((h) => checkHost(policy, h, resolve)));
  for (const r of results) {
    if (r && 'verdict' in r) return r;
    if (r?.unresolved) unresolved.push(r.unresolved);
  }
  return pass(unresolved, analysis.runsCode, analysis.hidden);
}

function checkContext(ctx: PolicyContext): void {
  if (typeof ctx?.workspaceRoot !== 'string' || !posix.isAbsolute(ctx.workspaceRoot)) {
    throw new RangeError(
      `"workspaceRoot" expected an absolute path, got ${JSON.stringify(ctx?.workspaceRoot)}`,
    );
  }
}

function analyzeOptions(ctx: PolicyContext, cwd: string | undefined) {
  return {
    cwd: cwd ?? ctx.cwd ?? ctx.workspaceRoot,
    home: ctx.home ?? homedir(),
    ...(ctx.env === undefined ? {} : { env: ctx.env }),
  };
}

/**
 * Judges one action against the admin hard limits. A command action is judged on
 * everything it runs (wrappers, `bash -c` strings) and everything that derives from it
 * (files, hosts). Invalid actions throw INVALID_ACTION; invalid rules throw RangeError.
 */
export async function evaluatePolicy(
  action: SensitiveAction,
  rules: PolicyRules,
  ctx: PolicyContext,
): Promise<PolicyVerdict> {
  checkContext(ctx);
  return evaluateParsedPolicy(parseAction(action), rules, ctx);
}

/**
 * {@link evaluatePolicy} for an action that `parseAction` has already returned (the
 * interceptor's own copy, see parsed.ts): the same checks without a second parse. @internal
 */
export async function evaluateParsedPolicy(
  valid: SensitiveAction,
  rules: PolicyRules,
  ctx: PolicyContext,
): Promise<PolicyVerdict> {
  checkContext(ctx);
  const home = ctx.home ?? homedir();
  const policy = compilePolicy(rules, home);
  const bytes = actionBytes(valid);
  if (bytes > rules.max_argument_bytes) {
    return deny(
      'max_argument_bytes',
      String(rules.max_argument_bytes),
      `the action is ${bytes} bytes, over the ${rules.max_argument_bytes}-byte limit`,
    );
  }
  const resolve = ctx.resolveHost ?? lookupAll;
  switch (valid.kind) {
    case 'execute_command':
      return judgeAnalysis(policy, await analyzeArgv(valid.argv, analyzeOptions(ctx, valid.cwd)), ctx);
    case 'file_read':
    case 'file_write':
    case 'file_delete':
      return checkPath(policy, ctx.workspaceRoot, OPS[valid.kind], valid.path) ?? pass([]);
    case 'capsule_file_access':
      return checkPath(policy, ctx.workspaceRoot, valid.mode, valid.path) ?? pass([]);
    case 'network_request':
    case 'transmit_data':
    case 'capsule_http_request': {
      const r = await checkHost(policy, valid.host, resolve);
      if (r && 'verdict' in r) return r;
      return pass(r?.unresolved ? [r.unresolved] : []);
    }
    default:
      return pass([]);
  }
}

/**
 * Judges a shell command line: parsed with tree-sitter-bash, every simple command checked
 * against `blocked_commands`, every derived action against the other rules. A denial
 * anywhere denies the whole line.
 */
export async function evaluateCommandPolicy(
  command: string,
  rules: PolicyRules,
  ctx: PolicyContext,
): Promise<CommandPolicyVerdict> {
  if (typeof command !== 'string') throw new TypeError(`"command" expected a string, got ${typeof command}`);
  checkContext(ctx);
  const policy = compilePolicy(rules, ctx.home ?? homedir());
  const bytes = Buffer.byteLength(command, 'utf8');
  if (bytes > rules.max_argument_bytes) {
    // Not parsed at all: the size limit also bounds the parser's work.
    const analysis: CommandAnalysis = {
      commands: [],
      actions: [],
      pathGlobs: [],
      unresolved: [],
      runsCode: [],
      hidden: [],
    };
    return {
      ...deny(
        'max_argument_bytes',
        String(rules.max_argument_bytes),
        `the command is ${bytes} bytes, over the ${rules.max_argument_bytes}-byte limit`,
      ),
      analysis,
    };
  }
  const analysis = await analyzeCommand(command, analyzeOptions(ctx, undefined));
  return { ...(await judgeAnalysis(policy, analysis, ctx)), analysis };
}
