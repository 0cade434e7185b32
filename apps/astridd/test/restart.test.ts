import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApprovalRequest, RpcNotifications } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connect,
  type Daemon,
  type Dirs,
  kill,
  makeDirs,
  removeDirs,
  startDaemon,
  until,
} from './helpers.js';

let dirs: Dirs;
const daemons: Daemon[] = [];
beforeEach(async () => {
  dirs = await makeDirs();
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await kill(d);
  await removeDirs(dirs);
});

function requests(notes: RpcNotifications['session.event'][]): ApprovalRequest[] {
  return notes.flatMap((n) => (n.event.type === 'approval_requested' ? [n.event.request] : []));
}

describe('SIGKILL while a proposal awaits approval', () => {
  it('after a restart the approval is still pending; approving it runs the action and the turn goes on; since replays exactly what was missed', async () => {
    // The offline demo agent (no API key): list, read, then a write that asks.
    const first = await startDaemon(dirs);
    daemons.push(first);
    const client = await connect(dirs);
    const session = await client.call('session.create', { label: 'crash me' });
    const notes: RpcNotifications['session.event'][] = [];
    client.on('session.event', (n) => notes.push(n));
    await client.subscribeSession(session.id);
    await client.call('session.send', { sessionId: session.id, text: 'show me the demo' });
    await until(() => requests(notes).length === 1);
    const write = requests(notes)[0] as ApprovalRequest;
    expect(write.action.kind).toBe('file_write');
    const lastSeen = notes[notes.length - 1]?.seq as number;

    first.child.kill('SIGKILL');
    await first.exited;
    await client.close();

    const second = await startDaemon(dirs);
    daemons.push(second);
    const again = await connect(dirs);
    expect(again.hello.epoch).not.toBe(client.hello.epoch);
    expect((await again.call('approval.get', { id: write.id })).state).toBe('pending');
    const after: RpcNotifications['session.event'][] = [];
    again.on('session.event', (n) => after.push(n));
    await again.subscribeSession(session.id, lastSeen);
    await again.call('approval.respond', { id: write.id, decision: 'allow_once' });
    // The write ran, and the demo went on to its next step (an edit, which asks again).
    await until(
      async () => (await readFile(join(dirs.ws, 'astrid-demo.txt'), 'utf8').catch(() => '')).length > 0,
    );
    await until(() => after.some((n) => n.event.type === 'tool_result' && n.event.tool === 'write_file'));
    await until(() => requests(after).some((r) => r.preview.kind === 'diff' && r.id !== write.id));
    // Seqs continue from where this client stopped, without a gap or a repeat.
    const seqs = after.map((n) => n.seq);
    expect(seqs[0]).toBe(lastSeen + 1);
    expect(seqs).toEqual(seqs.map((_, i) => lastSeen + 1 + i));
    await again.close();
  });
});
