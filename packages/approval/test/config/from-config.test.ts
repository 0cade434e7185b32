import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@astrid/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  budgetLimitsFromConfig,
  interceptorSettingsFromConfig,
  policyRulesFromConfig,
} from '../../src/from-config.js';
import { evaluatePolicy } from '../../src/policy/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'astrid-cfg-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('wiring config into the interceptor', () => {
  it('takes the admin floor into the policy: an admin-blocked command stays blocked', async () => {
    const admin = join(dir, 'admin.toml');
    await writeFile(admin, '[security.policy]\nblocked_commands = ["curl"]\n');
    const home = join(dir, 'home');
    const { config } = await loadConfig({ adminPath: admin, home, env: {}, flags: {} });
    const rules = policyRulesFromConfig(config);
    expect(rules.blocked_commands).toContain('curl');
    expect(rules.blocked_commands).toContain('sudo');
    const verdict = await evaluatePolicy({ kind: 'execute_command', argv: ['curl', 'x'] }, rules, {
      workspaceRoot: join(dir, 'ws'),
      home: dir,
    });
    expect(verdict.verdict).toBe('deny');
    // The data dir is denied to the agent.
    const key = await evaluatePolicy({ kind: 'file_read', path: join(home, 'keys', 'runtime.key') }, rules, {
      workspaceRoot: join(dir, 'ws'),
      home: dir,
    });
    expect(key.verdict).toBe('deny');
  });

  it('maps approval, budget and workspace settings with their units', async () => {
    const home = join(dir, 'home');
    const { config } = await loadConfig({ adminPath: join(dir, 'none.toml'), home, env: {}, flags: {} });
    const s = interceptorSettingsFromConfig(config, true);
    expect(s.approvalTimeoutMs).toBe(config.approval.timeout_seconds * 1000);
    expect(s.allowAlwaysTtlMs).toBe(3_600_000);
    expect(s.escalateAfterUntrusted).toBe(true);
    expect(s.sandboxed).toBe(true);
    const b = budgetLimitsFromConfig(config);
    expect(b.sessionMax).toBe(config.budget.session_max_micro_usd);
    expect(Number.isSafeInteger(b.sessionMax)).toBe(true);
  });
});
