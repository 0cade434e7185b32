import type { LlmMessage } from '@astrid/llm';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { compactHistory, messageChars, UntrustedFraming } from '../src/index.js';
import { rig, type TestRig } from './helpers.js';

let r: TestRig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const framing = new UntrustedFraming('0123456789abcdef0123456789abcdef');

function exchange(i: number, size: number): LlmMessage[] {
  return [
    { role: 'user', content: `question ${i} ${'q'.repeat(size)}` },
    {
      role: 'assistant',
      content: `looking ${i}`,
      toolCalls: [{ id: `c${i}`, name: 'read_file', arguments: { path: `f${i}` } }],
    },
    {
      role: 'tool_results',
      results: [
        { toolCallId: `c${i}`, content: framing.wrap(`contents ${i} ${'x'.repeat(size)}`, 'read_file') },
      ],
    },
    { role: 'assistant', content: `answer ${i}` },
  ];
}

describe('compactHistory', () => {
  it('leaves a history that fits alone', () => {
    expect(compactHistory(exchange(0, 10), { maxChars: 10_000, fixedChars: 100, framing })).toBeUndefined();
  });

  it('keeps the newest messages, never cuts before a tool result, and frames the summary as data', () => {
    const history = [...exchange(0, 2000), ...exchange(1, 2000), ...exchange(2, 2000)];
    const c = compactHistory(history, { maxChars: 8000, fixedChars: 500, framing });
    expect(c).toBeDefined();
    const kept = c?.history ?? [];
    expect(kept[0]?.role).toBe('user');
    const summary = kept[0]?.role === 'user' ? kept[0].content : '';
    expect(summary).toContain('were removed to fit the context window');
    expect(summary).toContain(`<untrusted-${framing.nonce} source="context-summary">`);
    expect(summary.trimEnd().endsWith(framing.close)).toBe(true);
    // The frames of the summarised tool results are neutralised inside the summary's frame.
    expect(summary.split(framing.close)).toHaveLength(2);
    expect(kept.slice(1)).toEqual(history.slice(history.length - (c?.keptMessages ?? 0)));
    expect(c?.removedMessages).toBe(history.length - (c?.keptMessages ?? 0));
    expect(kept.reduce((n, m) => n + messageChars(m), 500)).toBeLessThanOrEqual(8000);
  });

  it('property: every kept tool result still follows the call it answers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1000, max: 20_000 }),
        (sizes, maxChars) => {
          const history = sizes.flatMap((size, i) => exchange(i, size));
          const c = compactHistory(history, { maxChars, fixedChars: 200, framing });
          if (c === undefined) return;
          const kept = c.history;
          expect(kept[0]?.role).toBe('user');
          kept.forEach((m, i) => {
            if (m.role !== 'tool_results') return;
            const prev = kept[i - 1];
            expect(prev?.role).toBe('assistant');
            const ids = prev?.role === 'assistant' ? (prev.toolCalls ?? []).map((t) => t.id) : [];
            expect(m.results.map((x) => x.toolCallId)).toEqual(ids);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('context management in a session', () => {
  it('compacts a long history before the request, audits it, and the real APIs accept the result', async () => {
    const t = await rig({
      runtime: { contextChars: 9000 },
      files: { 'big.txt': `${'lorem ipsum '.repeat(300)}\n` },
    });
    r = t;
    const session = await t.runtime.createSession();
    for (let i = 0; i < 3; i++) {
      t.server.enqueue(
        { toolCalls: [{ name: 'read_file', arguments: { path: 'big.txt' } }] },
        { text: `done ${i}` },
      );
      expect(await session.send(`read it again (${i})`)).toMatchObject({ status: 'done', text: `done ${i}` });
    }
    const compacted = t.of('context_compacted');
    expect(compacted.length).toBeGreaterThan(0);
    const entry = await (async () => {
      for await (const e of t.runtime.audit.read({ sessionId: session.id, kind: 'context_compacted' })) {
        if ((e.details as { event?: string }).event === 'context_compacted') return e;
      }
      return undefined;
    })();
    expect(entry?.id).toBe(compacted[0]?.auditEntry);
    expect(entry?.details).toMatchObject({ removedMessages: compacted[0]?.removedMessages });
    const first = session.history[0];
    expect(first?.role === 'user' ? first.content : '').toMatch(/^\[Astrid: the \d+ oldest messages/);
    // Every request after compaction was accepted by the server's pairing checks.
    expect(t.server.requests.every((q) => q.status === 200)).toBe(true);
  });
});
