import { posix } from 'node:path';
import type { SensitiveAction } from '@astrid/core';
import type { CompiledPolicy } from './compile.js';
import { type HostResolver, matchAddress, matchName, normaliseHost, parseAddress } from './hosts.js';
import { globDenial, pathDenial } from './path-rules.js';
import type { PathGlob, PathOp, SimpleCommand } from './types.js';
import type { PolicyDenial, PolicyPass, PolicyRuleRef } from './verdict.js';

/** File action kinds as path operations. */
export const OPS = { file_read: 'read', file_write: 'write', file_delete: 'delete' } as const;

/** A denial by `kind`'s rule `pattern`. */
export function deny(kind: PolicyRuleRef['kind'], pattern: string, reason: string): PolicyDenial {
  return { verdict: 'deny', rule: { kind, pattern }, reason };
}

/** A pass carrying only the non-empty notes. */
export function pass(
  unresolved: Iterable<string>,
  runsCode: Iterable<string> = [],
  hidden: Iterable<string> = [],
): PolicyPass {
  const u = [...new Set(unresolved)];
  const r = [...new Set(runsCode)];
  const h = [...new Set(hidden)];
  return {
    verdict: 'pass',
    ...(u.length > 0 ? { unresolved: u } : {}),
    ...(r.length > 0 ? { runsCode: r } : {}),
    ...(h.length > 0 ? { hidden: h } : {}),
  };
}

/** The denial of `op` on an absolute path, if any rule denies it. */
export function checkPath(
  policy: CompiledPolicy,
  root: string,
  op: PathOp,
  path: string,
): PolicyDenial | undefined {
  const denied = pathDenial(policy.deniedPaths, op, path);
  if (denied)
    return deny(
      'denied_paths',
      denied.source,
      `${op} of ${path} is denied by the admin rule "${denied.source}"`,
    );
  if (op === 'read') return undefined;
  const ws = pathDenial(policy.workspace(root), op, path);
  if (ws) {
    return deny(
      'write_denied_in_workspace',
      ws.source,
      `${op} of ${path} is denied: "${ws.source}" in the workspace is protected`,
    );
  }
  return undefined;
}

/** The denial of a path pattern a command may expand to, if it can reach a denied path. */
export function checkGlob(policy: CompiledPolicy, root: string, g: PathGlob): PolicyDenial | undefined {
  const { op, pattern } = g;
  const denied = globDenial(policy.deniedPaths, pattern);
  if (denied) {
    return deny(
      'denied_paths',
      denied.source,
      `${op} of ${pattern} may reach paths denied by the admin rule "${denied.source}"`,
    );
  }
  if (op === 'read' || g.unknownNames) return undefined;
  const ws = globDenial(policy.workspace(root), pattern);
  if (ws) {
    return deny(
      'write_denied_in_workspace',
      ws.source,
      `${op} of ${pattern} may reach "${ws.source}", protected in the workspace`,
    );
  }
  return undefined;
}

/** The host denial for a destination; `unresolved` when its address cannot be known. */
// Denied hosts are checked on the literal (every spelling of an address) and, for names, on
// every address the name resolves to, so a name pointing at 127.0.0.1 is as denied as the
// address. The connecting code must still pin the address it checked (DNS can change).
export async function checkHost(
  policy: CompiledPolicy,
  host: string,
  resolve: HostResolver,
): Promise<PolicyDenial | { unresolved?: string } | undefined> {
  const name = normaliseHost(host);
  const literal = parseAddress(name);
  const literalHit = literal
    ? matchAddress(policy.deniedHosts, literal)
    : matchName(policy.deniedHosts, name);
  if (literalHit)
    return deny(
      'denied_hosts',
      literalHit,
      `connecting to ${host} is denied by the admin rule "${literalHit}"`,
    );
  let addresses: string[];
  if (literal) addresses = [literal.toString()];
  else {
    try {
      addresses = await resolve(name);
    } catch {
      addresses = [];
    }
  }
  for (const a of addresses) {
    const parsed = parseAddress(a);
    const hit = parsed ? matchAddress(policy.deniedHosts, parsed) : undefined;
    if (hit) return deny('denied_hosts', hit, `${host} resolves to ${a}, denied by the admin rule "${hit}"`);
  }
  if (policy.allowedHosts) {
    const allowed =
      (literal ? matchAddress(policy.allowedHosts, literal) : matchName(policy.allowedHosts, name)) ??
      (addresses.length > 0 &&
      addresses.every((a) => {
        const p = parseAddress(a);
        return (
          p !== undefined &&
          matchAddress(policy.allowedHosts as NonNullable<typeof policy.allowedHosts>, p) !== undefined
        );
      })
        ? 'resolved'
        : undefined);
    if (!allowed) return deny('allowed_hosts', '(not listed)', `${host} is not in the admin's allowed_hosts`);
  }
  if (addresses.length === 0)
    return { unresolved: `${host} does not resolve, so its address cannot be checked` };
  return undefined;
}

/** Size of an action as canonical JSON, in bytes. */
export function actionBytes(action: SensitiveAction): number {
  // JSON.stringify has the same length as canonical JSON (same escapes, keys only reordered).
  return Buffer.byteLength(JSON.stringify(action), 'utf8');
}

// A link to a blocked program is that program under a new name (a symlink even keeps
// sudo's setuid bit working), so creating one is denied like running it.
const LINKERS = new Set(['ln', 'link']);

function linksBlocked(policy: CompiledPolicy, command: SimpleCommand): PolicyDenial | undefined {
  if (!LINKERS.has(command.basename)) return undefined;
  for (const w of command.words.slice(1)) {
    if (!w.known || w.value.startsWith('-')) continue;
    for (const cwd of command.cwds) {
      const path = posix.resolve(cwd, w.value);
      const pattern = policy.blocked.find((p) => p.namesProgram(path));
      if (pattern) {
        return deny(
          'blocked_commands',
          pattern.source,
          `linking ${w.value} gives the blocked program "${pattern.source}" another name`,
        );
      }
    }
  }
  return undefined;
}

/** The blocked_commands pattern a simple command (or a link it makes) matches, if any. */
export function blockedBy(policy: CompiledPolicy, command: SimpleCommand): PolicyDenial | undefined {
  const linked = linksBlocked(policy, command);
  if (linked) return linked;
  for (const pattern of policy.blocked) {
    if (pattern.matches(command)) {
      const argv = command.argv.join(' ');
      const shown = argv.length > 80 ? `${argv.slice(0, 80)}…` : argv;
      return deny(
        'blocked_commands',
        pattern.source,
        `"${shown}" is blocked by the admin rule "${pattern.source}"`,
      );
    }
  }
  return undefined;
}
