import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApprovalRequest } from '@astrid/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Daemon, type Dirs, kill, makeDirs, removeDirs, startDaemon } from './helpers.js';

// The shipped bin is the esbuild bundle (dist/bin/main.js), not the TypeScript the other tests
// run: this builds it as `pnpm build` does and drives it through a demo turn, so a package the
// bundle cannot resolve, or a .wasm it cannot find (tree-sitter's), fails here.
const app = fileURLToPath(new URL('..', import.meta.url));
const repo = join(app, '..', '..');
let dirs: Dirs;
let daemon: Daemon | undefined;

beforeAll(async () => {
  const tsc = spawnSync(
    process.execPath,
    [join(repo, 'node_modules/typescript/bin/tsc'), '-b', 'apps/astridd'],
    {
      cwd: repo,
      encoding: 'utf8',
    },
  );
  if (tsc.status !== 0) throw new Error(`tsc -b apps/astridd failed: ${tsc.stdout}${tsc.stderr}`);
  const bundle = spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: app, encoding: 'utf8' });
  if (bundle.status !== 0) throw new Error(`bundling failed: ${bundle.stderr}`);
  dirs = await makeDirs();
}, 180_000);

afterAll(async () => {
  await kill(daemon);
  await removeDirs(dirs);
});

describe('the bundled astridd', () => {
  it('starts from dist/bin/main.js and runs a demo turn: tools, the bash parser, approvals', async () => {
    const d = await startDaemon(dirs, [], {}, [join(app, 'dist/bin/main.js')]);
    daemon = d;
    const client = await connect(dirs);
    const session = await client.call('session.create', {});
    await client.call('session.send', { sessionId: session.id, text: 'show me' });
    // The demo lists and reads (tools ran), then asks for a write, an edit and an `rm`:
    // approving the first two brings the bash call, whose argv tree-sitter parsed.
    const seen: ApprovalRequest[] = [];
    const asked = Date.now() + 20_000;
    while (seen.length < 3) {
      const { approvals } = await client.call('approval.list', { state: 'pending', sessionId: session.id });
      for (const a of approvals) {
        if (seen.some((s) => s.id === a.id)) continue;
        seen.push(a);
        if (seen.length < 3) await client.call('approval.respond', { id: a.id, decision: 'allow_once' });
      }
      if (Date.now() > asked) throw new Error(`only ${seen.length} approvals were asked: ${d.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen.map((a) => a.action.kind)).toEqual(['file_write', 'file_write', 'execute_command']);
    expect(seen[2]?.action).toMatchObject({ kind: 'execute_command', argv: ['rm', 'astrid-demo.txt'] });
    await client.call('session.cancel', { sessionId: session.id });
    await client.call('daemon.shutdown');
    await client.close();
    expect(await d.exited).toBe(0);
  }, 60_000);
});
