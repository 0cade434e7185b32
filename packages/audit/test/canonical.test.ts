import type { JsonValue, SensitiveAction } from '@astrid/core';
import { blake3Hex, canonicalJson } from '@astrid/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastCanonical } from '../src/canonical.js';
import { inspectBody } from '../src/deep.js';
import { entryLink } from '../src/entry-codec.js';
import {
  APPROVAL_ANSWERS,
  AUDIT_KINDS,
  type AuditAppendInput,
  AuditEntrySchema,
  OUTCOME_STATUSES,
} from '../src/index.js';
import { prepareEntry, sealEntry } from '../src/prepare.js';

const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}$/);
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const amount = fc.double({ min: 0, max: 1e6, noNaN: true });
const micros = fc.nat({ max: 1e12 });
const path = fc
  .array(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), { minLength: 1, maxLength: 4 })
  .map((p) => `/${p.join('/')}`);

const action: fc.Arbitrary<SensitiveAction> = fc.oneof(
  fc.record({
    kind: fc.constant('execute_command' as const),
    argv: fc.array(text, { minLength: 1, maxLength: 5 }),
    cwd: path,
  }),
  fc.record({ kind: fc.constant('file_write' as const), path, bytes: fc.nat() }),
  fc.record({
    kind: fc.constant('mcp_tool_call' as const),
    server: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
    tool: fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/),
    args: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>,
  }),
);

const input: fc.Arbitrary<AuditAppendInput> = fc.record(
  {
    kind: fc.constantFrom(...AUDIT_KINDS),
    principal: id,
    sessionId: id,
    action,
    decision: fc.record(
      {
        verdict: fc.constantFrom('allow' as const, 'deny' as const),
        reason: text,
        risk: fc.constantFrom('low' as const, 'critical' as const),
        proof: fc.record(
          {
            policyRuleId: id,
            tokenId: id,
            allowanceId: id,
            approval: fc.record(
              { approvalId: id, approvedBy: id, frontend: id, answer: fc.constantFrom(...APPROVAL_ANSWERS) },
              { requiredKeys: ['approvalId', 'approvedBy', 'frontend'] },
            ),
            budget: fc.record(
              { costMicros: micros, spentMicros: micros, limitMicros: micros },
              { requiredKeys: [] },
            ),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['verdict'] },
    ),
    outcome: fc.record(
      {
        status: fc.constantFrom(...OUTCOME_STATUSES),
        error: text,
        exitCode: fc.integer(),
        durationMs: amount,
      },
      { requiredKeys: ['status'] },
    ),
    output: fc.uint8Array({ maxLength: 64 }),
    details: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>,
  },
  { requiredKeys: ['kind', 'principal'] },
);

describe('canonical text of entries', () => {
  it('fastCanonical writes exactly what canonicalJson writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(fastCanonical(value as JsonValue)).toBe(canonicalJson(value));
      }),
      { numRuns: 500, seed: 1 },
    );
  });

  it('fastCanonical agrees with canonicalJson on any code units, escapes and lone surrogates included', () => {
    const outcome = (f: () => string) => {
      try {
        return f();
      } catch {
        return 'threw';
      }
    };
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
        expect(outcome(() => fastCanonical(value as JsonValue))).toBe(outcome(() => canonicalJson(value)));
      }),
      { numRuns: 500, seed: 2 },
    );
  });

  it('fastCanonical rejects what canonicalJson rejects', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '\uD800', { a: new Date(0) }, [undefined]]) {
      expect(() => canonicalJson(bad)).toThrow();
      expect(() => fastCanonical(bad as JsonValue)).toThrow();
    }
  });

  it('a prepared and sealed entry is the canonical JSON of the entry it describes', () => {
    fc.assert(
      fc.property(input, fc.nat({ max: 2 ** 40 }), fc.nat(), (inp, seq, ts) => {
        const prevHash = blake3Hex(String(seq));
        const prepared = prepareEntry(inp, ts, 'aud_test');
        const { body, hash } = sealEntry(prepared, seq, prevHash);
        const entry = { ...prepared.fields, seq, prevHash };
        expect(body).toBe(canonicalJson(entry));
        expect(hash).toBe(blake3Hex(canonicalJson(entry)));
        expect(JSON.parse(body)).toEqual(entry);
        expect(entryLink(body)).toEqual({ seq, prevHash });
        expect(AuditEntrySchema.safeParse({ ...entry, hash }).success).toBe(true);
        expect(inspectBody(body)).toBeUndefined();
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('reads the top-level link even when params contain a "prevHash" or "seq" key', () => {
    const prepared = prepareEntry(
      {
        kind: 'decision',
        principal: 'agent-1',
        action: {
          kind: 'mcp_tool_call',
          server: 'srv',
          tool: 't',
          args: { prevHash: 'f'.repeat(64), seq: 99, x: ',"seq":7}' },
        },
      },
      1,
      'aud_test',
    );
    const { body } = sealEntry(prepared, 12, 'a'.repeat(64));
    expect(entryLink(body)).toEqual({ seq: 12, prevHash: 'a'.repeat(64) });
    expect(entryLink('{"seq":1}')).toBeUndefined();
    expect(entryLink(`{"prevHash":"${'a'.repeat(64)}","seq":01}`)).toBeUndefined();
  });
});
