import { createInterface } from 'node:readline';
import type { ChatController } from './controller.js';
import type { ChatChange, Entry } from './store.js';

/** Where plain mode writes. */
export interface PlainIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: { write(text: string): unknown };
}

function lineOf(entry: Entry): string | undefined {
  switch (entry.kind) {
    case 'tool':
      return `[tool] ${entry.tool}${entry.target === '' ? '' : ` ${entry.target}`}: ${entry.status}${
        entry.summary === undefined || entry.summary === '' ? '' : ` — ${entry.summary}`
      }`;
    case 'notice':
      return `[${entry.tone === 'info' ? 'astrid' : entry.tone}] ${entry.text}`;
    default:
      return undefined;
  }
}

/**
 * The chat without a TTY: prompts are read line by line from stdin, the reply is written
 * as it streams (sanitised, no styling), tool calls and notices as one plain line each.
 * Approvals are left to another frontend (one line says which command answers them) and
 * the turn waits. Resolves with the exit code at end of input, once the last turn ended.
 */
export async function runPlain(chat: ChatController, io: PlainIo): Promise<0 | 1> {
  let atLineStart = true;
  const write = (text: string) => {
    if (text === '') return;
    io.stdout.write(text);
    atLineStart = text.endsWith('\n');
  };
  const onChange = (change: ChatChange) => {
    if (change.type === 'text') write(change.delta);
    else if (change.type === 'line') {
      const line = lineOf(change.entry);
      if (line !== undefined) write(`${atLineStart ? '' : '\n'}${line}\n`);
    } else if (!chat.state.running && !atLineStart) write('\n');
  };
  // Notices from before (the session line, the demo label) are printed first.
  for (const entry of chat.state.transcript) {
    const line = lineOf(entry);
    if (line !== undefined) write(`${line}\n`);
  }
  const off = chat.subscribe(onChange);
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  let quit = false;
  void chat.exited.then(() => {
    quit = true;
    lines.close();
  });
  try {
    for await (const line of lines) {
      if (quit) break;
      await chat.submit(line);
      await chat.whenIdle();
      if (quit) break;
    }
    await chat.whenIdle();
  } finally {
    off();
  }
  if (!atLineStart) write('\n');
  chat.quit(0);
  return chat.exited;
}
