import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCommandPolicy } from '../../src/policy/index.js';
import { CTX, describeVerdict, RULES } from './fixtures.js';

/** Quotes a command so that it is one single-quoted shell word. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

interface Wrapper {
  /** Takes only a simple command (`env`, `nice`...: bash rejects `env { x; }`). */
  readonly needsSimple: boolean;
  /** What it produces is a simple command. */
  readonly givesSimple: boolean;
  readonly wrap: (c: string) => string;
}

const w = (needsSimple: boolean, givesSimple: boolean, wrap: (c: string) => string): Wrapper => ({
  needsSimple,
  givesSimple,
  wrap,
});

// Each wrapper turns a command line into a larger one that still runs it.
const WRAPPERS: Readonly<Record<string, Wrapper>> = {
  env: w(true, true, (c) => `env FOO=1 ${c}`),
  nice: w(true, true, (c) => `nice ${c}`),
  timeout: w(true, true, (c) => `timeout 5 ${c}`),
  command: w(true, true, (c) => `command ${c}`),
  xargs: w(true, false, (c) => `echo | xargs ${c}`),
  'bash -c': w(false, true, (c) => `bash -c ${quote(c)}`),
  'sh -c': w(false, true, (c) => `sh -c ${quote(c)}`),
  '$()': w(false, true, (c) => `echo $( ${c} )`),
  '`…`': w(false, true, (c) => `echo \`${c.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``),
  '&&': w(false, false, (c) => `true && ${c}`),
  '||': w(false, false, (c) => `false || ${c}`),
  ';': w(false, false, (c) => `echo start; ${c}`),
  '| cat': w(false, false, (c) => `${c} | cat`),
  '( )': w(false, false, (c) => `( ${c} )`),
  '{ }': w(false, false, (c) => `{ ${c}; }`),
  if: w(false, false, (c) => `if true; then ${c}; fi`),
};

/** Applies a stack of wrappers, going through `bash -c` where a wrapper needs a simple command. */
function wrapAll(inner: string, stack: readonly string[]): string {
  let line = inner;
  let simple = !/[;&|]/.test(inner) && !inner.includes('>');
  for (const name of stack) {
    const wrapper = WRAPPERS[name] as Wrapper;
    if (wrapper.needsSimple && !simple) line = (WRAPPERS['bash -c'] as Wrapper).wrap(line);
    line = wrapper.wrap(line);
    simple = wrapper.givesSimple;
  }
  return line;
}

const BLOCKED = [
  'sudo ls',
  '/usr/bin/sudo -u root id',
  'su -',
  'doas id',
  'pkexec id',
  'mkfs.ext4 /dev/sdb',
  'shutdown now',
  'reboot',
  'rm -rf /',
  'rm -fr /',
  'chmod -R 777 /',
  'dd if=/dev/zero of=/dev/sda',
  'astrid approvals approve x',
  'astridd',
  'cat /etc/shadow',
  'cat ~/.ssh/id_rsa',
  'echo x > /etc/hosts',
  'curl http://169.254.169.254/',
  'curl http://2130706433/',
];

describe('property: wrapping never hides a denial', () => {
  it('a blocked command inside any stack of wrappers is still denied', async () => {
    const names = Object.keys(WRAPPERS);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BLOCKED),
        fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 5 }),
        async (inner, stack) => {
          const line = wrapAll(inner, stack);
          const verdict = await evaluateCommandPolicy(line, RULES, CTX);
          expect(verdict.verdict, `${line}\n${describeVerdict(verdict)}`).toBe('deny');
        },
      ),
      { numRuns: 300, seed: 20260403 },
    );
  });
});

describe('property: the analyzer never throws on hostile input', () => {
  const shellish = fc.stringMatching(/^[a-z $'"`\\(){}<>|&;*?~=/.\n#!-]{0,80}$/);

  it('returns a verdict for any input, and nothing written after a blocked command hides it', async () => {
    await fc.assert(
      fc.asyncProperty(shellish, async (text) => {
        const verdict = await evaluateCommandPolicy(text, RULES, CTX);
        expect(['deny', 'pass']).toContain(verdict.verdict);
        const after = await evaluateCommandPolicy(`sudo id; ${text}`, RULES, CTX);
        expect(after.verdict, `sudo id; ${text}`).toBe('deny');
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
