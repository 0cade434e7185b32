import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultMaskPaths, deniedPathMasks } from '../src/masks.js';
import { globFixedPrefix } from '../src/paths.js';

describe('globFixedPrefix', () => {
  it('keeps the segments before the first glob segment, with escapes removed', () => {
    expect(globFixedPrefix('/home/u/.ssh/**')).toBe('/home/u/.ssh');
    expect(globFixedPrefix('/home/u/.ssh')).toBe('/home/u/.ssh');
    expect(globFixedPrefix('/data/*/secret')).toBe('/data');
    expect(globFixedPrefix('/data/ke?s/x')).toBe('/data');
    expect(globFixedPrefix('/data/{a,b}')).toBe('/data');
    expect(globFixedPrefix('/data/[ab]')).toBe('/data');
    expect(globFixedPrefix('/home/a\\[1\\]/.ssh/**')).toBe('/home/a[1]/.ssh');
    expect(globFixedPrefix('/**')).toBe('/');
    expect(globFixedPrefix('/*.key')).toBe('/');
  });

  it('property: a fixed path followed by any glob tail gives back the fixed path', () => {
    const segment = fc.stringMatching(/^[a-zA-Z0-9._-]{1,8}$/);
    const tail = fc.constantFrom('**', '*', '*.pem', '?x', '[ab]', '{a,b}', '**/id_*');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), tail, (segments, glob) => {
        const fixed = `/${segments.join('/')}`;
        expect(globFixedPrefix(`${fixed}/${glob}`)).toBe(fixed);
        expect(globFixedPrefix(fixed)).toBe(fixed);
      }),
    );
  });
});

describe('deniedPathMasks', () => {
  it('expands ~, cuts globs to their fixed prefix, and skips what cannot be a mount', () => {
    const { paths, skipped } = deniedPathMasks(
      [
        '/etc/**',
        '/boot/**',
        '/sys/**',
        '~/.ssh/**',
        '~/.config/gh/**',
        '/srv/secrets/*.pem',
        '/**/id_rsa',
        'relative/**',
        '$ASTRID_HOME/**',
        '/usr/**',
      ],
      '/home/u/',
    );
    expect(paths).toEqual(['/boot', '/sys', '/home/u/.ssh', '/home/u/.config/gh', '/srv/secrets']);
    expect(skipped).toEqual([
      { pattern: '/etc/**', reason: '/etc is needed to run commands; only the policy checks it' },
      { pattern: '/**/id_rsa', reason: 'matches from the root; only the policy can check it' },
      { pattern: 'relative/**', reason: 'not an absolute path' },
      { pattern: '$ASTRID_HOME/**', reason: 'not an absolute path' },
      { pattern: '/usr/**', reason: '/usr is needed to run commands; only the policy checks it' },
    ]);
  });

  it('checks its arguments', () => {
    expect(() => deniedPathMasks(['/x'], 'home')).toThrow(RangeError);
    expect(() => deniedPathMasks('/x' as unknown as string[], '/h')).toThrow(TypeError);
  });
});

describe('defaultMaskPaths', () => {
  it('hides ASTRID_HOME, the credential stores of the issue, system secrets and the runtime dir', () => {
    const paths = defaultMaskPaths({ home: '/home/u', astridHome: '/home/u/.astrid', uid: 1000 });
    expect(paths).toEqual(
      expect.arrayContaining([
        '/home/u/.astrid',
        '/home/u/.ssh',
        '/home/u/.gnupg',
        '/home/u/.aws',
        '/home/u/.config/gh',
        '/etc/shadow',
        '/run/docker.sock',
        '/run/user/1000',
      ]),
    );
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('rejects a relative home or data dir', () => {
    expect(() => defaultMaskPaths({ home: 'u', astridHome: '/a' })).toThrow(RangeError);
    expect(() => defaultMaskPaths({ home: '/u', astridHome: '~/.astrid' })).toThrow(RangeError);
    expect(() => defaultMaskPaths({ home: '/u', astridHome: '/a', uid: -1 })).toThrow(RangeError);
  });
});
