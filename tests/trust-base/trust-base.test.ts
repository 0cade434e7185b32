import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, verifyExport } from '@astrid/audit';
import { CapabilityStore, TrustedKeys } from '@astrid/capabilities';
import { loadConfig } from '@astrid/config';
import { auditEntryId, principalId, sessionId } from '@astrid/core';
import { RuntimeKeyRing } from '@astrid/crypto';
import { LevelDatabase } from '@astrid/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'astrid-e2e-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const AGENT = principalId('agent');
const SESSION = sessionId('s-1');

async function exportText(log: AuditLog): Promise<string> {
  let text = '';
  for await (const line of log.exportJsonl()) text += line.endsWith('\n') ? line : `${line}\n`;
  return text;
}

describe('the trust base, end to end', () => {
  it('mints, audits, rotates, exports and verifies offline; tampering is caught', async () => {
    const db = await LevelDatabase.open(home);
    const keys = await RuntimeKeyRing.openOrCreate(join(home, 'keys'));
    const log = await AuditLog.open({ db, signer: keys, checkpointSeconds: 0, checkpointEvery: 4 });
    const tokens = await CapabilityStore.open({
      db,
      signer: keys,
      trustedKeys: TrustedKeys.fromKeyRing(keys),
    });

    const action = { kind: 'file_write' as const, path: '/ws/notes.md' };
    const decision = await log.append({
      kind: 'decision',
      principal: AGENT,
      sessionId: SESSION,
      action,
      decision: { verdict: 'allow', reason: 'approved by alice' },
      details: { api_key: 'sk-live-abcdefghijklmnopqrstuvwxyz012345' },
    });
    const token = await tokens.mint({
      resources: [{ action: 'file_write', pattern: 'file:///ws/**' }],
      subject: AGENT,
      auditEntryId: auditEntryId(decision.id),
      scope: 'persistent',
    });
    await log.append({ kind: 'token_minted', principal: AGENT, details: { tokenId: token.id } });

    // Rotate: the old key's token and checkpoints must still verify.
    const rotated = await keys.rotate();
    await log.append({ kind: 'key_rotated', principal: principalId('runtime'), details: rotated });
    expect(() => tokens.verify(token, { action, principal: AGENT })).not.toThrow();
    for (let i = 0; i < 5; i++) {
      await log.append({ kind: 'result', principal: AGENT, sessionId: SESSION, action, output: `body ${i}` });
    }
    await log.checkpoint();

    const text = await exportText(log);
    expect(text).not.toContain('sk-live-abcdefghijklmnopqrstuvwxyz012345');
    expect(text).not.toContain('body 3');
    const history = keys.history();
    expect(history).toHaveLength(2);
    const ok = verifyExport(text, history);
    expect(ok.ok).toBe(true);
    expect(ok.entries).toBe(8);

    // Edit one entry's text in the export: detected at that entry.
    const lines = text.trimEnd().split('\n');
    const idx = lines.findIndex((l) => l.includes('"kind":"token_minted"'));
    lines[idx] = (lines[idx] as string).replace('token_minted', 'token_revoked');
    const bad = verifyExport(`${lines.join('\n')}\n`, history);
    expect(bad.ok).toBe(false);
    expect(bad.damage?.seq).toBe(1);

    // Only the current key (old one forgotten): checkpoints from before the rotation fail.
    const partial = verifyExport(text, history.slice(1));
    expect(partial.ok).toBe(false);

    await log.close();
    await db.close();
  });

  it('an admin-blocked command survives every later layer of config', async () => {
    const admin = join(home, 'admin.toml');
    await writeFile(admin, '[security.policy]\nblocked_commands = ["curl"]\n[workspace]\nmode = "guided"\n');
    const ws = join(home, 'ws');
    const astridHome = join(home, 'data');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(ws, '.astrid'), { recursive: true });
    await mkdir(astridHome, { recursive: true });
    await writeFile(join(astridHome, 'config.toml'), '[security.policy]\nblocked_commands = []\n');
    await writeFile(join(ws, '.astrid', 'config.toml'), '[workspace]\nmode = "autonomous"\n');
    const { config } = await loadConfig({
      adminPath: admin,
      home: astridHome,
      workspace: ws,
      env: {},
      flags: {},
    });
    expect(config.security.policy.blocked_commands).toContain('curl');
    expect(config.workspace.mode).toBe('guided');
  });
});
