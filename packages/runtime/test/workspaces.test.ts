import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAstridError } from '@astrid/core';
import { afterEach, describe, expect, it } from 'vitest';
import { rig, type TestRig } from './helpers.js';

let r: TestRig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

describe('workspaces of one runtime', () => {
  it('without workspaceConfig a session can only use the runtime workspace, refused by name', async () => {
    const t = await rig();
    r = t;
    const other = join(t.dirs.root, 'elsewhere');
    await mkdir(other);
    const err = await t.runtime.createSession({ workspace: other }).catch((e: unknown) => e);
    expect(isAstridError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toContain(`serves only the workspace ${t.dirs.ws}`);
    // Its own workspace, named explicitly (even through another spelling), is fine.
    const same = await t.runtime.createSession({ workspace: `${t.dirs.ws}/.` });
    expect((await t.runtime.listSessions()).find((s) => s.id === same.id)?.workspace).toBe(t.dirs.ws);
  });

  it("a sub-agent works in its parent's workspace, under that workspace's config", async () => {
    // Another workspace's config: the test config (the same layers; no workspace file there).
    const t: TestRig = await rig({ runtime: { workspaceConfig: async () => t.config } });
    r = t;
    t.answer = () => ({ decision: 'allow_once' }); // starting a sub-agent asks
    const other = join(t.dirs.root, 'project-b');
    await mkdir(other);
    await writeFile(join(other, 'plan.md'), 'the plan of project b\n');
    t.server.enqueue(
      { toolCalls: [{ name: 'task', arguments: { description: 'read the plan', prompt: 'Read plan.md.' } }] },
      { toolCalls: [{ name: 'read_file', arguments: { path: 'plan.md' } }] },
      { text: 'child read it' },
      { text: 'parent done' },
    );
    const session = await t.runtime.createSession({ workspace: other });
    expect(await session.send('delegate')).toMatchObject({ status: 'done', text: 'parent done' });
    const childRead = t.of('tool_result').find((e) => e.tool === 'read_file');
    expect(childRead?.agent.depth).toBe(1);
    expect(childRead).toMatchObject({ ran: true, isError: false });
    expect(childRead?.summary).toContain('the plan of project b');
    const child = (await t.runtime.listSessions()).find((s) => s.parent === session.id);
    expect(child?.workspace).toBe(other);
  });
});
