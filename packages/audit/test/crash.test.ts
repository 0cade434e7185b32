import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RuntimeKeyRing } from '@astrid/crypto';
import { LevelDatabase } from '@astrid/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, verifyAuditDatabase } from '../src/index.js';

// tsx's ESM loader, resolved from the workspace root's node_modules.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const LOOP = fileURLToPath(new URL('./fixtures/append-loop.ts', import.meta.url));

let home: string;
let child: ChildProcess | undefined;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'astrid-'));
});
afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
  await rm(home, { recursive: true, force: true });
});

/** Runs the append loop until it has acknowledged `acks` appends, then SIGKILLs it mid-stream. */
async function appendThenKill(acks: number): Promise<number> {
  const proc = spawn(process.execPath, ['--import', TSX_LOADER, '--conditions=source', LOOP, home], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let maxAcked = -1;
  let seen = 0;
  let buffer = '';
  const exited = once(proc, 'exit');
  await new Promise<void>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        maxAcked = Math.max(maxAcked, Number(line));
        if (++seen === acks) {
          // Killed while its writers keep appending: a batch is very likely in flight.
          proc.kill('SIGKILL');
          resolve();
        }
      }
    });
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`append loop exited with ${code}: ${stderr}`));
    });
  });
  await exited;
  return maxAcked;
}

describe('crash safety', () => {
  it('leaves a chain that verifies after SIGKILL in a tight append loop, with every acknowledged entry', async () => {
    const acked = await appendThenKill(300);
    const ring = await RuntimeKeyRing.openOrCreate(join(home, 'keys'));
    const db = await LevelDatabase.open(home);
    try {
      const result = await verifyAuditDatabase(db, { keyHistory: ring.history(), indexes: true, deep: true });
      expect(result.ok).toBe(true);
      // Durable when append resolves: nothing the child saw acknowledged is missing; the entry
      // being written at the kill is either whole or absent.
      expect(result.head?.seq).toBeGreaterThanOrEqual(acked);
      const log = await AuditLog.open({ db, signer: ring, checkpointSeconds: 0 });
      const next = await log.append({ kind: 'session_resumed', principal: 'runtime' });
      expect(next.seq).toBe((result.head?.seq ?? -1) + 1);
      expect(next.prevHash).toBe(result.head?.hash);
      await log.close();
      expect((await log.verify({ deep: true })).ok).toBe(true);
    } finally {
      await db.close();
    }
  });
});
