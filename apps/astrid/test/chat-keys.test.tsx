import { afterEach, describe, expect, it } from 'vitest';
import { type ChatRig, chatRig, closeChats, type MountedChat, mountChat, tick } from './chat-helpers.js';

/** The text on the prompt line (the last line starting with the prompt mark). */
function promptOf(frame: string): string | undefined {
  const line = frame
    .split('\n')
    .filter((l) => l.startsWith('›'))
    .at(-1);
  return line?.slice(1).trim();
}

let r: ChatRig | undefined;
let m: MountedChat | undefined;
afterEach(closeChats);

describe('astrid chat: Ctrl-C, history and slash commands', () => {
  it('Ctrl-C cancels the running turn; a second Ctrl-C exits', async () => {
    r = await chatRig();
    const chunks = Array.from({ length: 40 }, (_, i) => `chunk${i} `);
    r.server.enqueue({ text: chunks, latencyMs: 150 });
    m = await mountChat(r);
    await m.type('slow please');
    await m.waitFrame('chunk0');
    m.ui.stdin.write('\x03');
    await m.waitFrame('cancelled');
    await m.chat.whenIdle();
    const info = await m.client.call('session.get', { sessionId: m.chat.state.sessionId });
    expect(info.running).toBe(false);
    expect(m.frame()).not.toContain('chunk39');
    let exited: number | undefined;
    void m.chat.exited.then((code) => {
      exited = code;
    });
    await tick();
    expect(exited).toBeUndefined();
    m.ui.stdin.write('\x03');
    expect(await m.chat.exited).toBe(0);
  });

  it('a first Ctrl-C when idle only warns; typing disarms it', async () => {
    r = await chatRig();
    m = await mountChat(r);
    await m.waitFrame('new session');
    m.ui.stdin.write('\x03');
    await m.waitFrame('press Ctrl-C again to exit');
    await m.type('x', false);
    await m.waitFrame((f) => !f.includes('press Ctrl-C again'));
    m.ui.stdin.write('\x03');
    await m.waitFrame('press Ctrl-C again to exit');
    m.ui.stdin.write('\x03');
    expect(await m.chat.exited).toBe(0);
  });

  it('up and down walk the input history; /help, /budget, /sessions, /approvals and an unknown command answer', async () => {
    r = await chatRig();
    r.server.enqueue({ text: 'first answer' }, { text: 'second answer' });
    m = await mountChat(r);
    await m.type('first question');
    await m.waitFrame('first answer');
    await m.chat.whenIdle();
    await m.type('second question');
    await m.waitFrame('second answer');
    await m.chat.whenIdle();
    m.ui.stdin.write('\x1b[A');
    await m.waitFrame((f) => promptOf(f) === 'second question');
    m.ui.stdin.write('\x1b[A');
    await m.waitFrame((f) => promptOf(f) === 'first question');
    m.ui.stdin.write('\x1b[B');
    await m.waitFrame((f) => promptOf(f) === 'second question');
    m.ui.stdin.write('\x1b[B');
    await m.waitFrame((f) => promptOf(f) === '');

    await m.type('/help');
    await m.waitFrame('/copy');
    await m.type('/budget');
    await m.waitFrame((f) => /spent \$0\.\d{4}, reserved \$0\.0000, limit \$10\.0000/.test(f));
    await m.type('/sessions');
    await m.waitFrame((f) => f.includes(`${m?.chat.state.sessionId}  active`));
    await m.type('/approvals');
    await m.waitFrame('no pending approvals');
    await m.type('/nope');
    await m.waitFrame('unknown command /nope');
    await m.type('/new');
    await m.waitFrame((f) => (f.match(/new session ses_/g) ?? []).length === 2);
    await m.type('/quit');
    expect(await m.chat.exited).toBe(0);
  });
});
