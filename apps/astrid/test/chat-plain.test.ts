import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { configureHint, DEMO_NOTICE, runChat } from '../src/chat/index.js';
import { type ChatRig, chatRig, closeChats, foreignEscapes, tick, until } from './chat-helpers.js';

let r: ChatRig | undefined;
afterEach(closeChats);

/** Piped streams, as a shell gives them when stdin/stdout are not a TTY. */
function pipes() {
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const stdout = sink((s) => {
    out += s;
  });
  const stderr = sink((s) => {
    err += s;
  });
  return {
    stdin: stdin as unknown as NodeJS.ReadStream,
    input: stdin,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    out: () => out,
    err: () => err,
  };
}

describe('astrid chat without a TTY', () => {
  it('reads prompts from piped stdin, prints the streamed reply as plain text, exits 0 at end of input', async () => {
    r = await chatRig();
    r.server.enqueue(
      { text: ['Plain ', 'streamed ', 'reply \x1b[2Jwith\u202e junk.'] },
      { text: 'second reply' },
    );
    const io = pipes();
    const client = await r.client('cli');
    io.input.end('first line\nsecond line\n');
    const code = await runChat({ client, interactive: false, ...io });
    expect(code).toBe(0);
    const out = io.out();
    expect(out).toContain('Plain streamed reply with\\u202e junk.');
    expect(out).toContain('second reply');
    expect(out).not.toContain('\x1b');
    expect(out).not.toContain('\u202e');
    expect(r.server.requests).toHaveLength(2);
    expect(io.err()).toBe('');
  });

  it('an approval prints one line saying it waits for another frontend; approving from a second client lets the turn finish', async () => {
    r = await chatRig();
    r.server.enqueue(
      { toolCalls: [{ name: 'write_file', arguments: { path: 'piped.txt', content: 'from a pipe\n' } }] },
      { text: 'file written' },
    );
    const io = pipes();
    const client = await r.client('cli');
    io.input.end('write the file\n');
    const done = runChat({ client, interactive: false, ...io });
    await until(() => io.out().includes('waiting for another frontend'), 'waiting line');
    const waiting = io
      .out()
      .split('\n')
      .filter((l) => l.includes('waiting for another frontend'));
    expect(waiting).toHaveLength(1);
    const bob = await r.client('telegram');
    const [pending] = (await bob.call('approval.list', { state: 'pending' })).approvals;
    expect(waiting[0]).toContain(`astrid approvals approve ${pending?.id}`);
    await bob.call('approval.respond', { id: pending?.id as string, decision: 'allow_once', userId: 'bob' });
    expect(await done).toBe(0);
    const out = io.out();
    expect(out).toContain('approved (allow once) by bob (telegram)');
    expect(out).toMatch(/\[tool\] write_file piped\.txt: done/);
    expect(out).toContain('file written');
    expect(foreignEscapes(out)).toEqual([]);
  });

  it('SIGINT cancels the running turn, and a second one exits 0', async () => {
    r = await chatRig();
    r.server.enqueue({ text: Array.from({ length: 40 }, (_, i) => `chunk${i} `), latencyMs: 150 });
    const io = pipes();
    const signals = new EventEmitter();
    const client = await r.client('cli');
    io.input.write('slow please\n'); // stdin stays open: only the signals end this chat
    const done = runChat({ client, interactive: false, signals, ...io });
    await until(() => io.out().includes('chunk0'), 'the reply starts');
    const sessionId = (await client.call('session.list', {})).sessions[0]?.id as string;
    signals.emit('SIGINT');
    await until(async () => (await client.call('session.get', { sessionId })).running === false, 'cancelled');
    expect(io.out()).not.toContain('chunk39');
    signals.emit('SIGINT');
    expect(await done).toBe(0);
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('says at start when commands will run unsandboxed (an ephemeral daemon logs it where nobody looks)', async () => {
    r = await chatRig({ flags: { tools: { bash: { sandbox: 'none' } } } });
    const io = pipes();
    const client = await r.client('cli');
    io.input.end();
    expect(await runChat({ client, interactive: false, ...io })).toBe(0);
    expect(io.out()).toContain('warning: commands run unsandboxed: [tools.bash] sandbox = "none"');
  });

  it('says nothing of the sandbox when commands are sandboxed', async () => {
    r = await chatRig({ flags: { tools: { bash: { sandbox: 'bwrap' } } } });
    const io = pipes();
    const client = await r.client('cli');
    io.input.end();
    expect(await runChat({ client, interactive: false, ...io })).toBe(0);
    expect(io.out()).not.toMatch(/unsandboxed|will be refused/);
  });

  it('--session with an unknown id fails with exit 1 and one line on stderr', async () => {
    r = await chatRig();
    const io = pipes();
    const client = await r.client('cli');
    io.input.end();
    const code = await runChat({ client, interactive: false, sessionId: 'ses_doesnotexist', ...io });
    expect(code).toBe(1);
    expect(io.err()).toMatch(/^astrid: chat could not start: SESSION_NOT_FOUND: .*\n$/);
  });

  it('labels the demo agent and says in one line how to configure a model', async () => {
    r = await chatRig({ demo: true });
    const io = pipes();
    const client = await r.client('cli');
    io.input.end();
    expect(await runChat({ client, interactive: false, ...io })).toBe(0);
    const lines = io
      .out()
      .split('\n')
      .filter((l) => l.includes(DEMO_NOTICE));
    expect(lines).toHaveLength(1);
    // It names the config file of this daemon's data dir, wherever ASTRID_HOME points.
    expect(lines[0]).toContain(configureHint(join(r.home, 'config.toml')));
  });
});

describe('runChat with a terminal', () => {
  /** Just enough of a TTY for ink: raw mode, columns, events. */
  function fakeTty() {
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: () => stdin,
      ref: () => stdin,
      unref: () => stdin,
    });
    let out = '';
    const stdout = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, done) {
          out += chunk.toString();
          done();
        },
      }),
      { isTTY: true, columns: 100, rows: 40 },
    );
    return {
      stdin: stdin as unknown as NodeJS.ReadStream,
      input: stdin,
      stdout: stdout as unknown as NodeJS.WriteStream,
      stderr: stdout as unknown as NodeJS.WriteStream,
      out: () => out,
    };
  }

  it('renders the ink REPL, calls onReady once, and /quit resolves 0', async () => {
    r = await chatRig();
    r.server.enqueue({ text: 'hello terminal' });
    const io = fakeTty();
    const client = await r.client('cli');
    let ready = 0;
    const done = runChat({ client, interactive: true, ...io, onReady: () => ready++ });
    await until(() => ready === 1 && io.out().includes('new session'), 'prompt');
    // Text and Enter in one read, as a fast typist or a paste gives them.
    io.input.write('hi\r');
    await until(() => io.out().includes('hello terminal'), 'reply');
    io.input.write('/quit');
    await tick(50);
    io.input.write('\r');
    expect(await done).toBe(0);
    expect(ready).toBe(1);
  });
});
