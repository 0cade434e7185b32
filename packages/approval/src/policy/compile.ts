import { type BlockedPattern, compileBlockedPattern } from './blocked.js';
import { compileHostList, type HostList } from './hosts.js';
import { compileDeniedPaths, compileWorkspaceRules, type PathRule } from './path-rules.js';
import { type PolicyRules, PolicyRulesSchema } from './rules.js';

/** Policy rules compiled for one home directory; workspace rules are compiled per root on demand. */
export interface CompiledPolicy {
  readonly rules: PolicyRules;
  readonly home: string;
  readonly blocked: readonly BlockedPattern[];
  readonly deniedPaths: readonly PathRule[];
  readonly deniedHosts: HostList;
  readonly allowedHosts: HostList | undefined;
  workspace(root: string): readonly PathRule[];
}

// Compiling globs costs far more than matching them, so compiled rules are cached per rules
// object and home. Rules are treated as immutable once passed in (they are config values).
const cache = new WeakMap<PolicyRules, Map<string, CompiledPolicy>>();

/** Compiles (or returns the cached compilation of) `rules` for `home`; invalid rules throw. */
export function compilePolicy(rules: PolicyRules, home: string): CompiledPolicy {
  let byHome = cache.get(rules);
  const hit = byHome?.get(home);
  if (hit) return hit;
  const parsed = PolicyRulesSchema.safeParse(rules);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(
      `invalid policy rules at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`,
      {
        cause: parsed.error,
      },
    );
  }
  const workspaces = new Map<string, readonly PathRule[]>();
  const compiled: CompiledPolicy = {
    rules,
    home,
    blocked: rules.blocked_commands.map((p) => compileBlockedPattern(p, home)),
    deniedPaths: compileDeniedPaths(rules.denied_paths, home),
    deniedHosts: compileHostList(rules.denied_hosts),
    allowedHosts: rules.allowed_hosts === undefined ? undefined : compileHostList(rules.allowed_hosts),
    workspace(root) {
      let ws = workspaces.get(root);
      if (ws === undefined) {
        ws = compileWorkspaceRules(rules.write_denied_in_workspace, root);
        if (workspaces.size > 64) workspaces.clear();
        workspaces.set(root, ws);
      }
      return ws;
    },
  };
  if (byHome === undefined) {
    byHome = new Map();
    cache.set(rules, byHome);
  }
  byHome.set(home, compiled);
  return compiled;
}
