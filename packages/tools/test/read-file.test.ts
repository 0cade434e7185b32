import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AstridError } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invokeTool } from '../src/invoke.js';
import { createReadFileTool, READ_DEFAULT_LINES, READ_MAX_BYTES } from '../src/tools/read-file.js';
import { makeHarness, type ToolHarness } from './helpers/harness.js';

let h: ToolHarness;
const tool = createReadFileTool();
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(async () => {
  await h.close();
});

const lines = (n: number, width = 0) =>
  Array.from({ length: n }, (_, i) => `line ${i + 1}${'x'.repeat(width)}`).join('\n');

describe('read_file', () => {
  it('numbers lines like cat -n, and pages with offset and limit', async () => {
    await writeFile(join(h.ws, 'a.txt'), lines(10));
    const all = await invokeTool(tool, { path: 'a.txt' }, h.ctx());
    expect(all.isError).toBeUndefined();
    expect(all.content.split('\n')[0]).toBe('     1\tline 1');
    expect(all.content.split('\n')).toHaveLength(10);
    const page = await invokeTool(tool, { path: 'a.txt', offset: 4, limit: 3 }, h.ctx());
    expect(page.content).toBe(
      '     4\tline 4\n     5\tline 5\n     6\tline 6\n[showing lines 4-6; the file goes on: use offset=7]',
    );
    const past = await invokeTool(tool, { path: 'a.txt', offset: 50 }, h.ctx());
    expect(past.content).toContain('has only 10 lines');
  });

  it(`shows at most ${READ_DEFAULT_LINES} lines by default and says how to go on`, async () => {
    await writeFile(join(h.ws, 'long.txt'), lines(2500));
    const out = await invokeTool(tool, { path: 'long.txt' }, h.ctx());
    const shown = out.content.split('\n');
    expect(shown).toHaveLength(READ_DEFAULT_LINES + 1);
    expect(shown.at(-2)).toBe(`  2000\tline 2000`);
    expect(shown.at(-1)).toContain('use offset=2001');
    expect(out.meta).toMatchObject({ truncated: true, lines: 2000 });
  });

  it(`returns at most ${READ_MAX_BYTES / 1024} KiB of text per call`, async () => {
    await writeFile(join(h.ws, 'wide.txt'), lines(400, 1000));
    const out = await invokeTool(tool, { path: 'wide.txt' }, h.ctx());
    const shownLines = out.content.split('\n').length - 1;
    expect(shownLines).toBeLessThan(400);
    expect(shownLines).toBeGreaterThan(200);
    expect(out.content).toContain(`use offset=${shownLines + 1}`);
  });

  it('cuts very long lines, shows an empty file as empty, and handles a last line without newline', async () => {
    await writeFile(join(h.ws, 'one.txt'), 'y'.repeat(5000));
    expect((await invokeTool(tool, { path: 'one.txt' }, h.ctx())).content).toContain(
      '[line cut: 5000 characters]',
    );
    await writeFile(join(h.ws, 'empty.txt'), '');
    expect((await invokeTool(tool, { path: 'empty.txt' }, h.ctx())).content).toBe('(empty.txt is empty)');
  });

  it('reads every line of files just under, at and over the 8 KiB sniff and the 64 KiB chunk', async () => {
    // A file shorter than the binary sniff is paged from the sniffed bytes; a longer one is
    // read again chunk by chunk: the numbered lines must be the same either way.
    for (const size of [8191, 8192, 8193, 65_535, 65_536, 65_537, 70_000]) {
      const text = Array.from({ length: size }, (_, i) => ((i + 1) % 100 === 0 ? '\n' : 'abcdefghij'[i % 10]))
        .join('')
        .slice(0, size);
      await writeFile(join(h.ws, 'sized.txt'), text);
      const out = await invokeTool(tool, { path: 'sized.txt', limit: 100_000 }, h.ctx());
      expect(out.isError).toBeUndefined();
      const got = out.content.split('\n').map((l) => l.slice(l.indexOf('\t') + 1));
      expect(got.join('\n')).toBe(text.endsWith('\n') ? text.slice(0, -1) : text);
    }
  });

  it('refuses a binary file (a NUL byte in the first 8 KiB)', async () => {
    await writeFile(join(h.ws, 'bin.dat'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    const out = await invokeTool(tool, { path: 'bin.dat' }, h.ctx());
    expect(out.isError).toBe(true);
    expect(out.content).toContain('binary');
  });

  it('refuses a directory and a missing file with a readable message', async () => {
    await mkdir(join(h.ws, 'd'));
    expect((await invokeTool(tool, { path: 'd' }, h.ctx())).content).toContain('is a directory');
    const missing = await invokeTool(tool, { path: 'nope.txt' }, h.ctx());
    expect(missing).toMatchObject({ isError: true, content: 'ENOENT: no such file or directory' });
  });

  it('names the real file in the action: a link to ~/.ssh is denied by the policy', async () => {
    await symlink(join(h.home, '.ssh'), join(h.ws, 'keys'));
    const out = await invokeTool(tool, { path: 'keys/id_rsa' }, h.ctx());
    expect(out.isError).toBe(true);
    expect(out.content).toMatch(/^POLICY_DENIED: /);
    expect(out.content).not.toContain('PRIVATE KEY');
  });

  it('re-checks at execution: a file swapped for a symlink after approval is refused', async () => {
    await writeFile(join(h.ws, 'a.txt'), 'inside');
    await writeFile(join(h.outside, 'secret.txt'), 'outside secret');
    const { input, plan, auths } = await h.authorize(tool, { path: 'a.txt' });
    await rm(join(h.ws, 'a.txt'));
    await symlink(join(h.outside, 'secret.txt'), join(h.ws, 'a.txt'));
    await expect(tool.run(input, plan, auths, h.ctx())).rejects.toThrow(/symbolic link/);
  });

  it('re-checks at execution: a parent directory swapped for a symlink is caught by the descriptor', async () => {
    await mkdir(join(h.ws, 'd'));
    await writeFile(join(h.ws, 'd', 'a.txt'), 'inside');
    await writeFile(join(h.outside, 'a.txt'), 'outside secret');
    const { input, plan, auths } = await h.authorize(tool, { path: 'd/a.txt' });
    await rename(join(h.ws, 'd'), join(h.ws, 'd-old'));
    await symlink(h.outside, join(h.ws, 'd'));
    await expect(tool.run(input, plan, auths, h.ctx())).rejects.toThrow(/replaced after it was approved/);
  });

  it('re-runs the policy at execution time', async () => {
    await writeFile(join(h.ws, 'a.txt'), 'inside');
    const ctx = h.ctx({
      recheckPolicy: async () => {
        throw new AstridError('POLICY_DENIED', 'the admin denied this since');
      },
    });
    const out = await invokeTool(tool, { path: 'a.txt' }, ctx);
    expect(out).toMatchObject({ isError: true, content: 'POLICY_DENIED: the admin denied this since' });
  });
});
