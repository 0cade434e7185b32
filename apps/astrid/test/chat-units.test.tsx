import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApprovalRequest } from '@astrid/core';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalCard, approvalOptions } from '../src/chat/index.js';
import { editLine, emptyLine, submitLine } from '../src/chat/line-editor.js';
import { type ChatRig, chatRig, closeChats, type MountedChat, mountChat } from './chat-helpers.js';

let r: ChatRig | undefined;
let m: MountedChat | undefined;
afterEach(closeChats);

describe('line editor', () => {
  it('types, pastes without control characters, moves, erases and keeps a history', () => {
    let s = emptyLine();
    s = editLine(s, 'helo', {});
    s = editLine(s, '', { leftArrow: true });
    s = editLine(s, 'l', {});
    expect(s.text).toBe('hello');
    s = editLine(s, '', { end: true });
    s = editLine(s, ' wor\x1b[2Jld\u0007', {});
    expect(s.text).toBe('hello wor[2Jld');
    s = editLine(s, '', { backspace: true });
    expect(s.text).toBe('hello wor[2Jl');
    const first = submitLine(s);
    expect(first.text).toBe('hello wor[2Jl');
    let t = editLine(first.next, 'draft', {});
    t = editLine(t, '', { upArrow: true });
    expect(t.text).toBe('hello wor[2Jl');
    t = editLine(t, '', { upArrow: true });
    expect(t.text).toBe('hello wor[2Jl');
    t = editLine(t, '', { downArrow: true });
    expect(t.text).toBe('draft');
    expect(submitLine(emptyLine(['a'])).next.history).toEqual(['a']);
  });
});

describe('approval card model', () => {
  const base = {
    id: 'apr_1',
    session: 'ses_1',
    principal: 'p',
    action: { kind: 'file_write', path: '/ws/a\u202e.txt' },
    actionHash: 'h',
    risk: 'medium',
    summary: 'Write \x1b[2J/ws/a.txt',
    agentText: 'trust me\x1b]8;;http://x\x07',
    preview: { kind: 'diff', path: '/ws/a.txt', diff: '--- a\n+++ b\n@@ -0,0 +1 @@\n+hi\x9b2J\n-old\n' },
    createdAt: 0,
    expiresAt: 1,
    state: 'pending',
    auditLinks: {},
  } as unknown as ApprovalRequest;

  it('sanitises every string and classifies diff lines', () => {
    const card = approvalCard(base);
    expect(card.target).toBe('/ws/a\\u202e.txt');
    expect(card.summary).toBe('Write /ws/a.txt');
    expect(card.agentText).toBe('trust me');
    expect(card.preview.kind === 'diff' && card.preview.lines.map((l) => `${l.kind}:${l.text}`)).toEqual([
      'meta:--- a',
      'meta:+++ b',
      'hunk:@@ -0,0 +1 @@',
      'add:+hi',
      'del:-old',
    ]);
    expect(card.options).toEqual(['allow_once', 'allow_session', 'allow_always', 'deny']);
  });

  it('a budget extension offers only Allow Once and Deny; a declared option list is honoured', () => {
    const budget = {
      ...base,
      preview: { kind: 'budget', session: 'ses_1', amount: 5, limit: 10 },
    } as ApprovalRequest;
    expect(approvalOptions(budget)).toEqual(['allow_once', 'deny']);
    const declared = { ...base, options: ['allow_once'] } as ApprovalRequest;
    expect(approvalOptions(declared)).toEqual(['allow_once', 'deny']);
  });

  it('a bash preview outside the sandbox is flagged', () => {
    const bash = {
      ...base,
      action: { kind: 'execute_command', argv: ['rm', '-rf', 'my dir'] },
      preview: { kind: 'argv', argv: ['rm', '-rf', 'my dir'], sandboxed: false },
    } as unknown as ApprovalRequest;
    const card = approvalCard(bash);
    expect(card.notSandboxed).toBe(true);
    expect(card.preview).toEqual({ kind: 'command', command: "rm -rf 'my dir'" });
  });
});

describe('auto-apply countdown', () => {
  // The unit: the event handed to the chat's frontend as attachFrontend would. The end-to-end
  // test below has the daemon start it (an allowed command in autonomous mode, sandboxed by
  // bubblewrap, which .ci/run installs).
  it('shows the seconds left; Esc calls countdown.cancel() and closes it', async () => {
    r = await chatRig();
    m = await mountChat(r);
    await m.waitFrame('new session');
    let cancels = 0;
    m.chat.frontend.countdown({
      id: 'cd_1',
      agent: { session: m.chat.state.sessionId, root: m.chat.state.sessionId, depth: 0, label: 'x' } as never,
      action: { kind: 'execute_command', argv: ['touch', 'ran.txt'] },
      risk: 'high',
      seconds: 30,
      cancel: async () => {
        cancels++;
        queueMicrotask(() => m?.chat.frontend.countdownCancelled('cd_1'));
        return true;
      },
    });
    await m.waitFrame((f) =>
      /auto-applying execute_command touch ran\.txt \(risk high\) in (30|29)s — Esc cancels/.test(f),
    );
    m.ui.stdin.write('\x1b');
    await m.waitFrame('auto-apply cancelled');
    expect(cancels).toBe(1);
    expect(m.frame()).not.toContain('auto-applying');
  });

  it('end to end: the daemon counts down an allowed rm in autonomous mode; Esc cancels it and the file stays', async () => {
    r = await chatRig({
      flags: {
        workspace: { mode: 'autonomous' },
        approval: { countdown_seconds: 60 },
        security: { policy: { allowed_commands: ['rm old.txt'] } },
      },
    });
    await writeFile(join(r.ws, 'old.txt'), 'keep me\n');
    r.server.enqueue(
      { toolCalls: [{ name: 'bash', arguments: { command: 'rm old.txt' } }] },
      { text: 'ok then' },
    );
    m = await mountChat(r);
    await m.type('clean up');
    await m.waitFrame((f) => /auto-applying .*rm old\.txt \(risk high\) in \d+s — Esc cancels/.test(f));
    m.ui.stdin.write('\x1b');
    await m.waitFrame('auto-apply cancelled');
    await m.waitFrame('ok then');
    expect(m.frame()).toMatch(/bash rm old\.txt\s+denied/);
    expect(await readFile(join(r.ws, 'old.txt'), 'utf8')).toBe('keep me\n');
  });
});
