import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ApprovalRequest,
  auditEntryId,
  isAstridError,
  principalId,
  type RpcNotifications,
} from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, type Rig, rig, types, until } from './helpers.js';

let r: Rig;
beforeEach(async () => {
  r = await rig();
});
afterEach(async () => {
  await r.close();
});

function approvalsOf(notes: RpcNotifications['approval.event'][]): string[] {
  return notes.map((n) => `${n.seq}:${n.type}`);
}

describe('two clients on one session', () => {
  it('both see the request, the first answer wins, the second gets APPROVAL_ALREADY_RESOLVED, both see it resolved', async () => {
    r.server.enqueue(
      {
        text: 'writing',
        toolCalls: [{ name: 'write_file', arguments: { path: 'out.txt', content: 'hi\n' } }],
      },
      { text: 'written' },
    );
    const alice = await r.client({ clientName: 'cli' });
    const bob = await r.client({ clientName: 'telegram' });
    const session = await alice.call('session.create', { label: 'two frontends' });
    const seenA = collect(alice);
    const seenB = collect(bob);
    const approvalsB: RpcNotifications['approval.event'][] = [];
    bob.on('approval.event', (n) => approvalsB.push(n));
    await alice.subscribeSession(session.id);
    await bob.subscribeSession(session.id);
    await bob.subscribeApprovals();

    const sent = await alice.call('session.send', { sessionId: session.id, text: 'write out.txt' });
    expect(sent.turnId).toMatch(/^turn_/);
    const requested = (notes: typeof seenA) =>
      notes.find((n) => n.event.type === 'approval_requested')?.event as
        | { request: ApprovalRequest }
        | undefined;
    await until(() => requested(seenA) !== undefined && requested(seenB) !== undefined);
    const request = requested(seenA)?.request as ApprovalRequest;
    expect(requested(seenB)?.request.id).toBe(request.id);
    expect(request.preview.kind).toBe('diff');

    const answer = await alice.call('approval.respond', {
      id: request.id,
      decision: 'allow_once',
      userId: 'alice',
    });
    expect(answer.state).toBe('approved');
    expect(answer.decidedBy).toEqual({
      principal: 'alice',
      frontend: 'cli',
      connection: alice.hello.connection,
    });
    const late = await bob
      .call('approval.respond', { id: request.id, decision: 'deny' })
      .catch((e: unknown) => e);
    expect(isAstridError(late, 'APPROVAL_ALREADY_RESOLVED')).toBe(true);

    for (const seen of [seenA, seenB]) {
      await until(() => types(seen).includes('turn_done'));
      const resolved = seen.find((n) => n.event.type === 'approval_resolved')?.event as {
        request: ApprovalRequest;
      };
      expect(resolved.request.state).toBe('approved');
      expect(resolved.request.decidedBy?.frontend).toBe('cli');
      // One gap-free stream, the same for both.
      expect(seen.map((n) => n.seq)).toEqual(seen.map((_, i) => (seen[0]?.seq ?? 0) + i));
    }
    expect(seenA.map((n) => n.seq)).toEqual(seenB.map((n) => n.seq));
    expect(approvalsOf(approvalsB)).toEqual(['1:requested', '2:resolved']);
    expect(await readFile(join(r.dirs.ws, 'out.txt'), 'utf8')).toBe('hi\n');

    const listed = await bob.call('approval.list', { state: 'approved' });
    expect(listed.approvals.map((a) => a.id)).toEqual([request.id]);
    expect((await bob.call('approval.list', { state: 'pending' })).approvals).toEqual([]);
  });

  it('frontend.report is audited with the connection identity', async () => {
    const client = await r.client({ clientName: 'telegram' });
    const { auditSeq } = await client.call('frontend.report', {
      event: 'user_refused',
      message: 'telegram user 42 is not on the allow list',
      userId: 'tg-42',
    });
    const entry = await client.call('audit.get', { seq: auditSeq });
    expect(entry.principal).toBe('tg-42');
    expect(entry.details).toMatchObject({
      event: 'frontend_report',
      report: 'user_refused',
      frontend: 'telegram',
      connection: client.hello.connection,
    });
    expect((await client.call('audit.verify', {})).ok).toBe(true);
  });

  it('token.list shows tokens without signatures; token.revoke revokes at once and is audited', async () => {
    const client = await r.client();
    const token = await r.gateway.runtime.capabilities.mint({
      resources: [{ action: 'file_read', pattern: `file://${r.gateway.runtime.workspace}/**` }],
      subject: principalId('agent'),
      auditEntryId: auditEntryId('aud_test'),
      scope: 'persistent',
    });
    const listed = (await client.call('token.list')).tokens as {
      id: string;
      revoked: boolean;
      signature?: string;
    }[];
    const shown = listed.find((t) => t.id === token.id);
    expect(shown).toMatchObject({ id: token.id, revoked: false });
    expect(shown?.signature).toBeUndefined();
    expect(await client.call('token.revoke', { id: token.id })).toEqual({ revoked: true });
    expect(r.gateway.runtime.capabilities.isRevoked(token.id)).toBe(true);
    const after = (await client.call('token.list')).tokens as { id: string; revoked: boolean }[];
    expect(after.find((t) => t.id === token.id)?.revoked).toBe(true);
    const audit = await client.call('audit.list', { kind: 'token_revoked' });
    expect(audit.entries.some((e) => (e.details as { tokenId?: string }).tokenId === token.id)).toBe(true);
  });

  it('keys.rotate rotates the runtime key itself: hello, keys.show and the audit chain agree', async () => {
    const client = await r.client();
    const before = await client.call('keys.show');
    expect(before.publicKey).toBe(client.hello.publicKey);
    const rotated = await client.call('keys.rotate');
    expect(rotated.previous).toBe(before.keyId);
    const after = await client.call('keys.show');
    expect(after.keyId).toBe(rotated.current);
    expect(after.history.map((k) => k.keyId)).toEqual([
      ...before.history.map((k) => k.keyId),
      rotated.current,
    ]);
    // The runtime signs with the new key: a checkpoint after the rotation still verifies.
    await r.gateway.runtime.audit.checkpoint();
    expect((await client.call('audit.verify', {})).ok).toBe(true);
    const fresh = await r.client();
    expect(fresh.hello.publicKey).toBe(after.publicKey);
  });
});
