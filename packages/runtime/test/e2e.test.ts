import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEntry } from '@astrid/audit';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOLS, rig, type TestRig } from './helpers.js';

let r: TestRig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

async function entries(t: TestRig): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of t.runtime.audit.read()) out.push(e);
  return out;
}

describe.each(PROTOCOLS)('end to end over %s, real SDK against the test server', (protocol) => {
  it('reads, edits with a diff approval, runs bash, spawns a sub-agent, and the audit chain verifies', async () => {
    const t = await rig({ protocol, files: { 'notes.txt': 'hello world\n' } });
    r = t;
    t.answer = () => ({ decision: 'allow_once' });
    t.server.enqueue(
      { text: 'Reading the notes.', toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] },
      {
        text: 'Editing.',
        toolCalls: [
          { name: 'edit_file', arguments: { path: 'notes.txt', old_string: 'hello', new_string: 'goodbye' } },
        ],
      },
      {
        toolCalls: [{ name: 'bash', arguments: { command: 'cat notes.txt', description: 'show the file' } }],
      },
      {
        toolCalls: [
          {
            name: 'task',
            arguments: { description: 'count words', prompt: 'Count the words in notes.txt.' },
          },
        ],
      },
      // The sub-agent's two model requests.
      { toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] },
      { text: 'notes.txt has 2 words.' },
      { text: 'Done: the notes say goodbye now.', usage: { inputTokens: 100, outputTokens: 20 } },
    );
    const session = await t.runtime.createSession({ label: 'e2e' });
    const result = await session.send('Tidy up notes.txt');

    expect(result).toMatchObject({ status: 'done', text: 'Done: the notes say goodbye now.', steps: 5 });
    expect(await readFile(join(t.dirs.ws, 'notes.txt'), 'utf8')).toBe('goodbye world\n');

    // The edit asked with its diff; the command with its argv; spawning the child with an llm_request.
    const edit = t.asked.find((a) => a.action.kind === 'file_write');
    expect(edit?.preview.kind).toBe('diff');
    expect(edit?.preview.kind === 'diff' ? edit.preview.diff : '').toMatch(
      /-hello world[\s\S]*\+goodbye world/,
    );
    expect(
      t.asked.some((a) => a.action.kind === 'execute_command' && a.action.argv.join(' ') === 'cat notes.txt'),
    ).toBe(true);
    expect(t.asked.some((a) => a.action.kind === 'llm_request')).toBe(true);
    // The read inside the workspace was allowed by the mode, without asking.
    expect(t.asked.filter((a) => a.action.kind === 'file_read')).toHaveLength(0);

    const results = t.of('tool_result');
    expect(results.find((e) => e.tool === 'bash')?.summary).toContain('goodbye world');
    expect(results.find((e) => e.tool === 'task')).toMatchObject({ isError: false, ran: true });
    expect(results.find((e) => e.tool === 'task')?.summary).toContain('notes.txt has 2 words.');
    // The sub-agent's events are labelled with it and its parent.
    const childCall = t.of('tool_call_proposed').find((e) => e.agent.depth === 1);
    expect(childCall?.agent).toMatchObject({
      parent: session.id,
      root: session.id,
      label: 'sub-agent: count words',
    });

    // Tool results went back to the model framed as untrusted data.
    const second = JSON.stringify(t.server.requests[1]?.body);
    expect(second).toMatch(/<untrusted-[0-9a-f]{32} source=\\"read_file\\">/);
    expect(session.tainted).toBe(true);

    expect(session.history.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'tool_results',
      'assistant',
      'tool_results',
      'assistant',
      'tool_results',
      'assistant',
      'tool_results',
      'assistant',
    ]);
    const spent = session.budget();
    expect(spent.spent).toBeGreaterThan(0);
    expect(spent.reserved).toBe(0);

    const log = await entries(t);
    expect(
      log.some((e) => e.kind === 'session_created' && JSON.stringify(e.details).includes(session.id)),
    ).toBe(true);
    // 7 model requests (5 by the parent, 2 by the child) and the task tool's spawn action.
    expect(log.filter((e) => e.kind === 'result' && e.action?.kind === 'llm_request')).toHaveLength(8);
    expect((await t.runtime.audit.verify({ deep: true })).ok).toBe(true);
  });
});
