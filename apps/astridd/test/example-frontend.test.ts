import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Daemon,
  type Dirs,
  kill,
  makeDirs,
  removeDirs,
  startDaemon,
  TSX_LOADER,
  until,
} from './helpers.js';

// The example under examples/, run as a user would run it (it imports only @astrid/client and core).
const EXAMPLE = fileURLToPath(new URL('../../../examples/jsonl-frontend/src/main.ts', import.meta.url));

let dirs: Dirs;
let daemon: Daemon | undefined;
let frontend: ChildProcess | undefined;
beforeEach(async () => {
  dirs = await makeDirs();
});
afterEach(async () => {
  if (frontend !== undefined && frontend.exitCode === null) {
    frontend.kill('SIGKILL');
    await once(frontend, 'exit');
  }
  await kill(daemon);
  await removeDirs(dirs);
});

describe('the JSON-lines example frontend, end to end against a real astridd', () => {
  it('streams the demo, asks each approval, sends the answers, and sees them resolved', async () => {
    daemon = await startDaemon(dirs);
    const child = spawn(
      process.execPath,
      ['--import', TSX_LOADER, '--conditions=source', EXAMPLE, '--user', 'alice'],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ASTRID_HOME: dirs.home, HOME: dirs.userHome },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    frontend = child;
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const lines: Record<string, unknown>[] = [];
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) =>
      lines.push(JSON.parse(l)),
    );
    const send = (line: object) => child.stdin?.write(`${JSON.stringify(line)}\n`);
    const answered = new Set<unknown>();
    // The "human": allow the first request (the write), deny everything after it.
    const timer = setInterval(() => {
      for (const line of lines) {
        if (line.type !== 'approval' || answered.has(line.id)) continue;
        send({
          type: 'answer',
          id: line.id,
          decision: answered.size === 0 ? 'allow_once' : 'deny',
          ...(answered.size === 0 ? {} : { reason: 'not in this test' }),
        });
        answered.add(line.id);
      }
    }, 20);
    try {
      await until(() => lines.some((l) => l.type === 'ready'), 20_000).catch(() => {
        throw new Error(`the example did not start: ${stderr}`);
      });
      send({ type: 'send', text: 'show me the demo' });
      await until(() => lines.some((l) => l.type === 'status' && l.event === 'turn_done'), 20_000);
    } finally {
      clearInterval(timer);
    }
    const text = lines
      .filter((l) => l.type === 'text')
      .map((l) => l.text)
      .join('');
    expect(text).toContain('[demo]');
    const approvals = lines.filter((l) => l.type === 'approval');
    expect(approvals[0]).toMatchObject({ action: 'file_write', preview: { kind: 'diff' } });
    const resolved = lines.filter((l) => l.type === 'resolved');
    expect(resolved.map((l) => l.state)).toEqual(['approved', ...approvals.slice(1).map(() => 'denied')]);
    expect(resolved[0]?.decidedBy).toMatchObject({ principal: 'alice', frontend: 'jsonl-frontend' });
    expect(lines.some((l) => l.type === 'tool' && l.phase === 'result' && l.tool === 'read_file')).toBe(true);
    expect(await readFile(join(dirs.ws, 'astrid-demo.txt'), 'utf8')).toContain('Written by the Astrid demo.');
    send({ type: 'quit' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
