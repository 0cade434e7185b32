import { describe, expect, it } from 'vitest';
import { compileGlob } from '../src/index.js';

const cases: [pattern: string, path: string, matches: boolean][] = [
  ['/a/**', '/a', true],
  ['/a/**', '/a/b/c', true],
  ['/a/**', '/ab', false],
  ['/a/**', '/b/a', false],
  ['/a/', '/a/x', true],
  ['/a/', '/a', true],
  ['/**/.env', '/.env', true],
  ['/**/.env', '/x/y/.env', true],
  ['/**/.env', '/x/y/.envrc', false],
  ['/w/*.pem', '/w/k.pem', true],
  ['/w/*.pem', '/w/.hidden.pem', true],
  ['/w/*.pem', '/w/d/k.pem', false],
  ['/w/?.txt', '/w/a.txt', true],
  ['/w/?.txt', '/w/ab.txt', false],
  ['/w/?.txt', '/w//.txt', false],
  ['/etc/shadow', '/etc/shadow', true],
  ['/etc/shadow', '/etc/shadow2', false],
  ['/etc/shadow', '/etc', false],
  ['/h/.ssh/**', '/h/.ssh', true],
  ['/h/.ssh/**', '/h/.sshx', false],
  ['/a.b', '/aXb', false],
  ['/a**b', '/axxb', true],
  ['/a**b', '/ax/xb', false],
  ['/**', '/', true],
  ['/**', '/any/thing', true],
  ['/a//b', '/a/b', true],
  ['/x/**/y/**', '/x/y', true],
  ['/x/**/y/**', '/x/1/2/y/3', true],
  ['/line', '/line\n', false],
];

describe('compileGlob', () => {
  it.each(cases)('%s against %s is %s', (pattern, path, matches) => {
    expect(compileGlob(pattern)(path)).toBe(matches);
  });

  it('refuses syntax it does not implement, relative patterns, and dot segments', () => {
    for (const bad of ['/a+b/(x)', '/{a,b}', '/[ab]', '/a\\*', 'rel/**', '/a/../b', '/a/./b', '/a\0']) {
      expect(() => compileGlob(bad)).toThrow(RangeError);
    }
    expect(() => compileGlob(3 as unknown as string)).toThrow(TypeError);
  });
});
