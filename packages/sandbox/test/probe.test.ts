import { describe, expect, it } from 'vitest';
import { probeSandbox, resolveSandbox, resolveSandboxMode, type SandboxProbe } from '../src/probe.js';
import { DEFAULT_BWRAP_PATH, type SandboxSetting } from '../src/types.js';

const works: SandboxProbe = { bwrapPath: DEFAULT_BWRAP_PATH, available: true };
const broken: SandboxProbe = {
  bwrapPath: '/nowhere/bwrap',
  available: false,
  reason: '/nowhere/bwrap not found',
};

describe('probeSandbox', () => {
  // CI installs bubblewrap; without it this fails, so the whole suite can never pass unsandboxed.
  it('bubblewrap is installed at /usr/bin/bwrap and a probe run with the real mounts works', async () => {
    expect(await probeSandbox()).toEqual({ bwrapPath: '/usr/bin/bwrap', available: true });
  });

  it('reports a missing binary with a reason naming it, and caches the answer per path', async () => {
    const first = probeSandbox({ bwrapPath: '/nonexistent/astrid/bwrap' });
    expect(probeSandbox({ bwrapPath: '/nonexistent/astrid/bwrap' })).toBe(first);
    const probe = await first;
    expect(probe.available).toBe(false);
    expect(probe.reason).toBe('/nonexistent/astrid/bwrap not found (install the bubblewrap package)');
  });

  it('reports a binary that is not bubblewrap with its first line of complaint', async () => {
    // /usr/bin/false exits 1 without a word: the reason is still not empty.
    const probe = await probeSandbox({ bwrapPath: '/usr/bin/false' });
    expect(probe.available).toBe(false);
    expect(probe.reason).toMatch(/\S/);
  });

  it('refuses a relative binary path (never a PATH lookup)', () => {
    expect(() => probeSandbox({ bwrapPath: 'bwrap' })).toThrow(RangeError);
  });
});

describe('resolveSandboxMode', () => {
  it('auto uses bubblewrap when the probe works', () => {
    expect(resolveSandboxMode('auto', works)).toEqual({ setting: 'auto', mode: 'bwrap', sandboxed: true });
  });

  it('auto without a working bubblewrap runs unsandboxed, with a warning that says so and why', () => {
    const r = resolveSandboxMode('auto', broken);
    expect(r).toMatchObject({ mode: 'none', sandboxed: false });
    expect(r.warning).toBe('commands run unsandboxed: bubblewrap is not usable (/nowhere/bwrap not found)');
    expect(r.refusal).toBeUndefined();
  });

  it('bwrap without a working bubblewrap is a refusal, and its mode never becomes none', () => {
    const r = resolveSandboxMode('bwrap', broken);
    expect(r).toMatchObject({ mode: 'bwrap', sandboxed: false });
    expect(r.refusal).toEqual({
      code: 'SANDBOX_UNAVAILABLE',
      message:
        '[tools.bash] sandbox = "bwrap" but bubblewrap cannot start (/nowhere/bwrap not found); commands are refused',
    });
  });

  it('bwrap with a working bubblewrap, and none whatever the probe says', () => {
    expect(resolveSandboxMode('bwrap', works)).toEqual({ setting: 'bwrap', mode: 'bwrap', sandboxed: true });
    for (const probe of [works, broken]) {
      expect(resolveSandboxMode('none', probe)).toMatchObject({ mode: 'none', sandboxed: false });
      expect(resolveSandboxMode('none', probe).warning).toContain('commands run unsandboxed');
    }
  });

  it('rejects an unknown setting', () => {
    expect(() => resolveSandboxMode('off' as SandboxSetting, works)).toThrow(RangeError);
  });
});

describe('resolveSandbox', () => {
  it('probes and resolves in one call, as the daemon does at start', async () => {
    expect(await resolveSandbox('auto')).toMatchObject({ mode: 'bwrap', sandboxed: true });
    const refused = await resolveSandbox('bwrap', { bwrapPath: '/nonexistent/astrid/bwrap' });
    expect(refused.refusal?.message).toContain('commands are refused');
    expect(await resolveSandbox('none', { bwrapPath: '/nonexistent/astrid/bwrap' })).toMatchObject({
      mode: 'none',
    });
  });
});
