import type { SensitiveAction } from '@astrid/core';
import {
  type CommandPolicyVerdict,
  DEFAULT_POLICY_RULES,
  type PolicyContext,
  type PolicyVerdict,
} from '../../src/policy/index.js';

export const HOME = '/home/agent';
export const ASTRID_HOME = '/home/agent/.astrid';
export const WORKSPACE = '/home/agent/project';
export const RULES = DEFAULT_POLICY_RULES(HOME, ASTRID_HOME);

/** Names the stub resolver knows; anything ending in .invalid fails to resolve. */
export const DNS: Readonly<Record<string, readonly string[]>> = {
  'example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'github.com': ['140.82.112.3'],
  'api.github.com': ['140.82.112.6'],
  'registry.npmjs.org': ['104.16.0.35'],
  'pypi.org': ['151.101.0.223'],
  'files.pythonhosted.org': ['151.101.1.63'],
  'internal.example.com': ['10.1.2.3'],
  'rebind.example.com': ['93.184.216.34', '127.0.0.1'],
  'ip6-local.example.com': ['::1'],
};

/** A resolver that never touches the network: known names, `.invalid` fails, others are public. */
export async function stubResolve(host: string): Promise<string[]> {
  if (host.endsWith('.invalid')) throw new Error(`ENOTFOUND ${host}`);
  return [...(DNS[host] ?? ['198.51.100.7'])];
}

export const CTX: PolicyContext = {
  workspaceRoot: WORKSPACE,
  home: HOME,
  env: { HOME, ASTRID_HOME },
  resolveHost: stubResolve,
};

export type Category = 'blocked' | 'needs approval' | 'unresolved' | 'allowed by policy';

/**
 * The four outcomes the approval layer cares about: a final deny; unresolved (approval at
 * critical risk, never automatic); runs code or has effects the parser cannot name (asks,
 * Allow Once at most); nothing found (the workspace mode and allowed_commands decide).
 */
export function categoryOf(v: PolicyVerdict): Category {
  if (v.verdict === 'deny') return 'blocked';
  if (v.unresolved) return 'unresolved';
  if (v.runsCode || v.hidden) return 'needs approval';
  return 'allowed by policy';
}

export function describeVerdict(v: CommandPolicyVerdict | PolicyVerdict): string {
  if (v.verdict === 'deny') return `deny ${v.rule.kind}:${v.rule.pattern} (${v.reason})`;
  return `pass ${JSON.stringify({ unresolved: v.unresolved, runsCode: v.runsCode, hidden: v.hidden })}`;
}

export const read = (path: string): SensitiveAction => ({ kind: 'file_read', path });
export const write = (path: string): SensitiveAction => ({ kind: 'file_write', path });
export const del = (path: string): SensitiveAction => ({ kind: 'file_delete', path });
export const net = (host: string, port: number, method: string): Partial<SensitiveAction> => ({
  kind: 'network_request',
  host,
  port,
  method,
});
