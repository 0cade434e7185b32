import { realpathSync } from 'node:fs';
import { lstat, mkdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, relative } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkspaceBoundary } from '../src/index.js';
import { makeScratch, type Scratch } from './helpers.js';

// A tree where every directory has `a`, `b` (to depth 2), a `link-in` pointing somewhere in the
// workspace and a `link-out` pointing outside; the outside tree links back in. Targets
// alternate between absolute and relative so both kinds of link are exercised, and the
// boundary is opened through a symlinked alias of the root.
let s: Scratch;
let b: WorkspaceBoundary;
// The same boundary without the realpath(3) fast path: every path takes the component walk.
let walkOnly: WorkspaceBoundary;

async function addLinks(
  dir: string,
  inTarget: string,
  outTarget: string,
  relativeLinks: boolean,
): Promise<void> {
  const spell = (target: string): string => (relativeLinks ? relative(dir, target) || '.' : target);
  await symlink(spell(inTarget), join(dir, 'link-in'));
  await symlink(spell(outTarget), join(dir, 'link-out'));
}

beforeAll(async () => {
  s = await makeScratch();
  const dirs = ['a', 'b', 'a/a', 'a/b', 'b/a', 'b/b'];
  for (const d of dirs) {
    await mkdir(join(s.ws, d), { recursive: true });
    await mkdir(join(s.outside, d), { recursive: true });
  }
  const wsDirs = [s.ws, ...dirs.map((d) => join(s.ws, d))];
  for (const [i, dir] of wsDirs.entries()) {
    await addLinks(
      dir,
      join(s.ws, i % 2 === 0 ? 'b' : 'a/b'),
      i % 3 === 0 ? s.outside : join(s.outside, 'a'),
      i % 2 === 1,
    );
  }
  // Outside: link-in returns into the workspace, link-out climbs further up (to the scratch base).
  for (const [i, dir] of [s.outside, join(s.outside, 'a'), join(s.outside, 'b')].entries()) {
    await addLinks(dir, join(s.ws, 'a'), s.base, i % 2 === 0);
  }
  // A regular file `f` in some directories (so `f/x` meets ENOTDIR), and the segment `new`
  // never exists: the one-round fast path (real parent + lstat) sees every shape it handles.
  for (const dir of [s.ws, join(s.ws, 'a'), join(s.outside, 'b')]) await writeFile(join(dir, 'f'), 'x');
  const alias = join(s.base, 'root-alias');
  await symlink(s.ws, alias);
  b = await s.boundary({}, alias);
  walkOnly = await s.boundary(
    { fs: { lstat: (p) => lstat(p), readlink: (p) => readlink(p, 'utf8') } },
    alias,
  );
});

afterAll(async () => {
  await s.cleanup();
});

/** The kernel's answer: native realpath of the deepest existing lexical ancestor, tail re-appended. */
function oracle(lexical: string, followFinal: boolean): string {
  if (!followFinal && lexical !== '/') {
    const parent = oracle(dirname(lexical), true);
    return posix.join(parent, basename(lexical));
  }
  const tail: string[] = [];
  let p = lexical;
  for (;;) {
    try {
      return posix.join(realpathSync.native(p), ...tail);
    } catch {
      tail.unshift(basename(p));
      p = dirname(p);
    }
  }
}

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

describe('property: inside only if the real path is under the real root', () => {
  it('holds for random relative paths over {a, b, .., ., link-out, link-in, f, new}', async () => {
    const segment = fc.constantFrom('a', 'b', '..', '.', 'link-out', 'link-in', 'f', 'new');
    const seen = { inside: 0, outside: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 10 }),
        fc.constantFrom('read', 'write', 'delete', 'list') as fc.Arbitrary<
          'read' | 'write' | 'delete' | 'list'
        >,
        async (segs, op) => {
          const raw = segs.join('/');
          const lexical = posix.resolve(b.root, raw);
          const last = segs[segs.length - 1];
          const followFinal = op !== 'delete' || last === '.' || last === '..';
          const expected = oracle(lexical, followFinal);
          const result = await b.check(raw, op);
          expect(result.realPath).toBe(expected);
          expect(result.kind === 'inside').toBe(under(expected, s.ws));
          expect(result.kind).not.toBe('never');
          expect(await walkOnly.check(raw, op)).toEqual(result);
          seen[result.kind === 'inside' ? 'inside' : 'outside'] += 1;
        },
      ),
      { numRuns: 400, seed: 0x5eed },
    );
    // Not vacuous: both answers occur often in the sampled space.
    expect(seen.inside).toBeGreaterThan(40);
    expect(seen.outside).toBeGreaterThan(40);
  });
});
