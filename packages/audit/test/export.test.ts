import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXPORT_FORMAT, ExportLineSchema, verifyExport } from '../src/index.js';
import { appendMany, type Fixture, memorySigner, openFixture } from './helpers.js';

let fx: Fixture;
let text: string;
beforeEach(async () => {
  fx = await openFixture({ checkpointEvery: 4 });
  await appendMany(fx.log, 9);
  await fx.log.append({
    kind: 'result',
    principal: 'agent-1',
    sessionId: 'sess-0',
    outcome: { status: 'success' },
    output: 'secret-free body',
    details: { password: 'correct horse battery staple' },
  });
  text = '';
  for await (const line of fx.log.exportJsonl()) text += line;
});
afterEach(async () => {
  await fx.dispose();
});

const lines = () => text.trimEnd().split('\n');
const parsed = () => lines().map((l) => JSON.parse(l) as Record<string, unknown>);
const join = (ls: readonly string[]) => `${ls.join('\n')}\n`;
const entryLineIndex = (seq: number) =>
  parsed().findIndex((l) => l.type === 'entry' && (l.entry as { seq: number }).seq === seq);

describe('JSONL export', () => {
  it('has the documented shape: header, keys, checkpoints, entries', () => {
    const types = parsed().map((l) => l.type);
    expect(types).toEqual([
      'header',
      'key',
      'checkpoint',
      'checkpoint',
      'checkpoint',
      ...Array(10).fill('entry'),
    ]);
    for (const l of lines()) expect(ExportLineSchema.safeParse(JSON.parse(l)).success).toBe(true);
    expect(parsed()[0]).toMatchObject({ format: EXPORT_FORMAT, version: 1, head: fx.log.head });
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain('secret-free body');
  });

  it('verifies offline with only the key history', () => {
    const result = verifyExport(text, fx.signer.history());
    expect(result).toMatchObject({ ok: true, entries: 10, checkpoints: 3, head: fx.log.head });
  });

  it('reports an edited entry', () => {
    const ls = lines();
    const i = entryLineIndex(5);
    ls[i] = (ls[i] as string).replace('"verdict":"allow"', '"verdict":"deny"');
    expect(verifyExport(join(ls), fx.signer.history()).damage).toMatchObject({ kind: 'edited', seq: 5 });
  });

  it('reports a deleted, a reordered and a truncated export', () => {
    const history = fx.signer.history();
    const ls = lines();
    const deleted = ls.filter((_, i) => i !== entryLineIndex(3));
    expect(verifyExport(join(deleted), history).damage).toMatchObject({ kind: 'deleted', seq: 3 });
    const swapped = [...ls];
    [swapped[entryLineIndex(2)], swapped[entryLineIndex(7)]] = [
      ls[entryLineIndex(7)] as string,
      ls[entryLineIndex(2)] as string,
    ];
    expect(verifyExport(join(swapped), history).damage).toMatchObject({ kind: 'reordered', seq: 2 });
    // Cut inside the unsigned window: only the (unsigned) header notices.
    expect(verifyExport(join(ls.slice(0, -1)), history).damage).toMatchObject({ kind: 'truncated', seq: 9 });
    expect(verifyExport(join(ls.slice(0, -3)), history).damage).toMatchObject({ kind: 'truncated', seq: 7 });
  });

  it('does not trust keys carried by the export itself', () => {
    const forger = memorySigner();
    const ls = lines().map((l) => {
      const v = JSON.parse(l) as { type: string; key?: unknown };
      return v.type === 'key' ? JSON.stringify({ type: 'key', key: forger.history()[0] }) : l;
    });
    // A verifier that brings the wrong history rejects the genuine checkpoints...
    expect(verifyExport(join(ls), forger.history()).damage).toMatchObject({
      kind: 'checkpoint_invalid',
      seq: 0,
    });
    // ...and the right history verifies regardless of what the key lines say.
    expect(verifyExport(join(ls), fx.signer.history()).ok).toBe(true);
  });

  it('reports malformed lines and lines out of order', () => {
    const history = fx.signer.history();
    const ls = lines();
    expect(verifyExport(join([...ls.slice(0, 6), '{not json', ...ls.slice(6)]), history).damage?.kind).toBe(
      'malformed',
    );
    expect(verifyExport(join(ls.slice(1)), history).damage?.kind).toBe('malformed');
    const extraField = [...ls];
    const i = entryLineIndex(4);
    extraField[i] = (extraField[i] as string).replace(
      '"kind":"decision"',
      '"kind":"decision","injected":true',
    );
    expect(verifyExport(join(extraField), history).damage).toMatchObject({ kind: 'malformed', seq: 4 });
    expect(() => verifyExport(42 as never, history)).toThrow(TypeError);
  });
});

describe('verify-export module', () => {
  it('imports no storage, so a frontend can load it without LevelDB', async () => {
    const seen = new Set<string>();
    const queue = ['verify-export.ts'];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const source = await readFile(new URL(`../src/${file}`, import.meta.url), 'utf8');
      const specifiers = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1] as string);
      for (const spec of specifiers) {
        expect(spec).not.toMatch(/storage|level|node:fs/);
        if (spec.startsWith('./')) queue.push(spec.slice(2).replace(/\.js$/, '.ts'));
        else expect(['@astrid/core', '@astrid/crypto', 'zod']).toContain(spec);
      }
    }
    expect(seen.size).toBeGreaterThan(3);
  });
});
