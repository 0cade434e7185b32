import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AstridClient } from '@astrid/client';
import { LevelDatabase } from '@astrid/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  cliJson,
  type Daemon,
  type Dirs,
  kill,
  makeDirs,
  removeDirs,
  startDaemon,
  until,
} from './helpers.js';

// Every management command against one real astridd (demo provider, temp home and
// workspace). The tests run in order and build on each other: a session asks for approvals,
// the CLI answers them, then the audit log those answers wrote is listed, exported, verified.
let dirs: Dirs;
let daemon: Daemon | undefined;
let client: AstridClient;
let sessionId: string;

beforeAll(async () => {
  dirs = await makeDirs();
  daemon = await startDaemon(dirs);
  client = await AstridClient.connect({ home: dirs.home, reconnect: false, clientName: 'cli-test' });
});
afterAll(async () => {
  await client?.close().catch(() => undefined);
  await kill(daemon);
  await removeDirs(dirs);
});

interface Approval {
  id: string;
  state: string;
  session: string;
  decision?: string;
  reason?: string;
  decidedBy?: { frontend: string };
  action: { kind: string };
}

async function pending(): Promise<Approval[]> {
  return (await cliJson<{ approvals: Approval[] }>(dirs, 'approvals', 'list', '--state', 'pending'))
    .approvals;
}

describe('astrid against a running daemon', () => {
  it('daemon status --json', async () => {
    const s = await cliJson(dirs, 'daemon', 'status');
    expect(s).toMatchObject({
      pid: daemon?.child.pid,
      protocol: 1,
      lockdown: { active: false },
      pendingApprovals: 0,
    });
    expect(typeof s.uptimeMs).toBe('number');
    const text = await cli(dirs, 'daemon', 'status');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('lockdown:  off');
  });

  it('approvals approve and deny answer the requests a session.send created', async () => {
    const created = await client.call('session.create', { label: 'cli \u001b[31mtest\u202e' });
    sessionId = created.id;
    await client.call('session.send', { sessionId, text: 'show me the demo' });
    let first: Approval | undefined;
    await until(async () => {
      first = (await pending())[0];
      return first !== undefined;
    });
    expect(first).toMatchObject({ session: sessionId, action: { kind: 'file_write' } });
    const approved = await cliJson<Approval>(dirs, 'approvals', 'approve', first?.id as string);
    expect(approved).toMatchObject({ id: first?.id, state: 'approved', decision: 'allow_once' });
    expect(approved.decidedBy?.frontend).toBe('astrid-cli');
    // Answering it again is an error, not a silent second decision.
    const twice = await cli(dirs, 'approvals', 'approve', first?.id as string);
    expect(twice.code).toBe(1);
    expect(twice.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(twice.stderr).toContain('astrid approvals list --state pending');

    // Deny every later request with a reason, until the turn is over.
    const denied: Approval[] = [];
    await until(async () => {
      for (const p of await pending()) {
        denied.push(await cliJson<Approval>(dirs, 'approvals', 'deny', p.id, '--reason', 'not in this test'));
      }
      const s = await client.call('session.get', { sessionId });
      return !s.running && denied.length > 0;
    }, 20_000);
    for (const d of denied)
      expect(d).toMatchObject({ state: 'denied', decision: 'deny', reason: 'not in this test' });
    expect(await readFile(join(dirs.ws, 'astrid-demo.txt'), 'utf8')).toContain('Written by the Astrid demo.');

    const all = await cliJson<{ approvals: Approval[] }>(dirs, 'approvals', 'list', '--session', sessionId);
    expect(all.approvals.map((a) => a.state).sort()).toEqual(
      ['approved', ...denied.map(() => 'denied')].sort(),
    );
  });

  it('sessions list | show --json, with the label sanitised in text output', async () => {
    const list = await cliJson<{ sessions: { id: string; label: string }[] }>(dirs, 'sessions', 'list');
    expect(list.sessions.map((s) => s.id)).toContain(sessionId);
    const show = await cliJson(dirs, 'sessions', 'show', sessionId);
    expect(show).toMatchObject({ id: sessionId, status: 'active', budget: { sessionId } });
    const text = await cli(dirs, 'sessions', 'list');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('cli test\\u202e');
    expect(text.stdout).not.toContain('\u001b');
    expect(text.stdout).not.toContain('\u202e');
    // --json stays parseable and escapes the override instead of printing it raw.
    const raw = await cli(dirs, 'sessions', 'list', '--json');
    expect(raw.stdout).not.toContain('\u202e');
    const unknown = await cli(dirs, 'sessions', 'show', 'ses_nope');
    expect(unknown.code).toBe(1);
  });

  it('tokens list | revoke --json; revoking is audited', async () => {
    // An "Allow Always" answer from the CLI mints the token this test revokes.
    const other = await client.call('session.create', { label: 'tokens' });
    await client.call('session.send', { sessionId: other.id, text: 'show me the demo' });
    let ask: Approval | undefined;
    await until(async () => {
      ask = (await pending()).find((a) => a.session === other.id);
      return ask !== undefined;
    });
    await cliJson(dirs, 'approvals', 'approve', ask?.id as string, '--always');
    await client.call('session.cancel', { sessionId: other.id });
    const tokens = await cliJson<{ tokens: { id: string }[] }>(dirs, 'tokens', 'list');
    expect(tokens.tokens).toHaveLength(1);
    const id = tokens.tokens[0]?.id as string;
    expect(await cliJson(dirs, 'tokens', 'revoke', id)).toEqual({ revoked: true });
    // Again: nothing changes, and it says so.
    expect(await cliJson(dirs, 'tokens', 'revoke', id)).toEqual({ revoked: true, already: true });
    expect((await cli(dirs, 'tokens', 'revoke', id)).stdout).toBe(`${id} was already revoked\n`);
    // An id the daemon never held is an error, not a revocation that did nothing.
    const unknown = await cli(dirs, 'tokens', 'revoke', 'tok_never_issued');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no token tok_never_issued: nothing was revoked');
    const audit = await cliJson<{ entries: { kind: string }[] }>(
      dirs,
      'audit',
      'list',
      '--kind',
      'token_revoked',
    );
    expect(audit.entries).toHaveLength(1);
    const bad = await cli(dirs, 'tokens', 'revoke', 'not a token id');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^astrid: [^\n]+\n$/);
  });

  it('audit list | show | stats | verify --json', async () => {
    const list = await cliJson<{ entries: { seq: number; kind: string }[] }>(
      dirs,
      'audit',
      'list',
      '--limit',
      '1000',
    );
    expect(list.entries.length).toBeGreaterThan(2);
    expect(list.entries.map((e) => e.seq)).toEqual(list.entries.map((_, i) => i));
    const resolved = await cliJson<{ entries: { kind: string; sessionId?: string }[] }>(
      dirs,
      'audit',
      'list',
      '--kind',
      'approval_resolved',
      '--session',
      sessionId,
    );
    expect(resolved.entries.length).toBeGreaterThan(0);
    expect(resolved.entries.every((e) => e.kind === 'approval_resolved' && e.sessionId === sessionId)).toBe(
      true,
    );
    expect(await cliJson(dirs, 'audit', 'show', '0')).toMatchObject({ seq: 0 });
    const stats = await cliJson<{ entries: number; head: { seq: number } }>(dirs, 'audit', 'stats');
    expect(stats.entries).toBe(stats.head.seq + 1);
    expect(await cliJson(dirs, 'audit', 'verify')).toMatchObject({ ok: true, damage: null });
    expect((await cli(dirs, 'audit', 'verify')).stdout).toMatch(/^audit log verified: \d+ entries/);
  });

  it('audit export, then offline verify: 0 when intact, 3 after an entry is altered', async () => {
    const file = join(dirs.root, 'audit.jsonl');
    const exported = await cliJson<{ lines: number }>(dirs, 'audit', 'export', file);
    const text = await readFile(file, 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(exported.lines);
    expect((await cli(dirs, 'audit', 'export', file)).code).toBe(1); // never overwrites

    const keys = await cliJson<{ publicKey: string }>(dirs, 'keys', 'show');
    const ok = await cli(dirs, 'audit', 'verify', '--file', file, '--public-key', keys.publicKey, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    const history = join(dirs.root, 'keys.json');
    await writeFile(history, JSON.stringify(keys));
    expect((await cli(dirs, 'audit', 'verify', '--file', file, '--key-history', history)).code).toBe(0);

    // Alter one recorded decision: the chain no longer matches.
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('"approval_resolved"'));
    expect(at).toBeGreaterThan(0);
    lines[at] = (lines[at] as string).replace('"state":"approved"', '"state":"denied"');
    expect(lines[at]).toContain('"state":"denied"');
    const forged = join(dirs.root, 'forged.jsonl');
    await writeFile(forged, lines.join('\n'));
    const bad = await cli(dirs, 'audit', 'verify', '--file', forged, '--public-key', keys.publicKey);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/^audit export verification FAILED: edited at seq \d+/);

    // A key the log was not signed with: the checkpoints fail, exit 3.
    const other = await cli(dirs, 'audit', 'verify', '--file', file, '--public-key', 'ab'.repeat(32));
    expect(other.code).toBe(3);
  });

  it('config show | validate | paths --json', async () => {
    expect(await cliJson(dirs, 'config', 'show')).toHaveProperty('config');
    expect(await cliJson(dirs, 'config', 'validate')).toMatchObject({ valid: true, errors: [] });
    // A broken workspace layer: validation fails with exit 3 and says why.
    await mkdir(join(dirs.ws, '.astrid'));
    await writeFile(join(dirs.ws, '.astrid', 'config.toml'), 'this is = = not toml\n');
    const invalid = await cli(dirs, 'config', 'validate', '--json');
    expect(invalid.code).toBe(3);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ valid: false });
    expect((await cli(dirs, 'config', 'validate')).stdout).toMatch(/^config INVALID\nerror: /);
    // The same broken layer in another project: the current directory's config is valid, the
    // other one's is not, and `--workspace` asks about it.
    const project = join(dirs.root, 'project');
    await mkdir(project);
    await rename(join(dirs.ws, '.astrid'), join(project, '.astrid'));
    expect((await cli(dirs, 'config', 'validate')).code).toBe(0);
    expect((await cli(dirs, 'config', 'validate', '--workspace', project)).code).toBe(3);
    await rm(join(project, '.astrid'), { recursive: true });
    const paths = await cliJson<{ home: string; files: { layer: string }[] }>(dirs, 'config', 'paths');
    expect(paths.home).toBe(dirs.home);
    expect(paths.files.length).toBeGreaterThan(0);
  });

  it('keys rotate --json, and the log still verifies', async () => {
    const before = await cliJson<{ keyId: string }>(dirs, 'keys', 'show');
    const rotated = await cliJson<{ previous: string; current: string }>(dirs, 'keys', 'rotate');
    expect(rotated.previous).toBe(before.keyId);
    expect(rotated.current).not.toBe(before.keyId);
    const after = await cliJson<{ keyId: string; history: unknown[] }>(dirs, 'keys', 'show');
    expect(after.keyId).toBe(rotated.current);
    expect(after.history).toHaveLength(2);
  });

  it('lockdown --reason and unlock', async () => {
    const locked = await cliJson(dirs, 'lockdown', '--reason', 'test');
    expect(locked).toMatchObject({ active: true, reason: 'test' });
    expect(await cliJson(dirs, 'daemon', 'status')).toMatchObject({ lockdown: { active: true } });
    expect(await cliJson(dirs, 'unlock')).toMatchObject({ active: false });
  });

  it('sessions delete and cleanup', async () => {
    expect(await cliJson(dirs, 'sessions', 'delete', sessionId)).toEqual({ deleted: true });
    // Deleting ends the session and drops its event log; its summary and audit entries stay.
    expect(await cliJson(dirs, 'sessions', 'show', sessionId)).toMatchObject({ status: 'ended' });
    const active = await cliJson<{ sessions: { id: string }[] }>(
      dirs,
      'sessions',
      'list',
      '--status',
      'active',
    );
    expect(active.sessions.map((s) => s.id)).not.toContain(sessionId);
    const cleanup = await cliJson<{ removedEventLogs: number }>(
      dirs,
      'sessions',
      'cleanup',
      '--older-than',
      '30d',
    );
    expect(typeof cleanup.removedEventLogs).toBe('number');
  });

  it('daemon stop: the daemon exits, and the next command says none runs', async () => {
    await client.close();
    expect(await cliJson(dirs, 'daemon', 'stop')).toEqual({ stopping: true });
    expect(await daemon?.exited).toBe(0);
    const r = await cli(dirs, 'sessions', 'list');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no daemon is running');
    expect(r.stderr).toContain('astrid daemon run');
  });
});

describe('a tampered database', () => {
  it('audit verify exits 3 after a stored entry was altered with the daemon stopped', async () => {
    const db = await LevelDatabase.open(dirs.home);
    const entries = db.store<{ hash: string; body: string }>('audit-entries');
    let altered = false;
    // The first approval_resolved entry: its recorded state flipped, its hash left as it was.
    for (let seq = 0; seq < 200 && !altered; seq++) {
      const key = String(seq).padStart(16, '0');
      const value = await entries.get(key);
      if (value === undefined) break;
      if (!value.body.includes('"approval_resolved"') || !value.body.includes('"state":"approved"')) continue;
      await entries.put(
        key,
        { ...value, body: value.body.replace('"state":"approved"', '"state":"denied"') },
        { sync: true },
      );
      altered = true;
    }
    await db.close();
    expect(altered).toBe(true);

    daemon = await startDaemon(dirs);
    const r = await cli(dirs, 'audit', 'verify');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^audit log verification FAILED: edited at seq \d+/);
    const json = await cli(dirs, 'audit', 'verify', '--json');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, damage: { kind: 'edited' } });
  });
});
