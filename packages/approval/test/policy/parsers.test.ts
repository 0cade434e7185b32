import { describe, expect, it } from 'vitest';
import { decodeAnsiC } from '../../src/policy/ansi-c.js';
import { endpointFromHost, endpointFromUrl, remoteSpec } from '../../src/policy/endpoints.js';
import { hasOption, optionValues, parseArgs } from '../../src/policy/getopt.js';
import { compileHostList, matchAddress, normaliseHost, parseAddress } from '../../src/policy/hosts.js';
import { compilePathRule, globDenial, pathDenial } from '../../src/policy/path-rules.js';
import { sedEffects } from '../../src/policy/sed-script.js';
import { literalWord } from '../../src/policy/words.js';

const words = (...v: string[]) => v.map(literalWord);

describe('decodeAnsiC', () => {
  it('decodes the escapes bash knows and refuses NUL and truncated escapes', () => {
    expect(decodeAnsiC('\\x73udo')).toBe('sudo');
    expect(decodeAnsiC('s\\165do')).toBe('sudo');
    expect(decodeAnsiC('\\u0073\\U00000075do')).toBe('sudo');
    expect(decodeAnsiC("a\\tb\\n\\\\\\'")).toBe("a\tb\n\\'");
    expect(decodeAnsiC('\\cA')).toBe('\x01');
    expect(decodeAnsiC('\\q')).toBe('\\q');
    expect(decodeAnsiC('x\\0y')).toBeUndefined();
    expect(decodeAnsiC('\\x')).toBeUndefined();
    expect(decodeAnsiC('end\\')).toBeUndefined();
  });
});

describe('parseArgs', () => {
  it('separates options and operands, GNU style, with values by option', () => {
    const p = parseArgs(words('-rf', 'a', '--target-directory=/t', '-S', '.bak', 'b', '--', '-c'), {
      short: 'S',
      long: ['target-directory'],
    });
    expect(p.operands.map((w) => w.value)).toEqual(['a', 'b', '-c']);
    expect(hasOption(p, 'r')).toBe(true);
    expect(hasOption(p, 'x', 'recursive')).toBe(false);
    expect(optionValues(p, 't', 'target-directory').map((w) => w.value)).toEqual(['/t']);
    expect(optionValues(p, 'S').map((w) => w.value)).toEqual(['.bak']);
  });

  it('accepts abbreviated long options and stops at the first operand for wrappers', () => {
    const p = parseArgs(words('--sig', 'KILL', '5', 'sudo', '-n'), { long: ['signal'], stopAtOperand: true });
    expect(optionValues(p, undefined, 'signal').map((w) => w.value)).toEqual(['KILL']);
    expect(p.rest).toBe(2);
    expect(p.operands.map((w) => w.value)).toEqual(['5', 'sudo', '-n']);
  });
});

describe('endpoints', () => {
  it('reads URLs with or without a scheme, canonicalising the host', () => {
    expect(endpointFromUrl('https://Example.COM/x')).toMatchObject({ host: 'example.com', port: 443 });
    expect(endpointFromUrl('example.com:8080')).toMatchObject({
      host: 'example.com',
      port: 8080,
      scheme: 'http',
    });
    expect(endpointFromUrl('http://0x7f.1/')).toMatchObject({ host: '127.0.0.1', port: 80 });
    expect(endpointFromUrl('http://[::1]:9/')).toMatchObject({ host: '::1', port: 9 });
    expect(endpointFromUrl('gopher://example.com/')).toMatchObject({ port: 70 });
    expect(endpointFromUrl('file:///etc/pass%77d')).toEqual({ file: '/etc/passwd' });
    expect(endpointFromUrl('weird://example.com/')).toBeUndefined();
    expect(endpointFromUrl('http://exa mple.com/')).toBeUndefined();
  });

  it('reads user@host[:port] and scp-like host:path, leaving local paths alone', () => {
    expect(endpointFromHost('me@Example.com', 22, 'ssh')).toEqual({
      host: 'example.com',
      port: 22,
      scheme: 'ssh',
    });
    expect(endpointFromHost('[::1]:2222', 22, 'ssh')).toEqual({ host: '::1', port: 2222, scheme: 'ssh' });
    expect(endpointFromHost('fe80::1', 22, 'ssh')).toMatchObject({ host: 'fe80::1', port: 22 });
    expect(endpointFromHost('host:99999', 22, 'ssh')).toBeUndefined();
    expect(remoteSpec('git@github.com:a/b.git')).toEqual({ host: 'github.com', path: 'a/b.git' });
    expect(remoteSpec('[::1]:x')).toEqual({ host: '::1', path: 'x' });
    expect(remoteSpec('./a:b')).toBeUndefined();
    expect(remoteSpec('/abs:path')).toBeUndefined();
  });
});

describe('host lists', () => {
  const list = compileHostList(['127.0.0.0/8', '::1', 'metadata.google.internal', '*.internal.test']);

  it('normalises brackets, zones, case and trailing dots', () => {
    expect(normaliseHost(' [FE80::1%eth0] ')).toBe('fe80::1');
    expect(normaliseHost('LocalHost..')).toBe('localhost');
    expect(parseAddress('0x7f000001')?.toString()).toBe('127.0.0.1');
    expect(parseAddress('example.com')).toBeUndefined();
  });

  it('matches addresses in any spelling, including IPv4 embedded in IPv6', () => {
    for (const a of [
      '127.0.0.1',
      '127.255.0.1',
      '::ffff:127.0.0.1',
      '64:ff9b::127.0.0.1',
      '2002:7f00:1::1',
      '::1',
    ]) {
      const parsed = parseAddress(a);
      expect(parsed && matchAddress(list, parsed), a).toBeTruthy();
    }
    expect(
      matchAddress(list, parseAddress('128.0.0.1') as NonNullable<ReturnType<typeof parseAddress>>),
    ).toBeUndefined();
  });

  it('rejects an entry that is neither a CIDR, an address nor a name', () => {
    expect(() => compileHostList(['10.0.0.0/33'])).toThrow(RangeError);
    expect(() => compileHostList(['bad host'])).toThrow(/bad host/);
  });
});

describe('path rules', () => {
  const etc = compilePathRule('/etc/**', '/etc/**');
  const hooks = compilePathRule('.git/hooks/**', '/w/.git/hooks/**');

  it('denies matches, and deletes of the base or an ancestor of it', () => {
    expect(pathDenial([etc], 'read', '/etc/x/y')).toBe(etc);
    expect(pathDenial([etc], 'read', '/etc')).toBe(etc);
    expect(pathDenial([etc], 'read', '/')).toBeUndefined();
    expect(pathDenial([etc], 'delete', '/')).toBe(etc);
    expect(pathDenial([hooks], 'delete', '/w/.git')).toBe(hooks);
    expect(pathDenial([hooks], 'delete', '/w/src')).toBeUndefined();
  });

  it('finds overlaps between a command glob and a rule, with bash dotfile semantics on the command side', () => {
    expect(globDenial([etc], '/e?c/shadow')).toBe(etc);
    expect(globDenial([etc], '/*/passwd')).toBe(etc);
    expect(globDenial([etc], '/**')).toBe(etc);
    expect(globDenial([etc], '/usr/*')).toBeUndefined();
    expect(globDenial([hooks], '/w/*')).toBeUndefined();
    expect(globDenial([hooks], '/w/.*/hooks/x')).toBe(hooks);
    expect(globDenial([hooks], '/w/.git/**')).toBe(hooks);
    expect(globDenial([hooks], '/w/build/**')).toBeUndefined();
  });

  it('stays bounded on hostile patterns', () => {
    expect(globDenial([etc], `/${'**/'.repeat(200)}x`)).toBe(etc);
    expect(globDenial([etc], `/${'a/'.repeat(300)}x`)).toBe(etc);
  });
});

describe('sed scripts', () => {
  it('finds the commands that execute, write or read', () => {
    expect(sedEffects('s/a/b/g')).toEqual({ executes: false, writes: [], reads: [], understood: true });
    expect(sedEffects('1e id')).toMatchObject({ executes: true });
    expect(sedEffects('s/x/id/e')).toMatchObject({ executes: true });
    expect(sedEffects('/re/w out.txt')).toMatchObject({ writes: ['out.txt'] });
    expect(sedEffects('s/a/b/w log')).toMatchObject({ writes: ['log'] });
    expect(sedEffects('$r other')).toMatchObject({ reads: ['other'] });
    expect(sedEffects('b end; e id')).toMatchObject({ executes: true });
    expect(sedEffects('1a text; e id')).toMatchObject({ executes: false });
    expect(sedEffects('s/unterminated')).toMatchObject({ understood: false });
    expect(sedEffects('K')).toMatchObject({ understood: false });
  });
});
