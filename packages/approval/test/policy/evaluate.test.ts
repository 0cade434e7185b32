import { isAstridError, type SensitiveAction } from '@astrid/core';
import { describe, expect, it } from 'vitest';
import {
  createPolicyStage,
  DEFAULT_POLICY_RULES,
  evaluateCommandPolicy,
  evaluatePolicy,
  type PolicyRules,
  type PolicyVerdict,
} from '../../src/policy/index.js';
import { markParsed, takeParsedMark } from '../../src/policy/parsed.js';
import { ASTRID_HOME, CTX, HOME, RULES, stubResolve, WORKSPACE } from './fixtures.js';

const W = WORKSPACE;

async function judge(action: SensitiveAction, rules: PolicyRules = RULES): Promise<PolicyVerdict> {
  return evaluatePolicy(action, rules, CTX);
}

function expectDeny(v: PolicyVerdict, kind: string, pattern?: string): void {
  expect(v.verdict, JSON.stringify(v)).toBe('deny');
  if (v.verdict !== 'deny') return;
  expect(v.rule.kind).toBe(kind);
  if (pattern !== undefined) expect(v.rule.pattern).toBe(pattern);
}

function expectPass(v: PolicyVerdict): void {
  expect(v.verdict, JSON.stringify(v)).toBe('pass');
}

const cmd = (...argv: string[]): SensitiveAction => ({ kind: 'execute_command', argv });

describe('blocked_commands', () => {
  it('blocks a bare name by basename, wherever the program lives; a longer name is a near miss', async () => {
    expectDeny(await judge(cmd('sudo', 'ls')), 'blocked_commands', 'sudo');
    expectDeny(await judge(cmd('/usr/local/bin/sudo', 'ls')), 'blocked_commands', 'sudo');
    expectPass(await judge(cmd('sudoku')));
    expectPass(await judge(cmd('pseudo', 'ls')));
  });

  it('follows wrappers and shell strings inside an argv run without a shell', async () => {
    expectDeny(await judge(cmd('env', 'FOO=1', '/usr/bin/sudo', 'ls')), 'blocked_commands', 'sudo');
    expectDeny(await judge(cmd('bash', '-lc', 'echo ok; sudo id')), 'blocked_commands', 'sudo');
    expectDeny(await judge(cmd('xargs', '-I{}', 'doas', 'rm', '{}')), 'blocked_commands', 'doas');
    expectPass(await judge(cmd('env', 'FOO=1', 'ls')));
  });

  it('matches a glob on the basename: mkfs* blocks mkfs.ext4, not mkfifo', async () => {
    expectDeny(await judge(cmd('mkfs.ext4', '/dev/sdb')), 'blocked_commands', 'mkfs*');
    expectDeny(await judge(cmd('/sbin/mkfs', '-t', 'xfs', '/dev/sdb')), 'blocked_commands', 'mkfs*');
    expectPass(await judge(cmd('mkfifo', 'pipe')));
  });

  it('matches multi-word patterns whatever the option order or spelling; another target is a near miss', async () => {
    for (const argv of [
      ['rm', '-rf', '/'],
      ['rm', '-fr', '/'],
      ['rm', '-r', '-f', '/'],
      ['rm', '-Rf', '/'],
      ['rm', '--recursive', '--force', '/'],
      ['rm', '--rec', '--forc', '/'],
      ['rm', '-rf', '--no-preserve-root', '/'],
      ['rm', '/', '-rf'],
      ['rm', '-rf', '--', '/'],
      ['rm', '-rf', '/tmp/../'],
    ]) {
      expectDeny(await judge(cmd(...argv)), 'blocked_commands', 'rm -rf /');
    }
    expectPass(await judge(cmd('rm', '-rf', `${W}/build`)));
    expectPass(await judge(cmd('rm', '-f', `${W}/x`)));
  });

  it('compares numeric arguments without leading zeros: chmod -R 0777 / is chmod -R 777 /', async () => {
    expectDeny(await judge(cmd('chmod', '-R', '0777', '/')), 'blocked_commands', 'chmod -R 777 /');
    expectDeny(await judge(cmd('chmod', '777', '--recursive', '/')), 'blocked_commands', 'chmod -R 777 /');
    expectPass(await judge(cmd('chmod', '-R', '755', `${W}/dist`)));
    expectPass(await judge(cmd('chmod', '777', `${W}/x`)));
  });

  it('blocks dd onto a block device but not onto /dev/null or a file', async () => {
    expectDeny(await judge(cmd('dd', 'if=/dev/zero', 'of=/dev/nvme0n1')), 'blocked_commands');
    expectDeny(await judge(cmd('dd', 'of=/dev/disk/by-id/ata-x')), 'blocked_commands');
    expectPass(await judge(cmd('dd', 'if=/dev/zero', 'of=/dev/null', 'count=1')));
    expectPass(await judge(cmd('dd', 'if=/dev/zero', `of=${W}/disk.img`, 'count=1')));
  });

  it("blocks Astrid's own binaries", async () => {
    expectDeny(await judge(cmd('astrid', 'approvals', 'approve', 'x')), 'blocked_commands', 'astrid');
    expectDeny(await judge(cmd('astridd')), 'blocked_commands', 'astridd');
    expectDeny(await judge(cmd('/opt/astrid/bin/astrid-telegram')), 'blocked_commands', 'astrid-telegram');
    expectPass(await judge(cmd('astrid-docs')));
  });

  it('matches a path pattern against the resolved program path only', async () => {
    const rules: PolicyRules = { ...RULES, blocked_commands: ['/opt/tools/danger', '~/bin/*'] };
    expectDeny(await judge(cmd('/opt/tools/danger'), rules), 'blocked_commands', '/opt/tools/danger');
    expectDeny(
      await judge({ kind: 'execute_command', argv: ['../../opt/tools/danger'], cwd: '/srv/a' }, rules),
      'blocked_commands',
    );
    expectDeny(await judge(cmd(`${HOME}/bin/tool`), rules), 'blocked_commands', '~/bin/*');
    expectPass(await judge(cmd('/opt/tools/danger2'), rules));
  });
});

describe('denied_paths', () => {
  it('denies reads, writes and deletes under a denied glob, and the directory itself', async () => {
    expectDeny(await judge({ kind: 'file_read', path: '/etc/passwd' }), 'denied_paths', '/etc/**');
    expectDeny(await judge({ kind: 'file_read', path: '/etc' }), 'denied_paths', '/etc/**');
    expectDeny(await judge({ kind: 'file_write', path: `${HOME}/.ssh/authorized_keys` }), 'denied_paths');
    expectDeny(
      await judge({ kind: 'file_read', path: `${ASTRID_HOME}/daemon.json` }),
      'denied_paths',
      `${ASTRID_HOME}/**`,
    );
    expectDeny(
      await judge({ kind: 'capsule_file_access', capsule: 'c', path: `${ASTRID_HOME}/keys/k`, mode: 'read' }),
      'denied_paths',
    );
  });

  it('near misses: a sibling with a common prefix is not denied', async () => {
    expectPass(await judge({ kind: 'file_read', path: '/etcetera/passwd' }));
    expectPass(await judge({ kind: 'file_read', path: `${HOME}/.sshx/key` }));
    expectPass(await judge({ kind: 'file_read', path: `${HOME}/.astrid-notes` }));
  });

  it('denies deleting an ancestor of a denied path (deleting ~ removes ~/.ssh)', async () => {
    expectDeny(await judge({ kind: 'file_delete', path: HOME }), 'denied_paths');
    expectDeny(await judge({ kind: 'file_delete', path: '/' }), 'denied_paths');
    expectPass(await judge({ kind: 'file_delete', path: `${W}/tmp` }));
    expectPass(await judge({ kind: 'file_read', path: HOME }));
  });

  it('expands ~ in configured patterns', async () => {
    const rules: PolicyRules = { ...RULES, denied_paths: ['~/secrets/**'] };
    expectDeny(
      await judge({ kind: 'file_read', path: `${HOME}/secrets/a` }, rules),
      'denied_paths',
      '~/secrets/**',
    );
    expectPass(await judge({ kind: 'file_read', path: `${HOME}/secretsx/a` }, rules));
  });
});

describe('write_denied_in_workspace', () => {
  it('denies writes and deletes of protected workspace files but allows reading them', async () => {
    expectDeny(
      await judge({ kind: 'file_write', path: `${W}/.git/hooks/pre-commit` }),
      'write_denied_in_workspace',
      '.git/hooks/**',
    );
    expectDeny(
      await judge({ kind: 'file_write', path: `${W}/.git/config` }),
      'write_denied_in_workspace',
      '.git/config',
    );
    expectDeny(
      await judge({ kind: 'file_delete', path: `${W}/.astrid` }),
      'write_denied_in_workspace',
      '.astrid/**',
    );
    expectDeny(await judge({ kind: 'file_delete', path: W }), 'write_denied_in_workspace');
    expectPass(await judge({ kind: 'file_read', path: `${W}/.git/hooks/pre-commit` }));
  });

  it('near misses: similar names, and the same names outside the workspace root', async () => {
    expectPass(await judge({ kind: 'file_write', path: `${W}/.gitx/hooks/a` }));
    expectPass(await judge({ kind: 'file_write', path: `${W}/.git/config.bak` }));
    expectPass(await judge({ kind: 'file_write', path: `${W}/docs/.git/config` }));
    expectPass(await judge({ kind: 'file_write', path: '/srv/other/.astrid/config.toml' }));
  });
});

describe('denied_hosts', () => {
  it('denies every spelling of a denied address', async () => {
    for (const host of [
      '127.0.0.1',
      '2130706433',
      '0x7f.1',
      '0177.0.0.1',
      '127.1',
      '[::ffff:127.0.0.1]',
      '::ffff:7f00:1',
      '64:ff9b::7f00:1',
      '::1',
      '[::1]',
      '0.0.0.0',
      '169.254.169.254',
      '0xa9fea9fe',
      'fd00:ec2::254',
      '10.20.30.40',
      '172.31.255.255',
      '192.168.0.1',
      '100.100.100.200',
      'LOCALHOST.',
      'api.localhost',
      'metadata.google.internal',
    ]) {
      expectDeny(await judge({ kind: 'network_request', host, port: 80, method: 'GET' }), 'denied_hosts');
    }
  });

  it('near misses: public neighbours of private ranges pass', async () => {
    for (const host of [
      '172.32.0.1',
      '100.128.0.1',
      '11.0.0.1',
      '192.169.0.1',
      '8.8.8.8',
      '2606:4700::1111',
      'example.com',
    ]) {
      expectPass(await judge({ kind: 'network_request', host, port: 443, method: 'GET' }));
    }
  });

  it('checks every resolved address, so a name pointing inside is denied', async () => {
    expectDeny(
      await judge({ kind: 'network_request', host: 'internal.example.com', port: 443, method: 'GET' }),
      'denied_hosts',
      '10.0.0.0/8',
    );
    expectDeny(
      await judge({ kind: 'network_request', host: 'rebind.example.com', port: 443, method: 'GET' }),
      'denied_hosts',
    );
    expectDeny(
      await judge({ kind: 'transmit_data', host: 'ip6-local.example.com', port: 9, bytes: 1 }),
      'denied_hosts',
      '::1/128',
    );
    expectDeny(
      await judge({
        kind: 'capsule_http_request',
        capsule: 'c',
        host: 'internal.example.com',
        port: 80,
        method: 'GET',
      }),
      'denied_hosts',
    );
  });

  it('a name that does not resolve passes as unresolved, never as clean', async () => {
    const v = await judge({ kind: 'network_request', host: 'nothing.invalid', port: 443, method: 'GET' });
    expect(v).toEqual({ verdict: 'pass', unresolved: [expect.stringMatching(/does not resolve/)] });
  });

  it('uses the injected resolver and never resolves an address literal', async () => {
    const asked: string[] = [];
    const ctx = {
      ...CTX,
      resolveHost: async (h: string) => {
        asked.push(h);
        return stubResolve(h);
      },
    };
    await evaluatePolicy({ kind: 'network_request', host: '8.8.8.8', port: 53, method: 'GET' }, RULES, ctx);
    await evaluatePolicy(
      { kind: 'network_request', host: 'example.com', port: 443, method: 'GET' },
      RULES,
      ctx,
    );
    expect(asked).toEqual(['example.com']);
  });
});

describe('allowed_hosts', () => {
  const rules: PolicyRules = {
    ...RULES,
    allowed_hosts: ['api.github.com', '*.example.com', '140.82.112.0/20'],
  };

  it('allows listed names, subdomains of a wildcard and addresses in a listed range', async () => {
    expectPass(
      await judge({ kind: 'network_request', host: 'api.github.com', port: 443, method: 'GET' }, rules),
    );
    expectPass(
      await judge({ kind: 'network_request', host: 'www.example.com', port: 443, method: 'GET' }, rules),
    );
    expectPass(
      await judge({ kind: 'network_request', host: '140.82.112.3', port: 443, method: 'GET' }, rules),
    );
    // github.com is not listed, but every address it resolves to is in the allowed range.
    expectPass(await judge({ kind: 'network_request', host: 'github.com', port: 443, method: 'GET' }, rules));
  });

  it('denies anything not listed, including the apex of a wildcard', async () => {
    expectDeny(
      await judge({ kind: 'network_request', host: 'example.com', port: 443, method: 'GET' }, rules),
      'allowed_hosts',
    );
    expectDeny(
      await judge({ kind: 'network_request', host: 'evil.test', port: 443, method: 'GET' }, rules),
      'allowed_hosts',
    );
    expectDeny(
      await judge(
        { kind: 'network_request', host: 'x.invalid', port: 443, method: 'GET' },
        { ...RULES, allowed_hosts: [] },
      ),
      'allowed_hosts',
    );
  });

  it('never lets an allowed name reach a denied address', async () => {
    const r: PolicyRules = { ...RULES, allowed_hosts: ['internal.example.com'] };
    expectDeny(
      await judge({ kind: 'network_request', host: 'internal.example.com', port: 443, method: 'GET' }, r),
      'denied_hosts',
    );
  });
});

describe('max_argument_bytes', () => {
  it('denies an action over the limit and passes one just under it', async () => {
    const rules: PolicyRules = { ...RULES, max_argument_bytes: 1000 };
    const big = cmd('echo', 'x'.repeat(1000));
    const small = cmd('echo', 'x'.repeat(900));
    expectDeny(await judge(big, rules), 'max_argument_bytes', '1000');
    expectPass(await judge(small, rules));
    expectDeny(
      await judge({ kind: 'mcp_tool_call', server: 's', tool: 't', args: { blob: 'y'.repeat(2000) } }, rules),
      'max_argument_bytes',
    );
  });

  it('denies a 2 MiB argument by default, before parsing it', async () => {
    const arg = 'a'.repeat(2 * 1024 * 1024);
    expectDeny(await judge(cmd('echo', arg)), 'max_argument_bytes', String(1024 * 1024));
    const v = await evaluateCommandPolicy(`printf %s ${arg}`, RULES, CTX);
    expectDeny(v, 'max_argument_bytes');
    expect(v.analysis.commands).toEqual([]);
  });
});

describe('boundaries', () => {
  it('rejects invalid actions, rules and contexts with errors naming them', async () => {
    await expect(
      evaluatePolicy({ kind: 'file_read', path: 'relative' } as SensitiveAction, RULES, CTX),
    ).rejects.toSatisfy((e) => isAstridError(e, 'INVALID_ACTION'));
    await expect(
      judge({ kind: 'file_read', path: '/x' }, { ...RULES, denied_paths: ['relative/**'] }),
    ).rejects.toThrow(RangeError);
    await expect(
      judge(
        { kind: 'network_request', host: 'x.com', port: 1, method: 'GET' },
        { ...RULES, denied_hosts: ['10.0.0.0/99'] },
      ),
    ).rejects.toThrow(/10\.0\.0\.0\/99/);
    await expect(
      evaluatePolicy({ kind: 'file_read', path: '/x' }, RULES, { workspaceRoot: 'ws' }),
    ).rejects.toThrow(/workspaceRoot/);
    await expect(evaluateCommandPolicy(42 as unknown as string, RULES, CTX)).rejects.toThrow(TypeError);
    expect(() => DEFAULT_POLICY_RULES('home', '/x')).toThrow(/home/);
  });

  it('passes actions the policy has no rule for', async () => {
    expectPass(await judge({ kind: 'llm_request', provider: 'anthropic', model: 'm' }));
    expectPass(
      await judge({ kind: 'capability_grant', subject: 's', resources: ['file:///x'], scope: 'session' }),
    );
  });
});

describe('createPolicyStage', () => {
  it('adapts verdicts to the interceptor: a string rule id on deny, notes passed through', async () => {
    const stage = createPolicyStage(RULES, { home: HOME, resolveHost: stubResolve });
    expect(await stage.evaluate(cmd('sudo', 'id'), { workspaceRoot: W })).toEqual({
      verdict: 'deny',
      rule: 'blocked_commands:sudo',
      reason: expect.stringContaining('sudo'),
    });
    expect(await stage.evaluate(cmd('python3', '-c', 'print(1)'), { workspaceRoot: W })).toMatchObject({
      verdict: 'pass',
      unresolved: [expect.stringContaining('inline code')],
    });
    expect(await stage.evaluate({ kind: 'file_read', path: `${W}/a` }, { workspaceRoot: W })).toEqual({
      verdict: 'pass',
    });
  });

  it('parses every action it is given, except the one the interceptor marked, and only once', async () => {
    const stage = createPolicyStage(RULES, { home: HOME, resolveHost: stubResolve });
    const invalid = { kind: 'file_read', path: 'relative' } as unknown as SensitiveAction;
    await expect(stage.evaluate(invalid, { workspaceRoot: W })).rejects.toMatchObject({
      code: 'INVALID_ACTION',
    });
    // A marked (already parsed) action is judged as it is; the mark is consumed by that call.
    const action = { kind: 'file_write', path: `${W}/.git/hooks/pre-commit` } as SensitiveAction;
    expect(await stage.evaluate(markParsed(action), { workspaceRoot: W })).toMatchObject({ verdict: 'deny' });
    expect(takeParsedMark(action)).toBe(false);
    // The same object changed afterwards is parsed again on the next call, so the change cannot
    // ride on the old mark.
    (action as { path: string }).path = 'relative/again';
    await expect(stage.evaluate(action, { workspaceRoot: W })).rejects.toMatchObject({
      code: 'INVALID_ACTION',
    });
  });
});
