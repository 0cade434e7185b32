import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invokeTool } from '../src/invoke.js';
import { createGlobTool, GLOB_MAX_RESULTS } from '../src/tools/glob.js';
import { createGrepTool } from '../src/tools/grep.js';
import { createListDirectoryTool } from '../src/tools/list-directory.js';
import { makeHarness, type ToolHarness } from './helpers/harness.js';

let h: ToolHarness;
const glob = createGlobTool();
const grep = createGrepTool({ regexTimeoutMs: 200 });
const list = createListDirectoryTool();
beforeEach(async () => {
  h = await makeHarness();
  // The attack fixture: links from the workspace to ~/.ssh and to a directory outside.
  await symlink(join(h.home, '.ssh'), join(h.ws, 'link'));
  await writeFile(join(h.outside, 'secret.txt'), 'PRIVATE KEY outside\n');
  await symlink(h.outside, join(h.ws, 'out'));
  await symlink(join(h.outside, 'secret.txt'), join(h.ws, 'secret-link.txt'));
});
afterEach(async () => {
  await h.close();
});

describe('glob', () => {
  it('lists matches newest first, relative to the workspace root', async () => {
    await mkdir(join(h.ws, 'src'));
    for (const [name, t] of [
      ['src/old.ts', 1_000],
      ['src/new.ts', 3_000],
      ['mid.ts', 2_000],
    ] as const) {
      await writeFile(join(h.ws, name), name);
      await utimes(join(h.ws, name), t, t);
    }
    const out = await invokeTool(glob, { pattern: '**/*.ts' }, h.ctx());
    expect(out.content).toBe('src/new.ts\nmid.ts\nsrc/old.ts');
  });

  it(`caps the results at ${GLOB_MAX_RESULTS} and says it truncated`, async () => {
    await mkdir(join(h.ws, 'many'));
    await Promise.all(Array.from({ length: 205 }, (_, i) => writeFile(join(h.ws, 'many', `f${i}.txt`), '')));
    const out = await invokeTool(glob, { pattern: 'many/*.txt' }, h.ctx());
    expect(out.content.split('\n')).toHaveLength(GLOB_MAX_RESULTS + 1);
    expect(out.content).toContain(`[truncated: showing ${GLOB_MAX_RESULTS} of 205 files`);
  });

  it('never follows a symlink out of the workspace (ws/link -> outside dir, ws/out -> outside dir)', async () => {
    await writeFile(join(h.ws, 'inside.txt'), 'x');
    const out = await invokeTool(glob, { pattern: '**/*' }, h.ctx());
    expect(out.content).toBe('inside.txt');
  });

  it('refuses patterns that climb out of the search root', async () => {
    const up = await invokeTool(glob, { pattern: '../outside/*' }, h.ctx());
    expect(up).toMatchObject({ isError: true });
    expect(up.content).toContain('".." segments');
    const abs = await invokeTool(glob, { pattern: `${h.outside}/*` }, h.ctx());
    expect(abs.content).toContain('must be relative');
  });
});

describe('grep', () => {
  it('finds nothing through ws/link -> ~/.ssh (grep for PRIVATE KEY)', async () => {
    const out = await invokeTool(grep, { pattern: 'PRIVATE KEY' }, h.ctx());
    expect(out.content).toContain('No matches');
    expect(out.content).not.toContain('id_rsa');
    expect(out.meta).toMatchObject({ matches: 0 });
  });

  it('searching the link itself is a read of ~/.ssh, which the policy denies', async () => {
    const out = await invokeTool(grep, { pattern: 'PRIVATE KEY', path: 'link' }, h.ctx());
    expect(out.content).toMatch(/^POLICY_DENIED: /);
  });

  it('prints path:line:text with context, case-insensitively, filtered by glob', async () => {
    await mkdir(join(h.ws, 'src'));
    await writeFile(
      join(h.ws, 'src', 'a.ts'),
      'one\ntwo\nNeedle here\nfour\nfive\nsix\nseven\nneedle again\n',
    );
    await writeFile(join(h.ws, 'src', 'b.md'), 'needle in markdown\n');
    const out = await invokeTool(
      grep,
      { pattern: 'needle', case_insensitive: true, glob: '*.ts', context: 1 },
      h.ctx(),
    );
    expect(out.content).toBe(
      [
        'src/a.ts-2-two',
        'src/a.ts:3:Needle here',
        'src/a.ts-4-four',
        '--',
        'src/a.ts-7-seven',
        'src/a.ts:8:needle again',
        '[2 matching lines in 1 files]',
      ].join('\n'),
    );
  });

  it('skips binary files and .git, and stops at max_results', async () => {
    await mkdir(join(h.ws, '.git'));
    await writeFile(join(h.ws, '.git', 'config'), 'hit\n');
    await writeFile(join(h.ws, 'bin.dat'), Buffer.from('hit\n\0\0\0'));
    await writeFile(join(h.ws, 'many.txt'), 'hit\n'.repeat(10));
    const out = await invokeTool(grep, { pattern: 'hit', max_results: 3 }, h.ctx());
    expect(out.content.split('\n').slice(0, 3)).toEqual([
      'many.txt:1:hit',
      'many.txt:2:hit',
      'many.txt:3:hit',
    ]);
    expect(out.content).toContain('stopped at max_results=3');
    expect(out.content).toContain('1 binary files skipped');
    expect(out.content).not.toContain('.git');
  });

  it('refuses an invalid regex, naming the field', async () => {
    const out = await invokeTool(grep, { pattern: '(unclosed' }, h.ctx());
    expect(out).toMatchObject({ isError: true });
    expect(out.content).toContain('"pattern" is not a valid regular expression');
  });

  it('stops a catastrophically backtracking pattern instead of freezing the daemon', async () => {
    await writeFile(join(h.ws, 'evil.txt'), `${'a'.repeat(40)}!\n`);
    const out = await invokeTool(grep, { pattern: '^(a+)+$' }, h.ctx());
    expect(out).toMatchObject({ isError: true });
    expect(out.content).toContain('backtrack catastrophically');
  });

  it('does not test lines longer than 10,000 characters', async () => {
    await writeFile(join(h.ws, 'wide.txt'), `${'x'.repeat(20_000)}needle\nneedle short\n`);
    const out = await invokeTool(grep, { pattern: 'needle' }, h.ctx());
    expect(out.content).toBe('wide.txt:2:needle short\n[1 matching lines in 1 files]');
  });
});

describe('list_directory', () => {
  it('shows type and size, a link inside with its target, a link outside without it', async () => {
    await mkdir(join(h.ws, 'sub'));
    await writeFile(join(h.ws, 'file.txt'), 'hello');
    await symlink('file.txt', join(h.ws, 'alias.txt'));
    const out = await invokeTool(list, {}, h.ctx());
    expect(out.content.split('\n')).toEqual([
      '.: 6 entries',
      '[link] alias.txt -> file.txt',
      '[file] file.txt (5 bytes)',
      '[link] link -> (a link that leaves the workspace)',
      '[link] out -> (a link that leaves the workspace)',
      '[link] secret-link.txt -> (a link that leaves the workspace)',
      '[dir]  sub/',
    ]);
    expect(out.content).not.toContain(h.outside);
    expect(out.content).not.toContain('.ssh');
  });

  it('listing through a link is a read of the real directory (outside: asked, never silently)', async () => {
    h.answer = () => ({ decision: 'deny' });
    const out = await invokeTool(list, { path: 'out' }, h.ctx());
    expect(out.content).toBe('APPROVAL_DENIED: the user denied this');
    expect(h.requests[0]?.action).toEqual({ kind: 'file_read', path: h.outside });
  });
});
