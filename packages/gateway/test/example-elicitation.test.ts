import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ElicitationResult } from '@astrid/core';
import { afterEach, describe, expect, it } from 'vitest';
import { askKeyTool } from './ask-tool.js';
import { type Rig, rig, until } from './helpers.js';

// The example under examples/, run as a user would (it imports only @astrid/client and core),
// against a daemon in this process whose fixture tool asks a question.
const EXAMPLE = fileURLToPath(new URL('../../../examples/jsonl-frontend/src/main.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let r: Rig | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child !== undefined && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  child = undefined;
  await r?.close();
  r = undefined;
});

describe('the JSON-lines example frontend answers elicitations end to end', () => {
  it('shows the question with its source and secret flag, re-asks after an invalid answer, and sends the answer', async () => {
    const results: ElicitationResult[] = [];
    const rr = await rig({ gateway: { runtime: { tools: () => [askKeyTool(results)] } } });
    r = rr;
    rr.server.enqueue(
      { text: 'asking', toolCalls: [{ name: 'ask_key', arguments: { why: 'deploy needs a key' } }] },
      { text: 'deployed' },
    );
    const proc = spawn(
      process.execPath,
      ['--import', TSX_LOADER, '--conditions=source', EXAMPLE, '--user', 'alice'],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ASTRID_HOME: rr.dirs.data, HOME: rr.dirs.userHome },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const lines: Record<string, unknown>[] = [];
    const raw: string[] = [];
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (l) => {
      raw.push(l);
      lines.push(JSON.parse(l));
    });
    const send = (line: object) => proc.stdin?.write(`${JSON.stringify(line)}\n`);
    const of = (type: string) => lines.filter((l) => l.type === type);

    await until(() => of('ready').length === 1, 20_000).catch(() => {
      throw new Error(`the example did not start: ${stderr}`);
    });
    send({ type: 'send', text: 'deploy' });
    await until(() => of('elicitation').length === 1, 20_000);
    const question = of('elicitation')[0] as {
      id: string;
      source: string;
      message: string;
      fields: unknown[];
    };
    expect(question).toMatchObject({ source: 'tool://ask_key', message: 'deploy needs a key' });
    expect(question.fields[0]).toMatchObject({ name: 'apiKey', secret: true, required: true });

    // Invalid (the region is not a choice): an error line, and the same question again.
    send({
      type: 'elicitation_answer',
      id: question.id,
      action: 'accept',
      content: { apiKey: 'k', region: 'mars' },
    });
    await until(() => of('elicitation').length === 2, 20_000);
    expect(of('error').map((l) => l.message)).toEqual([
      expect.stringContaining('"region" expected one of 2 choices'),
    ]);
    expect((of('elicitation')[1] as { id: string }).id).toBe(question.id);

    const secret = 'sk-example-0123456789';
    send({
      type: 'elicitation_answer',
      id: question.id,
      action: 'accept',
      content: { apiKey: secret, region: 'eu' },
    });
    await until(() => lines.some((l) => l.type === 'status' && l.event === 'turn_done'), 20_000);
    expect(of('elicitation_resolved')).toEqual([
      {
        type: 'elicitation_resolved',
        id: question.id,
        outcome: 'accept',
        decidedBy: expect.stringMatching(/^alice@unix:c\d+$/),
      },
    ]);
    expect(results).toEqual([{ outcome: 'accept', content: { apiKey: secret, region: 'eu' } }]);
    expect(raw.join('\n')).not.toContain(secret);
    // A line naming no waiting question is an error, not a crash.
    send({ type: 'elicitation_answer', id: question.id, action: 'decline' });
    await until(() => of('error').length === 2, 20_000);
    expect(of('error')[1]).toMatchObject({ code: 'NO_SUCH_PROMPT' });
    send({ type: 'quit' });
    await once(proc, 'exit');
    expect(proc.exitCode).toBe(0);
  });
});
