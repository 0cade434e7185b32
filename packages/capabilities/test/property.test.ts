import type { SensitiveAction } from '@astrid/core';
import { actionHash, toHex } from '@astrid/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeToken,
  encodeToken,
  type MintParams,
  mintToken,
  type TokenResourceInput,
  TokenVerifier,
  TrustedKeys,
} from '../src/index.js';
import { compilePattern } from '../src/pattern.js';
import { AGENT, AUDIT, action, FakeClock, memorySigner, memoryState, SESSION } from './helpers.js';

const signer = memorySigner();
const clock = new FakeClock();
const verifier = new TokenVerifier({
  trustedKeys: new TrustedKeys({ publicKeys: [toHex(signer.publicKey)] }),
  now: clock.now,
});

// Printable ASCII minus the glob characters `*`, `?`, `\` and the separator `/`: every one of
// these must be literal in a pattern, including the ones picomatch would treat as syntax.
const LITERAL_CHARS = [...Array(95).keys()]
  .map((i) => String.fromCharCode(32 + i))
  .filter((c) => !'*?\\/'.includes(c));
const literalChar = fc.constantFrom(...LITERAL_CHARS);
const segment = fc
  .string({ unit: literalChar, minLength: 1, maxLength: 12 })
  .filter((s) => s !== '.' && s !== '..');
const dir = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);
const fileKind = fc.constantFrom('file_read', 'file_write', 'file_delete') as fc.Arbitrary<
  'file_read' | 'file_write' | 'file_delete'
>;

// A resource and an action it must cover, in one of the three ways a pattern names files.
const coveredFile = fc
  .tuple(
    fileKind,
    dir,
    fc.array(segment, { minLength: 1, maxLength: 3 }),
    fc.constantFrom('exact', 'star', 'globstar'),
  )
  .map(([kind, base, rest, form]) => {
    const path = form === 'star' ? `${base}/${rest[0]}` : `${base}/${rest.join('/')}`;
    const pattern =
      form === 'exact' ? `file://${path}` : form === 'star' ? `file://${base}/*` : `file://${base}/**`;
    return { resource: { action: kind, pattern } as TokenResourceInput, act: action({ kind, path }) };
  });
const argText = fc.string({ unit: literalChar, maxLength: 10 }).filter((s) => s !== '.' && s !== '..');
const coveredCommand = fc
  .tuple(segment, fc.array(argText, { maxLength: 4 }), fc.array(argText, { maxLength: 3 }), fc.boolean())
  .map(([program, args, extra, wild]) => {
    const argv = [program, ...args];
    // Non-empty literal arguments may be replaced by `*` (an argument without `/` always matches it).
    const patterns = argv.map((a, i) => (wild && i > 0 && a !== '' ? '*' : a.replace(/[*?\\]/g, '\\$&')));
    return {
      resource: {
        action: 'execute_command',
        argv: patterns,
        trailing: extra.length > 0 ? 'any' : 'none',
      } as const,
      act: action({ kind: 'execute_command', argv: [...argv, ...extra] }),
    };
  });

describe('properties', () => {
  it('mint -> encode -> decode -> verify round-trips over random resources', () => {
    fc.assert(
      fc.property(
        fc.oneof(coveredFile, coveredCommand),
        fc.boolean(),
        fc.boolean(),
        ({ resource, act }, inSession, singleUse) => {
          const params: MintParams = {
            resources: [resource],
            subject: AGENT,
            auditEntryId: AUDIT,
            singleUse,
            ...(inSession ? { scope: 'session', sessionId: SESSION } : { scope: 'persistent' }),
          };
          const token = mintToken(signer, params, { now: clock.now });
          const decoded = decodeToken(encodeToken(token));
          expect(decoded).toEqual(token);
          const request = { action: act as SensitiveAction, principal: AGENT, session: SESSION };
          expect(verifier.verify(decoded, request, memoryState()).id).toBe(token.id);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a token with any single bit flipped never verifies, even with the original cached', () => {
    const anything = action({ kind: 'file_read', path: '/ws/a' });
    const token = mintToken(
      signer,
      {
        resources: [
          { action: 'file_read', pattern: 'file:///ws/**' },
          { action: 'execute_command', argv: ['git', 'status'], trailing: 'any' },
        ],
        subject: AGENT,
        auditEntryId: AUDIT,
        scope: 'session',
        sessionId: SESSION,
        actionHash: actionHash(anything),
      },
      { now: clock.now },
    );
    // The original verifies (and its signature is now cached).
    expect(
      verifier.verify(token, { action: anything, principal: AGENT, session: SESSION }, memoryState()),
    ).toBe(token);
    const bytes = encodeToken(token);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length * 8 - 1 }), (bit) => {
        const flipped = bytes.slice();
        flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        let verified = false;
        try {
          // The flipped token may name another action_hash, principal or session; a forger
          // would present a request that fits it, so the request is read from the token.
          const forged = decodeToken(flipped);
          verifier.verify(
            forged,
            { action: anything, principal: forged.subject, session: forged.session_id },
            memoryState(),
          );
          verified = true;
        } catch (err) {
          expect((err as { code?: string }).code).toMatch(/^TOKEN_|^INVALID_ACTION$/);
        }
        expect(verified).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('compiled globs agree with a reference regex: punctuation is literal, `*` stays in a segment', () => {
    const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const inputChar = fc.constantFrom(...LITERAL_CHARS, '/');
    fc.assert(
      fc.property(segment, fc.string({ unit: inputChar, maxLength: 16 }), (literal, tail) => {
        const prefix = 'file:///ws/';
        const matcher = compilePattern(`${prefix}${literal}*`);
        const reference = new RegExp(`^${escapeRegex(literal)}[^/]*$`);
        const candidate = `${literal}${tail}`;
        fc.pre(!candidate.split('/').some((s) => s === '.' || s === '..'));
        expect(matcher(`${prefix}${candidate}`)).toBe(reference.test(candidate));
        expect(matcher(`${prefix}${candidate}/x`)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
