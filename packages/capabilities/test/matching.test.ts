import type { SensitiveAction } from '@astrid/core';
import { describe, expect, it } from 'vitest';
import {
  actionResourceProblem,
  mintToken,
  resourceProblem,
  type TokenResource,
  type TokenResourceInput,
  TokenVerifier,
  TrustedKeys,
} from '../src/index.js';
import { compilePattern, hasWildcard, patternProblem } from '../src/pattern.js';
import { compileResource } from '../src/resource.js';
import { AGENT, AUDIT, action, codeOf, FakeClock, memorySigner, memoryState, readFile } from './helpers.js';

function covers(resource: TokenResource, act: SensitiveAction): boolean {
  expect(resourceProblem(resource)).toBeUndefined();
  return compileResource(resource)(act);
}
const fileRead = (pattern: string): TokenResource => ({ action: 'file_read', pattern });
const exec = (argv: string[], trailing: 'none' | 'any' = 'none'): TokenResource => ({
  action: 'execute_command',
  argv,
  trailing,
});
const run = (...argv: string[]) => action({ kind: 'execute_command', argv });

describe('URI patterns', () => {
  it('`*` stays inside one segment and `**` crosses segments', () => {
    expect(covers(fileRead('file:///ws/*'), readFile('/ws/a'))).toBe(true);
    expect(covers(fileRead('file:///ws/*'), readFile('/ws/a/b'))).toBe(false);
    expect(covers(fileRead('file:///ws/*.ts'), readFile('/ws/src/a.ts'))).toBe(false);
    expect(covers(fileRead('file:///ws/**'), readFile('/ws/a/b/c'))).toBe(true);
    expect(covers(fileRead('file:///ws/**/*.ts'), readFile('/ws/a/b/c.ts'))).toBe(true);
    expect(covers(fileRead('file:///ws/?'), readFile('/ws/a'))).toBe(true);
    expect(covers(fileRead('file:///ws/?'), readFile('/ws/ab'))).toBe(false);
  });

  it('covers dotfiles: a grant of the directory includes .env and .git/', () => {
    expect(covers(fileRead('file:///ws/**'), readFile('/ws/.env'))).toBe(true);
    expect(covers(fileRead('file:///ws/**'), readFile('/ws/.git/config'))).toBe(true);
    expect(covers(fileRead('file:///ws/*'), readFile('/ws/.env'))).toBe(true);
  });

  it('`file:///ws/**` covers neither /ws itself nor a sibling that shares the prefix', () => {
    expect(covers(fileRead('file:///ws/**'), readFile('/ws'))).toBe(false);
    expect(covers(fileRead('file:///ws/**'), readFile('/wsx/a'))).toBe(false);
    expect(covers(fileRead('file:///ws'), readFile('/ws'))).toBe(true);
  });

  it('treats braces, brackets, parentheses, `|`, `+`, `@` and a leading `!` literally', () => {
    const literal: Array<[string, string, string]> = [
      ['file:///ws/{a,b}', '/ws/a', '/ws/{a,b}'],
      ['file:///ws/a|b', '/ws/a', '/ws/a|b'],
      ['file:///ws/a(b)', '/ws/ab', '/ws/a(b)'],
      ['file:///ws/a{1,3}', '/ws/aa', '/ws/a{1,3}'],
      ['file:///ws/[ab]', '/ws/a', '/ws/[ab]'],
      ['file:///ws/+(a|b)', '/ws/a', '/ws/+(a|b)'],
      ['file:///ws/@(a)', '/ws/a', '/ws/@(a)'],
      ['file:///ws/a.b', '/ws/axb', '/ws/a.b'],
    ];
    for (const [pattern, widened, exact] of literal) {
      expect(covers(fileRead(pattern), readFile(widened)), pattern).toBe(false);
      expect(covers(fileRead(pattern), readFile(exact)), pattern).toBe(true);
    }
    // With a wildcard too (picomatch compiles it), alternation must not escape the pattern.
    // (That pattern is refused as a resource for its `//`; the glob alone must not alternate.)
    expect(compilePattern('file:///ws/x|file:///etc/**')('file:///etc/passwd')).toBe(false);
    expect(covers(fileRead('file:///ws/*(x)'), readFile('/ws/ax'))).toBe(false);
    expect(covers(fileRead('file:///ws/*(x)'), readFile('/ws/a(x)'))).toBe(true);
    const negated = compilePattern('!file:///ws/*');
    expect(negated('file:///etc/passwd')).toBe(false);
  });

  it('supports backslash escapes for literal wildcard characters', () => {
    expect(hasWildcard('file:///ws/a\\*')).toBe(false);
    expect(covers(fileRead('file:///ws/a\\*'), readFile('/ws/a*'))).toBe(true);
    expect(covers(fileRead('file:///ws/a\\*'), readFile('/ws/ab'))).toBe(false);
    expect(covers(fileRead('file:///ws/\\**'), readFile('/ws/*x'))).toBe(true);
    expect(covers(fileRead('file:///ws/\\**'), readFile('/ws/x'))).toBe(false);
    expect(patternProblem('file:///ws/a\\')).toMatch(/lone backslash/);
  });

  it('matches only the action kind it names', () => {
    const write = action({ kind: 'file_write', path: '/ws/a' });
    expect(covers(fileRead('file:///ws/**'), write)).toBe(false);
    const net = action({ kind: 'network_request', host: 'api.example.com', port: 443, method: 'get' });
    expect(covers({ action: 'network_request', pattern: 'net://*.example.com:443' }, net)).toBe(true);
    expect(covers({ action: 'network_request', pattern: 'net://*.example.com:80' }, net)).toBe(false);
    const mcp = action({ kind: 'mcp_tool_call', server: 'github', tool: 'list_issues', args: {} });
    expect(covers({ action: 'mcp_tool_call', pattern: 'mcp://github/*' }, mcp)).toBe(true);
    expect(covers({ action: 'mcp_tool_call', pattern: 'mcp://gitlab/*' }, mcp)).toBe(false);
  });

  it('refuses patterns that are not a normal URI of their kind', () => {
    const bad: Array<[TokenResource, RegExp]> = [
      [fileRead('**'), /must start with "file:\/\/\/"/],
      [fileRead('net://x:1'), /must start with/],
      [fileRead('file:///ws/./a'), /"\." segment/],
      [fileRead('file:///ws/../a'), /"\.\." segment/],
      [fileRead('file:///ws/\\.\\./a'), /"\.\." segment/],
      [fileRead('file:///ws//a'), /empty path segment/],
      [fileRead('file:///ws/'), /empty path segment/],
      [fileRead('file:///ws/a\0'), /NUL/],
      [{ action: 'network_request', pattern: 'file:///x' }, /must start with "net:\/\/"/],
    ];
    for (const [resource, message] of bad)
      expect(resourceProblem(resource), JSON.stringify(resource)).toMatch(message);
    expect(resourceProblem(fileRead('file:///'))).toBeUndefined();
  });

  it('refuses to match actions whose resource is not in normal form', () => {
    expect(actionResourceProblem(readFile('/ws/a'))).toBeUndefined();
    expect(actionResourceProblem(readFile('/ws//a'))).toMatch(/empty path segment/);
    expect(actionResourceProblem(readFile('/ws/a/'))).toMatch(/empty path segment/);
    expect(actionResourceProblem({ kind: 'file_read', path: '/ws/./a' } as SensitiveAction)).toMatch(
      /"\." segment/,
    );
    expect(actionResourceProblem({ kind: 'file_read', path: '/ws/a\0' } as SensitiveAction)).toMatch(/NUL/);
  });
});

describe('argv patterns', () => {
  it('matches position by position, with exact length unless trailing is "any"', () => {
    expect(covers(exec(['git', 'status']), run('git', 'status'))).toBe(true);
    expect(covers(exec(['git', 'status']), run('git', 'status', '--short'))).toBe(false);
    expect(covers(exec(['git', 'status']), run('git'))).toBe(false);
    expect(covers(exec(['git', 'status'], 'any'), run('git', 'status', '--short', '-b'))).toBe(true);
    expect(covers(exec(['git', 'status'], 'any'), run('git', 'status'))).toBe(true);
    expect(covers(exec(['git', 'status'], 'any'), run('git', 'push'))).toBe(false);
    expect(covers(exec(['git', 'status'], 'any'), run('gitx', 'status'))).toBe(false);
  });

  it('applies per-argument globs where `*` does not cross `/`', () => {
    expect(covers(exec(['git', 'add', '*']), run('git', 'add', 'README.md'))).toBe(true);
    expect(covers(exec(['git', 'add', '*']), run('git', 'add', 'src/a.ts'))).toBe(false);
    expect(covers(exec(['git', 'add', 'src/**']), run('git', 'add', 'src/a/b.ts'))).toBe(true);
    expect(covers(exec(['git', 'add', '*']), run('git', 'add', 'a', 'b'))).toBe(false);
    expect(covers(exec(['echo', '']), run('echo', ''))).toBe(true);
    expect(covers(exec(['echo', '']), run('echo', 'x'))).toBe(false);
  });

  it('never lets a wildcard match "." or "..", but a literal "." and "./x" are allowed', () => {
    expect(covers(exec(['git', 'add', '*']), run('git', 'add', '.'))).toBe(false);
    expect(covers(exec(['git', 'add', '.']), run('git', 'add', '.'))).toBe(true);
    expect(covers(exec(['./gradlew', 'build']), run('./gradlew', 'build'))).toBe(true);
    expect(covers(exec(['sh', './*.sh']), run('sh', './x.sh'))).toBe(true);
    expect(covers(exec(['sh', './*.sh']), run('sh', 'x.sh'))).toBe(false);
  });

  it('refuses a wildcard program name and ".." in argument patterns', () => {
    expect(resourceProblem(exec(['*']))).toMatch(/argv\[0\] must name the program literally/);
    expect(resourceProblem(exec(['g?t']))).toMatch(/argv\[0\]/);
    expect(resourceProblem(exec(['cat', '../*']))).toMatch(/argv\[1\] contains a "\.\." segment/);
    expect(resourceProblem(exec(['cat', 'a\0']))).toMatch(/NUL/);
    expect(resourceProblem(exec(['git', 'diff', 'a..b']))).toBeUndefined();
  });
});

describe('mint-time validation', () => {
  const signer = memorySigner();
  const mintWith = (resources: TokenResourceInput[]) =>
    mintToken(signer, { resources, subject: AGENT, auditEntryId: AUDIT, scope: 'persistent' });

  it('refuses invalid resources with a RangeError naming them', () => {
    expect(() => mintWith([])).toThrow(/"resources" expected 1-64 entries/);
    expect(() => mintWith([{ action: 'file_read', pattern: 'file:///ws/../x' }])).toThrow(/"resources.0"/);
    expect(() => mintWith([{ action: 'execute_command', argv: ['*'] }])).toThrow(RangeError);
    expect(() => mintWith([{ action: 'execute_command', argv: [] }])).toThrow(/"resources.0.argv"/);
  });

  it('defaults trailing to "none" and copies argv', () => {
    const argv = ['git', 'status'];
    const token = mintWith([{ action: 'execute_command', argv }]);
    argv.push('--porcelain');
    expect(token.resources[0]).toEqual({
      action: 'execute_command',
      argv: ['git', 'status'],
      trailing: 'none',
    });
  });

  it('gives a verifier the same answers as the resource matcher', () => {
    const clock = new FakeClock();
    const token = mintToken(
      signer,
      {
        resources: [{ action: 'file_read', pattern: 'file:///ws/*' }],
        subject: AGENT,
        auditEntryId: AUDIT,
        scope: 'persistent',
      },
      { now: clock.now },
    );
    const verifier = new TokenVerifier({
      trustedKeys: new TrustedKeys({ publicKeys: [Buffer.from(signer.publicKey).toString('hex')] }),
      now: clock.now,
    });
    const state = memoryState();
    expect(verifier.verify(token, { action: readFile('/ws/a'), principal: AGENT }, state).id).toBe(token.id);
    expect(
      codeOf(() => verifier.verify(token, { action: readFile('/ws/a/b'), principal: AGENT }, state)),
    ).toBe('TOKEN_NO_MATCH');
  });
});
