import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { builtInDefaults } from '@astrid/config';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_FILE, DEMO_LABEL, DemoProvider, providerOrDemo } from '../src/index.js';
import { rig, type TestRig } from './helpers.js';

let r: TestRig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

describe('the offline demo provider', () => {
  it('plays the security tour through the real interceptor, labelled as a demo', async () => {
    const t = await rig({ provider: () => new DemoProvider(), files: { 'README.md': '# My project\n' } });
    r = t;
    t.answer = () => ({ decision: 'allow_once' });
    const session = await t.runtime.createSession();
    const result = await session.send('show me');
    expect(result.status).toBe('done');
    expect(result.text.startsWith(DEMO_LABEL)).toBe(true);

    // Every model reply is labelled.
    const replies = session.history.filter((m) => m.role === 'assistant');
    expect(replies).toHaveLength(9);
    for (const m of replies) expect(m.content.startsWith(DEMO_LABEL)).toBe(true);

    const byTool = t.of('tool_result').map((e) => [e.tool, e.ran, e.isError] as const);
    expect(byTool.map(([tool]) => tool)).toEqual([
      'list_directory',
      'read_file',
      'write_file',
      'edit_file',
      'bash',
      'bash',
      'read_file',
      'bash',
    ]);
    // It read README.md (picked from the listing) without asking.
    expect(t.of('tool_result')[1]?.summary).toContain('# My project');
    // The write and the edit asked with diffs, the rm asked about a high-risk file_delete.
    const previews = t.asked.map((a) => a.preview.kind);
    expect(previews.filter((k) => k === 'diff')).toHaveLength(2);
    const del = t.asked.find((a) => a.action.kind === 'file_delete');
    expect(del?.risk).toBe('high');
    expect(del?.action).toMatchObject({ path: join(t.dirs.ws, DEMO_FILE) });
    expect(existsSync(join(t.dirs.ws, DEMO_FILE))).toBe(false);
    // sudo and /etc/passwd were refused by the admin policy: nobody was asked.
    expect(t.of('tool_result')[5]).toMatchObject({ ran: false, isError: true });
    expect(t.of('tool_result')[5]?.summary).toContain('POLICY_DENIED');
    expect(t.of('tool_result')[6]?.summary).toContain('POLICY_DENIED');
    expect(t.asked.some((a) => JSON.stringify(a.action).includes('sudo'))).toBe(false);
    expect(t.asked.some((a) => JSON.stringify(a.action).includes('/etc/passwd'))).toBe(false);
    // ls -la asked like any command, and ran.
    expect(
      t.asked.some((a) => a.action.kind === 'execute_command' && a.action.argv.join(' ') === 'ls -la'),
    ).toBe(true);
    expect(t.of('tool_result')[7]).toMatchObject({ ran: true, isError: false });
    // Free: the demo charges nothing.
    expect(session.budget().spent).toBe(0);
    expect((await t.runtime.audit.verify()).ok).toBe(true);
  });

  it('is what a chat gets when the configured model has no API key', () => {
    const config = builtInDefaults();
    expect(providerOrDemo(config.model, {}).demo).toBe(true);
    expect(providerOrDemo(config.model, {}).provider).toBeInstanceOf(DemoProvider);
    const keyed = providerOrDemo(config.model, { ANTHROPIC_API_KEY: 'sk-test' });
    expect(keyed.demo).toBe(false);
    expect(keyed.provider.name).toBe('anthropic');
  });

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const events = [];
    for await (const e of new DemoProvider().stream(
      { messages: [{ role: 'user', content: 'x' }] },
      { signal: controller.signal },
    )) {
      events.push(e);
    }
    expect(events).toEqual([{ type: 'done', stopReason: 'cancelled' }]);
  });
});
