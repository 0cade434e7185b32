import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sanitize } from '../src/sanitize.js';
import {
  type ChatRig,
  chatRig,
  closeChats,
  foreignEscapes,
  type MountedChat,
  mountChat,
  stripSgr,
} from './chat-helpers.js';

// An SGR colour around `const` (what emphasize adds), and any OSC 52 clipboard sequence.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const COLOURED_CONST = /\u001b\[\d+mconst\u001b\[\d+m/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const OSC52 = /\u001b\]52;c;[A-Za-z0-9+/=]*\u0007/g;

let r: ChatRig | undefined;
let m: MountedChat | undefined;
afterEach(closeChats);

describe('astrid chat: streaming and markdown', () => {
  it('streams a multi-chunk reply as it arrives', async () => {
    r = await chatRig();
    r.server.enqueue({ text: ['Hello ', 'from ', 'the ', 'scripted ', 'model.'], latencyMs: 30 });
    m = await mountChat(r);
    await m.waitFrame('new session');
    await m.type('hi');
    await m.waitFrame('Hello from the scripted model.');
    // Streamed: some frame held the reply's beginning without its end.
    const partial = m.ui.frames.some((f) => f.includes('Hello') && !f.includes('scripted model.'));
    expect(partial).toBe(true);
    await m.chat.whenIdle();
    expect(m.chat.state.running).toBe(false);
    expect(m.frame()).toContain('› hi');
    expect(foreignEscapes(m.allOutput())).toEqual([]);
  });

  it('highlights a fenced code block (ANSI colour) while its content is sanitised', async () => {
    r = await chatRig();
    r.server.enqueue({
      text: [
        '# Title\n\nSome **bold** and `code`.\n\n```ts\nconst answer = 42;',
        ' // \x1b[2Jwiped\n```\n\n- one\n- two\n',
      ],
    });
    m = await mountChat(r);
    await m.type('show code');
    const frame = await m.waitFrame((f) => COLOURED_CONST.test(f) && f.includes('two'));
    expect(frame).toContain('Title');
    expect(frame).toContain('• one');
    expect(frame).toContain('wiped');
    expect(frame).not.toContain('\x1b[2J');
    expect(foreignEscapes(m.allOutput())).toEqual([]);
  });

  it('/copy writes exactly one OSC 52 with the base64 of the last sanitised reply', async () => {
    r = await chatRig();
    const reply = 'copy me\u202e please\x1b]52;c;ZXZpbA==\x07 \x1b[31mred';
    r.server.enqueue({ text: reply });
    m = await mountChat(r);
    await m.type('say something');
    await m.waitFrame('copy me');
    await m.chat.whenIdle();
    await m.type('/copy');
    await m.waitFrame('copied the last reply');
    const out = m.allOutput();
    const sequences = out.match(OSC52) ?? [];
    expect(sequences).toHaveLength(1);
    const expected = sanitize(reply, { multiline: true });
    expect(expected).toBe('copy me\\u202e please red');
    expect(sequences[0]).toBe(`\x1b]52;c;${Buffer.from(expected).toString('base64')}\x07`);
    // The model's own OSC 52 never reached the terminal.
    expect(out).not.toContain('ZXZpbA==');
  });
});

describe('astrid chat: hostile control sequences are neutralised', () => {
  const HOSTILE =
    'A\x1b[2Aup \x1b[2Jclear \x1b]52;c;ZXZpbA==\x07clip \x1b]8;;https://evil.example\x07link\x1b]8;;\x07 ' +
    '\x9b2Jc1 \u202eitxet\u202c \u200bzw';

  it('in the reply, a code block, a tool summary, an approval summary, the agent words and a diff', async () => {
    r = await chatRig({ flags: { tools: { bash: { sandbox: 'none' } } } });
    await writeFile(join(r.ws, 'notes.txt'), `notes ${HOSTILE}\n`);
    r.server.enqueue(
      {
        text: [`Reply ${HOSTILE.slice(0, 20)}`, `${HOSTILE.slice(20)}\n\n\`\`\`\ncode ${HOSTILE}\n\`\`\`\n`],
        toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }],
      },
      {
        toolCalls: [
          { name: 'write_file', arguments: { path: 'ev\u202eil.txt', content: `diff ${HOSTILE}\n` } },
        ],
      },
      { toolCalls: [{ name: 'bash', arguments: { command: 'echo hi', description: `agent ${HOSTILE}` } }] },
      { text: 'end' },
    );
    m = await mountChat(r);
    await m.type('go');
    await m.waitFrame('[d] Deny');
    expect(m.frame()).toContain('+diff A');
    expect(m.frame()).toContain('ev\\u202eil.txt');
    m.ui.stdin.write('o');
    await m.waitFrame('the agent says: agent A');
    m.ui.stdin.write('o');
    await m.waitFrame('end');
    await m.chat.whenIdle();

    const out = m.allOutput();
    for (const raw of ['\x1b[2A', '\x1b[2J', '\x1b]52', '\x1b]8', '\x9b', '\u202e', '\u200b', '\x07']) {
      expect(out).not.toContain(raw);
    }
    expect(foreignEscapes(out)).toEqual([]);
    // Shown escaped, so the user sees something was there; the visible words survive.
    expect(out).toContain('\\u202e');
    expect(out).toContain('\\u200b');
    expect(out).toMatch(/Reply A\s*up clear clip link/);
    expect(stripSgr(out)).toContain('code A');
    expect(out).toMatch(/read_file notes\.txt\s+done — .*notes A/);
  });
});
