import { MAX_FRAME_BYTES, WIRE_ERROR_CODES, wireCodeOf } from '@astrid/core';
import { resolveSandbox } from '@astrid/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Rig, rawSocket, rig, until } from './helpers.js';

let r: Rig;
beforeAll(async () => {
  r = await rig();
});
afterAll(async () => {
  await r.close();
});

describe('JSON-RPC over the Unix socket', () => {
  it('hello is verified and typed calls work', async () => {
    const client = await r.client();
    expect(client.hello.protocol).toBe(1);
    const status = await client.call('daemon.status');
    expect(status.pid).toBe(process.pid);
    expect(status.lockdown.active).toBe(false);
    expect(status.sandbox.active).toBe('yes');
    expect(status.connections).toBeGreaterThanOrEqual(1);
  });

  it('id 0 and string ids are answered with the same id; notifications get no reply', async () => {
    const raw = await rawSocket(r);
    raw.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'daemon.status' })); // a notification
    raw.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'config.paths' }));
    raw.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'abc', method: 'config.paths' }));
    raw.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'no.such.method' })); // notification: no error reply
    const replies = (await raw.next(2)) as { id: unknown; result?: unknown }[];
    expect(replies.map((m) => m.id).sort()).toEqual([0, 'abc']);
    expect(replies.every((m) => m.result !== undefined)).toBe(true);
    await new Promise((res) => setTimeout(res, 100));
    expect(raw.messages).toEqual([]);
    raw.ws.close();
  });

  it('bad input gets a precise error while another client keeps working', async () => {
    const other = await r.client();
    const raw = await rawSocket(r);
    const cases: [string, number, RegExp][] = [
      ['{not json', WIRE_ERROR_CODES.PARSE_ERROR, /Parse error/],
      ['[]', WIRE_ERROR_CODES.INVALID_REQUEST, /empty batch/],
      ['"just a string"', WIRE_ERROR_CODES.INVALID_REQUEST, /JSON object/],
      ['{"jsonrpc":"1.0","id":1,"method":"daemon.status"}', WIRE_ERROR_CODES.INVALID_REQUEST, /"jsonrpc"/],
      [
        '{"jsonrpc":"2.0","id":2,"method":"nope"}',
        WIRE_ERROR_CODES.METHOD_NOT_FOUND,
        /unknown method "nope"/,
      ],
      [
        '{"jsonrpc":"2.0","id":3,"method":"session.get","params":{"sessionId":"../x"}}',
        WIRE_ERROR_CODES.INVALID_PARAMS,
        /invalid params for session.get: "sessionId"/,
      ],
      [
        '{"jsonrpc":"2.0","id":4,"method":"daemon.status","params":{"extra":1}}',
        WIRE_ERROR_CODES.INVALID_PARAMS,
        /daemon.status/,
      ],
      [
        '{"jsonrpc":"2.0","id":5,"method":"session.get","params":{"sessionId":"ses_missing"}}',
        wireCodeOf('SESSION_NOT_FOUND'),
        /no session/,
      ],
    ];
    for (const [frame, code, message] of cases) {
      raw.ws.send(frame);
      const [reply] = (await raw.next()) as {
        error: { code: number; message: string; data: { code: string } };
      }[];
      expect(reply?.error.code, frame).toBe(code);
      expect(reply?.error.message, frame).toMatch(message);
      expect(await other.call('daemon.status')).toHaveProperty('version');
    }
    // A batch of garbage: one precise error per element, in an array.
    raw.ws.send('[1, {"jsonrpc":"2.0"}, {"jsonrpc":"2.0","id":9,"method":"config.paths"}]');
    const [batch] = (await raw.next()) as { error?: { code: number }; id: unknown }[][];
    expect(batch?.map((m) => m.error?.code ?? 'ok')).toEqual([
      WIRE_ERROR_CODES.INVALID_REQUEST,
      WIRE_ERROR_CODES.INVALID_REQUEST,
      'ok',
    ]);
    // Binary frames are refused the same way.
    raw.ws.send(Buffer.from([1, 2, 3]));
    const [binary] = (await raw.next()) as { error: { code: number } }[];
    expect(binary?.error.code).toBe(WIRE_ERROR_CODES.PARSE_ERROR);
    raw.ws.close();
  });

  it('a frame over 4 MiB closes that connection with 1009; the others are unaffected', async () => {
    const other = await r.client();
    const raw = await rawSocket(r);
    const closed = new Promise<number>((resolve) => raw.ws.once('close', (code) => resolve(code)));
    raw.ws.send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x', params: { p: 'a'.repeat(MAX_FRAME_BYTES) } }),
    );
    expect(await closed).toBe(1009);
    expect((await other.call('daemon.status')).version).toBeTruthy();
  });

  it('a client that stops reading is closed once its unread output passes the limit', async () => {
    const small = await rig({ gateway: { maxBufferedBytes: 64 * 1024 } });
    try {
      const other = await small.client();
      const raw = await rawSocket(small);
      raw.ws.pause(); // stop reading; the daemon's answers pile up
      const before = small.gateway.connectionCount;
      for (let i = 0; i < 400; i++) {
        raw.ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'config.get' }));
      }
      await until(() => small.gateway.connectionCount === before - 1);
      expect((await other.call('daemon.status')).connections).toBe(1);
      raw.ws.terminate();
    } finally {
      await small.close();
    }
  });
});

describe('sandbox state', () => {
  it('daemon.status says commands run unsandboxed when auto falls back, with the reason', async () => {
    const fallback = await resolveSandbox('auto', { bwrapPath: '/nonexistent/astrid/bwrap' });
    const rr = await rig({ gateway: { runtime: { sandbox: fallback } } });
    try {
      const client = await rr.client();
      const status = await client.call('daemon.status');
      expect(status.sandbox).toMatchObject({ configured: 'auto', active: 'no' });
      expect(status.sandbox.warning).toMatch(/unsandboxed/);
    } finally {
      await rr.close();
    }
  });
});
