import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPolicyStage, DEFAULT_POLICY_RULES } from '@astrid/approval';
import { isAstridError } from '@astrid/core';
import { WorkspaceBoundary } from '@astrid/workspace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recheckPolicy } from '../src/index.js';

// The execution-time re-check a tool runs: the admin policy, and unless the tool verified the
// location on the descriptor it opened, the path's real location against never_allow.

let root: string;
let ws: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'astrid-recheck-'));
  ws = join(root, 'ws');
  await mkdir(join(ws, 'vendor'), { recursive: true });
  await writeFile(join(ws, 'vendor', 'lib.js'), 'x');
  await writeFile(join(ws, 'a.txt'), 'a');
  await symlink(join(ws, 'vendor'), join(ws, 'v'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function parts() {
  const home = join(root, 'home');
  const data = join(root, 'data');
  const boundary = await WorkspaceBoundary.create(ws, { home, astridHome: data, neverAllow: ['vendor/**'] });
  const policy = createPolicyStage(DEFAULT_POLICY_RULES(home, data), { home, resolveHost: async () => [] });
  return { boundary, policy };
}

async function denial(p: Promise<void>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    expect(isAstridError(err, 'POLICY_DENIED')).toBe(true);
    return (err as Error).message;
  }
}

describe('recheckPolicy', () => {
  it('resolves the path again: a never_allow file reached through a symlink is denied', async () => {
    const { boundary, policy } = await parts();
    const message = await denial(
      recheckPolicy(policy, boundary, { kind: 'file_read', path: join(ws, 'v/lib.js') }),
    );
    expect(message).toContain('never allowed');
    expect(
      await denial(recheckPolicy(policy, boundary, { kind: 'file_read', path: join(ws, 'a.txt') })),
    ).toBe(undefined);
  });

  it('with locationVerified judges only the admin rules (the caller checked the descriptor)', async () => {
    const { boundary, policy } = await parts();
    const verified = { locationVerified: true };
    const action = { kind: 'file_read', path: join(ws, 'v/lib.js') } as const;
    expect(await denial(recheckPolicy(policy, boundary, action, verified))).toBe(undefined);
    // The admin policy still applies in full.
    const etc = await denial(
      recheckPolicy(policy, boundary, { kind: 'file_read', path: '/etc/shadow' }, verified),
    );
    expect(etc).toContain('/etc');
  });
});
