import type { JsonValue } from '@astrid/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactString } from '../src/index.js';
import { redactPatterns } from '../src/redact.js';

const PEM = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

describe('redact: keys that name secrets', () => {
  it('replaces the value of every secret-named key, in any case and nesting', () => {
    const input: JsonValue = {
      token: 't',
      Secret: 's',
      PASSWORD: 'p',
      db_password: 'p2',
      authorization: 'Basic x',
      api_key: 'k',
      apiKey: 'k2',
      'x-api-key': 'k3',
      APIKEY: 'k4',
      private_key: { pem: 'x' },
      Cookie: ['a=1'],
      credentials: { user: 'u', pass: 'p' },
      accessToken: 42,
      nested: [{ clientSecret: 'c' }],
      path: '/ws/readme.md',
    };
    expect(redact(input)).toEqual({
      token: REDACTED,
      Secret: REDACTED,
      PASSWORD: REDACTED,
      db_password: REDACTED,
      authorization: REDACTED,
      api_key: REDACTED,
      apiKey: REDACTED,
      'x-api-key': REDACTED,
      APIKEY: REDACTED,
      private_key: REDACTED,
      Cookie: REDACTED,
      credentials: REDACTED,
      accessToken: REDACTED,
      nested: [{ clientSecret: REDACTED }],
      path: '/ws/readme.md',
    });
  });

  it('keeps ids of secrets, token counts and ordinary fields', () => {
    const input = {
      tokenId: 'tok_1',
      token_id: 'tok_2',
      keyId: 'ed25519:0123456789abcdef0123456789abcdef',
      maxTokens: 1000,
      author: 'me',
    };
    expect(redact(input)).toEqual(input);
  });

  it('hides the argument after an argv flag that names a secret', () => {
    expect(redact(['mysql', '--password', 'hunter2', '-u', 'root'])).toEqual([
      'mysql',
      '--password',
      REDACTED,
      '-u',
      'root',
    ]);
    expect(redact(['gh', '--token', 'abc', 'repo'])).toEqual(['gh', '--token', REDACTED, 'repo']);
  });

  it('keeps a "__proto__" key as an ordinary field', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "password": "x"}') as JsonValue;
    const out = redact(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'password']);
    expect(JSON.stringify(out)).toBe(`{"__proto__":{"polluted":true},"password":"${REDACTED}"}`);
  });

  it('does not modify its input', () => {
    const input = { password: 'p', list: ['Bearer abcdefghijkl'] };
    const copy = structuredClone(input);
    redact(input);
    expect(input).toEqual(copy);
  });
});

describe('redact: values that look like credentials', () => {
  const cases: [string, string][] = [
    ['OpenAI key', 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t'],
    ['Anthropic key', 'sk-ant-api03-Zq8vR2mXk4LpW9sT7yB1nC6dF0gH3jK5'],
    ['GitHub token', 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'],
    ['GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop'],
    ['Slack token', 'xoxb-123456789012-abcdefghijkl'],
    ['AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['Google API key', 'AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q'],
    ['JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
    ['long hex', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
    ['long base64', 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpLTE1OT1BRUlNU'],
  ];
  for (const [name, secret] of cases) {
    it(`redacts a ${name}, alone and inside text`, () => {
      expect(redactString(secret)).toBe(REDACTED);
      const out = redactString(`export KEY_VALUE_X ${secret} done`);
      expect(out).not.toContain(secret);
      expect(out).toContain('done');
    });
  }

  it('redacts PEM private key blocks, terminated or not', () => {
    expect(redactString(`key:\n${PEM}\nafter`)).toBe(`key:\n${REDACTED}\nafter`);
    expect(redactString(PEM.split('\n').slice(0, 2).join('\n'))).toBe(REDACTED);
  });

  it('redacts auth schemes, key=value pairs and URL passwords but keeps their context', () => {
    expect(redactString('Authorization: Bearer abc.def-123')).not.toContain('abc.def-123');
    expect(redactString('curl -H "Authorization: Bearer abc.def-123" x')).toContain('curl -H');
    expect(redactString('PGPASSWORD=hunter2 psql')).toBe(`PGPASSWORD=${REDACTED} psql`);
    expect(redactString('passphrase: hunter2')).toBe(`passphrase: ${REDACTED}`);
    expect(redactString('access-key: abc')).toBe(`access-key: ${REDACTED}`);
    expect(redactString('https://api.example.com/v1?api_key=abc123&q=1')).toBe(
      `https://api.example.com/v1?api_key=${REDACTED}&q=1`,
    );
    expect(redactString('{"password": "hunter2"}')).toBe(`{"password": ${REDACTED}}`);
    expect(redactString('postgres://admin:s3cr3t@db.internal:5432/app')).toBe(
      `postgres://admin:${REDACTED}@db.internal:5432/app`,
    );
  });

  it('leaves paths, words, urls and short ids alone', () => {
    for (const s of [
      '/home/user/projects/astrid/packages/audit/src/index.ts',
      'The quick brown fox jumps over the lazy dog',
      'https://example.com/docs/getting-started',
      'aud_abcdefghijklmnopqrstuvwxyz',
      'ThisIsAnOrdinaryIdentifierName',
      '--no-verify',
    ]) {
      expect(redactString(s)).toBe(s);
    }
  });

  it('keeps digests under hash-named keys', () => {
    const input = { contentHash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' };
    expect(redact(input)).toEqual(input);
  });

  it('runs in linear time on hostile input (no catastrophic backtracking)', () => {
    // Quadratic regexes would take minutes on these and hit the test timeout.
    for (const s of [
      'token'.repeat(40_000),
      `${'a.'.repeat(50_000)}://`,
      `${'-----BEGIN PRIVATE KEY-----'.repeat(5000)}`,
      'x'.repeat(200_000),
    ]) {
      expect(typeof redactString(s)).toBe('string');
    }
  });
});

describe('redact properties', () => {
  it('never throws on JSON, returns JSON, and is idempotent', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = redact(value as JsonValue);
        expect(JSON.parse(JSON.stringify(once))).toEqual(once);
        expect(redact(once)).toEqual(once);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('pre-filters only strings in which no pattern can match', () => {
    const fragments = [
      'sk-',
      'ghp_',
      'xoxb-',
      'AKIA',
      'eyJ',
      '.',
      ':',
      '@',
      '//',
      '=',
      '-----BEGIN RSA PRIVATE KEY-----',
      'Bearer ',
      'token',
      'Password',
      'api-key',
      'https://u:',
      'A1b2C3d4E5f6',
      '0123456789abcdef',
      '/',
    ];
    const text = fc
      .array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 12 })), { maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.boolean(), (s, entropy) => {
        expect(redactString(s, entropy)).toBe(redactPatterns(s, entropy));
        // The single scan that may skip the four pattern passes never changes their result.
        expect(redactPatterns(s, entropy)).toBe(redactPatterns(s, entropy, false));
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('removes an embedded key wherever it is placed', () => {
    const key = 'ghp_Q1w2E3r4T5y6U7i8O9p0AsDfGhJkLzXcVbNm';
    fc.assert(
      fc.property(fc.string(), fc.string(), (before, after) => {
        const out = redactString(`${before} ${key} ${after}`);
        expect(out).not.toContain(key);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
