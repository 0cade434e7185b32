import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AstridClient, attachFrontend } from '@astrid/client';
import { JsonLinesFrontend, type OutputLine, parseInputLine } from './jsonl-frontend.js';

/**
 * A custom Astrid frontend: JSON lines on stdin/stdout. It finds the running daemon through
 * `$ASTRID_HOME/daemon.json`, checks `daemon.hello`, creates a session (or attaches to
 * `--session <id>`), and then:
 *   in:  {"type":"send","text":"..."} | {"type":"answer","id":"apr_…","decision":"allow_once"}
 *        | {"type":"elicitation_answer","id":"eli_…","action":"accept","content":{...}}
 *        | {"type":"cancel"} | {"type":"quit"}
 *   out: {"type":"ready",...} | {"type":"text",...} | {"type":"approval",...} | {"type":"resolved",...}
 *        | {"type":"elicitation",...} | {"type":"elicitation_resolved",...}
 *        | {"type":"tool",...} | {"type":"status","event":"turn_done",...} | {"type":"error",...}
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { session: { type: 'string' }, user: { type: 'string' } } });
  const write = (line: OutputLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const client = await AstridClient.connect({ clientName: 'jsonl-frontend', clientVersion: '0.1.0' });
  const sessionId = values.session ?? (await client.call('session.create', { label: 'jsonl frontend' })).id;
  const frontend = new JsonLinesFrontend(write);
  const attachment = await attachFrontend(client, sessionId, frontend, {
    ...(values.user === undefined ? {} : { userId: values.user }),
    onError: (err) =>
      write({ type: 'error', code: 'FRONTEND', message: (err as Error).message, retryable: false }),
  });
  write({ type: 'ready', sessionId, daemon: { version: client.hello.version, keyId: client.hello.keyId } });

  const quit = async () => {
    await attachment.detach().catch(() => undefined);
    await client.close();
    process.exit(0);
  };
  for await (const text of createInterface({ input: process.stdin })) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      write({ type: 'error', code: 'BAD_LINE', message: 'not JSON', retryable: false });
      continue;
    }
    const line = parseInputLine(parsed);
    if (line === undefined) {
      write({ type: 'error', code: 'BAD_LINE', message: 'unknown line', retryable: false });
    } else if (line.type === 'send') {
      client
        .call('session.send', { sessionId, text: line.text })
        .catch((err: Error & { astridCode?: string; code?: unknown }) =>
          write({
            type: 'error',
            code: err.astridCode ?? String(err.code),
            message: err.message,
            retryable: false,
          }),
        );
    } else if (line.type === 'answer') {
      if (!frontend.answer(line))
        write({ type: 'error', code: 'NO_SUCH_PROMPT', message: line.id, retryable: false });
    } else if (line.type === 'elicitation_answer') {
      if (!frontend.answerElicitation(line))
        write({ type: 'error', code: 'NO_SUCH_PROMPT', message: line.id, retryable: false });
    } else if (line.type === 'cancel') {
      await client.call('session.cancel', { sessionId });
    } else {
      await quit();
    }
  }
  await quit();
}

main().catch((err: unknown) => {
  process.stderr.write(`jsonl-frontend: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
