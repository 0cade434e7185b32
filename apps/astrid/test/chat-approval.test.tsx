import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApprovalDecision } from '@astrid/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChatRig,
  chatRig,
  closeChats,
  type MountedChat,
  mountChat,
  tick,
  until,
} from './chat-helpers.js';

let r: ChatRig | undefined;
let m: MountedChat | undefined;
afterEach(closeChats);

/** The pending approval of the chat's session, once the card shows it. */
async function waitCard(chat: MountedChat): Promise<string> {
  await chat.waitFrame('[d] Deny');
  const id = chat.chat.state.approvals[0]?.id;
  if (id === undefined) throw new Error('no card');
  return id;
}

describe('astrid chat: the approval card', () => {
  it('shows a write with its diff; o, s, a and d each resolve it with that decision; the deny reason reaches the agent', async () => {
    r = await chatRig();
    const keys: [string, ApprovalDecision][] = [
      ['o', 'allow_once'],
      ['s', 'allow_session'],
      ['a', 'allow_always'],
      ['d', 'deny'],
    ];
    for (const [key] of keys) {
      r.server.enqueue(
        {
          text: `writing ${key}`,
          toolCalls: [
            { name: 'write_file', arguments: { path: `${key}.txt`, content: `line for ${key}\n` } },
          ],
        },
        { text: `finished ${key}` },
      );
    }
    m = await mountChat(r);
    for (const [key, decision] of keys) {
      await m.type(`write ${key}`);
      const id = await waitCard(m);
      const card = m.frame();
      expect(card).toContain('Approval needed');
      expect(card).toContain('file_write');
      expect(card).toContain(`+line for ${key}`);
      expect(card).toContain('[o] Allow Once  [s] Allow Session  [a] Allow Always  [d] Deny');
      expect(card).toMatch(/write_file .*\.txt\s+waiting/);
      m.ui.stdin.write(key);
      if (key === 'd') {
        await m.waitFrame('Reason for the agent');
        await m.type('use notes.md instead', false);
        await m.waitFrame('use notes.md instead');
        m.ui.stdin.write('\r');
      }
      await until(async () => (await m?.client.call('approval.get', { id }))?.state !== 'pending', 'answer');
      const answered = await m.client.call('approval.get', { id });
      expect(answered.decision).toBe(decision);
      expect(answered.state).toBe(decision === 'deny' ? 'denied' : 'approved');
      expect(answered.decidedBy).toMatchObject({ principal: 'tester', frontend: 'cli' });
      await m.chat.whenIdle();
      await m.waitFrame(`finished ${key}`);
      expect(m.frame()).not.toContain('Approval needed');
      if (key === 'a') {
        const tokens = (await m.client.call('token.list')).tokens as { id: string }[];
        expect(tokens.length).toBe(1);
      }
    }
    expect(m.frame()).toMatch(/write_file .*d\.txt\s+denied/);
    expect(m.frame()).toMatch(/write_file .*o\.txt\s+done/);
    expect(m.frame()).toContain('denied by tester (cli): use notes.md instead');
    // The request after the denial carries the reason in the tool result.
    const last = JSON.stringify(r.server.requests.at(-1)?.body);
    expect(last).toContain('use notes.md instead');
  });

  it('a reason typed with its Enter in one read is submitted whole; a multi-line tool summary shows its first line', async () => {
    r = await chatRig();
    await writeFile(join(r.ws, 'notes.md'), 'first line of notes\nsecond line of notes\n');
    r.server.enqueue(
      { toolCalls: [{ name: 'read_file', arguments: { path: 'notes.md' } }] },
      { toolCalls: [{ name: 'write_file', arguments: { path: 'pasted.txt', content: 'x\n' } }] },
      { text: 'understood' },
    );
    m = await mountChat(r);
    await m.type('read then write');
    const id = await waitCard(m);
    expect(m.frame()).toContain('first line of notes');
    expect(m.frame()).not.toContain('second line of notes');
    m.ui.stdin.write('d');
    await m.waitFrame('Reason for the agent');
    m.ui.stdin.write('pasted reason\r');
    await until(async () => (await m?.client.call('approval.get', { id }))?.state !== 'pending', 'answer');
    expect(await m.client.call('approval.get', { id })).toMatchObject({
      state: 'denied',
      reason: 'pasted reason',
    });
  });

  it('a request answered by another frontend closes the card and says who decided', async () => {
    r = await chatRig();
    r.server.enqueue(
      { toolCalls: [{ name: 'write_file', arguments: { path: 'remote.txt', content: 'x\n' } }] },
      { text: 'all done' },
    );
    m = await mountChat(r);
    await m.type('write remote');
    const id = await waitCard(m);
    const bob = await r.client('telegram');
    await bob.call('approval.respond', { id, decision: 'allow_once', userId: 'bob' });
    await m.waitFrame('approved (allow once) by bob (telegram)');
    await m.waitFrame('all done');
    expect(m.frame()).not.toContain('[d] Deny');
    expect(m.chat.state.approvals).toEqual([]);
    // The closed card took no answer from this terminal: a key press now is just typing.
    m.ui.stdin.write('o');
    await tick();
    expect((await m.client.call('approval.get', { id })).decidedBy?.principal).toBe('bob');
  });

  it('shows the full command, the agent words labelled as theirs and "not sandboxed" for bash', async () => {
    r = await chatRig({ flags: { tools: { bash: { sandbox: 'none' } } } });
    r.server.enqueue(
      {
        toolCalls: [
          { name: 'bash', arguments: { command: "echo 'hello world'", description: 'write a greeting' } },
        ],
      },
      { text: 'ok' },
    );
    m = await mountChat(r);
    await m.type('run it');
    await waitCard(m);
    const card = m.frame();
    expect(card).toContain('execute_command');
    expect(card).toContain('the agent says: write a greeting');
    expect(card).toMatch(/command: echo 'hello world'/);
    expect(card).toContain('not sandboxed');
    m.ui.stdin.write('d');
    await m.waitFrame('Reason for the agent');
    m.ui.stdin.write('\r');
    await m.waitFrame('ok');
  });
});
