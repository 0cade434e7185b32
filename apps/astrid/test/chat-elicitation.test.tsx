import type { ElicitationRequest, ElicitationResult } from '@astrid/core';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ElicitationForm, parseFieldValue } from '../src/chat/index.js';
import {
  askSetupTool,
  type ChatRig,
  chatRig,
  closeChats,
  foreignEscapes,
  type MountedChat,
  mountChat,
  tick,
  until,
} from './chat-helpers.js';

let r: ChatRig | undefined;
let m: MountedChat | undefined;
afterEach(closeChats);

describe('astrid chat: elicitations', () => {
  it('asks inline one field at a time: a masked secret, a choice, a checked number, y/n; the answer reaches the tool', async () => {
    const results: ElicitationResult[] = [];
    r = await chatRig({ tools: () => [askSetupTool(results, 'Need setup \x1b]52;c;ZXZpbA==\x07now\u202e')] });
    r.server.enqueue({ toolCalls: [{ name: 'ask_setup', arguments: {} }] }, { text: 'configured' });
    m = await mountChat(r);
    await m.type('set up');
    await m.waitFrame('Input requested by');
    expect(m.frame()).toContain('they say: Need setup now\\u202e');
    await m.type('sk-secret-123', false);
    await m.waitFrame('*************');
    expect(m.frame()).not.toContain('sk-secret');
    m.ui.stdin.write('\r');
    await m.waitFrame('› eu');
    m.ui.stdin.write('\x1b[B');
    await m.waitFrame('› us');
    m.ui.stdin.write('\r');
    await m.waitFrame('workers');
    await m.type('2.5');
    await m.waitFrame('expected a whole number');
    for (let i = 0; i < 2; i++) {
      m.ui.stdin.write('\x7f');
      await tick();
    }
    await m.waitFrame((f) => f.includes('› 2') && !f.includes('› 2.'));
    m.ui.stdin.write('\r');
    await m.waitFrame('[y] yes');
    m.ui.stdin.write('y');
    await until(() => results.length === 1, 'elicitation result');
    expect(results[0]).toMatchObject({
      outcome: 'accept',
      content: { apiKey: 'sk-secret-123', region: 'us', workers: 2, verbose: true },
    });
    await m.waitFrame('configured');
    expect(m.frame()).toContain(': accept');
    expect(m.allOutput()).not.toContain('sk-secret');
    expect(foreignEscapes(m.allOutput())).toEqual([]);
  });

  it('Esc cancels the form; the tool hears cancel', async () => {
    const results: ElicitationResult[] = [];
    r = await chatRig({ tools: () => [askSetupTool(results, 'Need setup')] });
    r.server.enqueue({ toolCalls: [{ name: 'ask_setup', arguments: {} }] }, { text: 'gave up' });
    m = await mountChat(r);
    await m.type('set up');
    await m.waitFrame('Input requested by');
    m.ui.stdin.write('\x1b');
    await until(() => results.length === 1, 'elicitation result');
    expect(results[0]?.outcome).toBe('cancel');
    await m.waitFrame('gave up');
  });
});

describe('the elicitation form alone', () => {
  const request: ElicitationRequest = {
    id: 'eli_1',
    session: 'ses_1' as ElicitationRequest['session'],
    source: 'mcp://weather',
    message: 'Which city?',
    fields: [
      { name: 'city', type: 'string', required: false, secret: false },
      { name: 'days', type: 'number', required: false, secret: false },
    ],
    createdAt: 0,
    expiresAt: 1,
  };

  it('skips optional fields with Enter and Ctrl-D declines', async () => {
    const answers: unknown[] = [];
    const ui = render(
      createElement(ElicitationForm, { request, active: true, onAnswer: (a) => answers.push(a) }),
    );
    await tick();
    expect(ui.lastFrame()).toContain('Input requested by mcp://weather');
    ui.stdin.write('\r');
    await tick();
    expect(ui.lastFrame()).toContain('days');
    ui.stdin.write('\x04');
    await tick();
    expect(answers).toEqual([{ action: 'decline' }]);
    ui.unmount();
  });

  it('parseFieldValue checks numbers and integers', () => {
    const field = { name: 'n', type: 'integer', required: true, secret: false } as const;
    expect(parseFieldValue(field, '3')).toEqual({ value: 3 });
    expect(parseFieldValue(field, '3.5').error).toBe('expected a whole number');
    expect(parseFieldValue({ ...field, type: 'number' }, 'abc').error).toBe('expected a number');
    expect(parseFieldValue({ ...field, type: 'number' }, '-1.5')).toEqual({ value: -1.5 });
    expect(parseFieldValue({ ...field, type: 'string' }, ' x ')).toEqual({ value: ' x ' });
  });
});
