import { appendFileSync, existsSync } from 'node:fs';
import { link, open, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApprovalRequest } from '@astrid/approval';
import { blake3Hex } from '@astrid/crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invokeTool } from '../src/invoke.js';
import { createEditFileTool } from '../src/tools/edit-file.js';
import { createWriteFileTool } from '../src/tools/write-file.js';
import { makeHarness, type ToolHarness } from './helpers/harness.js';

let h: ToolHarness;
const write = createWriteFileTool();
const edit = createEditFileTool();
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(async () => {
  await h.close();
});

const writeRequests = () => h.requests.filter((r) => r.action.kind === 'file_write');
function diffOf(r: ApprovalRequest | undefined) {
  if (r?.preview.kind !== 'diff') throw new Error('expected a diff preview');
  return r.preview;
}

describe('write_file', () => {
  it('creates a file and its parents; the approval shows a diff from /dev/null bound to no base', async () => {
    const out = await invokeTool(write, { path: 'a/b/new.txt', content: 'hello\n' }, h.ctx());
    expect(out).toMatchObject({ content: 'Created a/b/new.txt (6 bytes) (created 2 directories)' });
    expect(await readFile(join(h.ws, 'a/b/new.txt'), 'utf8')).toBe('hello\n');
    expect(await readdir(join(h.ws, 'a/b'))).toEqual(['new.txt']);
    const [req] = writeRequests();
    expect(req?.action).toEqual({
      kind: 'file_write',
      path: join(h.ws, 'a/b/new.txt'),
      contentHash: blake3Hex('hello\n'),
      bytes: 6,
    });
    const preview = diffOf(req);
    expect(preview.baseHash).toBeNull();
    expect(preview.diff).toContain('--- /dev/null');
    expect(preview.diff).toContain('+hello');
  });

  it('replaces atomically: a new inode renamed into place, the old one intact for open readers', async () => {
    const path = join(h.ws, 'f.txt');
    await writeFile(path, 'old content\n');
    const before = await stat(path);
    const reader = await open(path, 'r');
    const out = await invokeTool(write, { path: 'f.txt', content: 'new content\n' }, h.ctx());
    expect(out.content).toBe('Overwrote f.txt (12 bytes)');
    expect((await stat(path)).ino).not.toBe(before.ino);
    expect((await reader.readFile('utf8')).toString()).toBe('old content\n');
    await reader.close();
    expect(await readFile(path, 'utf8')).toBe('new content\n');
    expect(await readdir(h.ws)).toEqual(['f.txt']);
    const preview = diffOf(writeRequests()[0]);
    expect(preview.baseHash).toBe(blake3Hex('old content\n'));
    expect(preview.diff).toContain('-old content');
    expect(preview.diff).toContain('+new content');
  });

  it('refuses to replace a hard-linked file (nlink > 1), leaving both names unchanged', async () => {
    await writeFile(join(h.outside, 'target.txt'), 'outside');
    await link(join(h.outside, 'target.txt'), join(h.ws, 'hard.txt'));
    const out = await invokeTool(write, { path: 'hard.txt', content: 'evil' }, h.ctx());
    expect(out.isError).toBe(true);
    expect(out.content).toContain('2 hard links');
    expect(await readFile(join(h.outside, 'target.txt'), 'utf8')).toBe('outside');
    expect(await readFile(join(h.ws, 'hard.txt'), 'utf8')).toBe('outside');
  });

  it('never creates directories outside the workspace, even for an approved outside write', async () => {
    await symlink(h.outside, join(h.ws, 'out'));
    const out = await invokeTool(write, { path: 'out/new/x.txt', content: 'x' }, h.ctx());
    expect(out.isError).toBe(true);
    expect(out.content).toContain('outside the workspace');
    expect(existsSync(join(h.outside, 'new'))).toBe(false);
  });

  it('is denied by the policy for protected workspace files (.git/hooks)', async () => {
    const out = await invokeTool(write, { path: '.git/hooks/pre-commit', content: 'curl x | sh' }, h.ctx());
    expect(out.content).toMatch(/^POLICY_DENIED: /);
    expect(existsSync(join(h.ws, '.git'))).toBe(false);
  });

  it('asks again when the file changed after the diff was computed', async () => {
    const path = join(h.ws, 'f.txt');
    await writeFile(path, 'v1\n');
    let asked = 0;
    h.answer = (r) => {
      // Someone edits the file while the first approval card is on screen.
      if (r.action.kind === 'file_write' && ++asked === 1) appendFileSync(path, 'someone else\n');
      return { decision: 'allow_once' };
    };
    const out = await invokeTool(write, { path: 'f.txt', content: 'mine\n' }, h.ctx());
    expect(out.content).toBe('Overwrote f.txt (5 bytes)');
    const reqs = writeRequests();
    expect(reqs).toHaveLength(2);
    expect(diffOf(reqs[0]).baseHash).toBe(blake3Hex('v1\n'));
    expect(diffOf(reqs[1]).baseHash).toBe(blake3Hex('v1\nsomeone else\n'));
    expect(diffOf(reqs[1]).diff).toContain('-someone else');
  });
});

describe('edit_file', () => {
  it('replaces a unique old_string and returns the unified diff', async () => {
    await writeFile(join(h.ws, 'code.ts'), 'const a = 1;\nconst b = 2;\n');
    const out = await invokeTool(
      edit,
      { path: 'code.ts', old_string: 'b = 2', new_string: 'b = 3' },
      h.ctx(),
    );
    expect(out.isError).toBeUndefined();
    expect(out.content).toContain('Edited code.ts');
    expect(out.content).toContain('-const b = 2;');
    expect(out.content).toContain('+const b = 3;');
    expect(await readFile(join(h.ws, 'code.ts'), 'utf8')).toBe('const a = 1;\nconst b = 3;\n');
    const preview = diffOf(writeRequests()[0]);
    expect(preview.baseHash).toBe(blake3Hex('const a = 1;\nconst b = 2;\n'));
    expect(writeRequests()[0]?.action).toMatchObject({
      contentHash: blake3Hex('const a = 1;\nconst b = 3;\n'),
    });
  });

  it('names the count when old_string is missing or not unique, and replace_all replaces every one', async () => {
    await writeFile(join(h.ws, 'x.txt'), 'foo bar foo\n');
    const none = await invokeTool(edit, { path: 'x.txt', old_string: 'baz', new_string: 'q' }, h.ctx());
    expect(none).toMatchObject({ isError: true });
    expect(none.content).toContain('0 matches');
    const two = await invokeTool(edit, { path: 'x.txt', old_string: 'foo', new_string: 'q' }, h.ctx());
    expect(two.content).toContain('occurs 2 times');
    expect(await readFile(join(h.ws, 'x.txt'), 'utf8')).toBe('foo bar foo\n');
    expect(writeRequests()).toHaveLength(0);
    const all = await invokeTool(
      edit,
      { path: 'x.txt', old_string: 'foo', new_string: '$&q', replace_all: true },
      h.ctx(),
    );
    expect(all.isError).toBeUndefined();
    // new_string is literal text: `$&` is not a replacement pattern here.
    expect(await readFile(join(h.ws, 'x.txt'), 'utf8')).toBe('$&q bar $&q\n');
  });

  it('asks again when the file changed between the approval card and execution', async () => {
    const path = join(h.ws, 'f.txt');
    await writeFile(path, 'alpha\nbeta\n');
    let asked = 0;
    h.answer = (r) => {
      if (r.action.kind === 'file_write' && ++asked === 1) appendFileSync(path, 'someone else\n');
      return { decision: 'allow_once' };
    };
    const out = await invokeTool(edit, { path: 'f.txt', old_string: 'beta', new_string: 'gamma' }, h.ctx());
    expect(out.isError).toBeUndefined();
    expect(await readFile(path, 'utf8')).toBe('alpha\ngamma\nsomeone else\n');
    const reqs = writeRequests();
    expect(reqs).toHaveLength(2);
    expect(diffOf(reqs[0]).baseHash).toBe(blake3Hex('alpha\nbeta\n'));
    expect(diffOf(reqs[1]).baseHash).toBe(blake3Hex('alpha\nbeta\nsomeone else\n'));
    // The first, stale approval was consumed without writing: its result is a failure.
    const results = (await h.entries()).filter((e) => e.kind === 'result' && e.action?.kind === 'file_write');
    expect(results.map((e) => e.outcome?.status)).toEqual(['failure', 'success']);
  });

  it('gives up after 3 attempts when the file keeps changing, and never writes', async () => {
    const path = join(h.ws, 'f.txt');
    await writeFile(path, 'beta\n');
    h.answer = (r) => {
      if (r.action.kind === 'file_write') appendFileSync(path, 'someone else\n');
      return { decision: 'allow_once' };
    };
    const out = await invokeTool(edit, { path: 'f.txt', old_string: 'beta', new_string: 'gamma' }, h.ctx());
    expect(out).toMatchObject({ isError: true, meta: { code: 'STALE_BASE', attempts: 3 } });
    expect(await readFile(path, 'utf8')).toBe(`beta\n${'someone else\n'.repeat(3)}`);
  });

  it('reads the file through the interceptor: in safe mode a denied read means no match count leaks', async () => {
    await h.close();
    h = await makeHarness({ mode: 'safe' });
    await writeFile(join(h.ws, '.env'), 'API_KEY=sk-secret\n');
    h.answer = (r) =>
      r.action.kind === 'file_read' ? { decision: 'deny', reason: 'no peeking' } : { decision: 'allow_once' };
    const guess = await invokeTool(
      edit,
      { path: '.env', old_string: 'API_KEY=sk-s', new_string: 'x' },
      h.ctx(),
    );
    expect(guess).toMatchObject({
      isError: true,
      content: 'APPROVAL_DENIED: the user denied this: no peeking',
    });
    expect(writeRequests()).toHaveLength(0);
  });
});
