import { auditEntryId, isAstridError, principalId, tokenId } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Rig, rig } from './helpers.js';

let r: Rig;
beforeEach(async () => {
  r = await rig();
});
afterEach(async () => {
  await r.close();
});

const mint = () =>
  r.gateway.runtime.capabilities.mint({
    resources: [{ action: 'file_read', pattern: `file://${r.gateway.runtime.workspace}/**` }],
    subject: principalId('agent'),
    auditEntryId: auditEntryId('aud_test'),
    scope: 'persistent',
  });

async function revokedEntries(): Promise<string[]> {
  const audit = await (await r.client()).call('audit.list', { kind: 'token_revoked' });
  return audit.entries.map((e) => (e.details as { tokenId: string }).tokenId);
}

describe('token.revoke against a real gateway', () => {
  it('an id the daemon never held is an error naming it; nothing is recorded as revoked or audited', async () => {
    const client = await r.client();
    const typo = 'tok_this_is_a_typo';
    let caught: unknown;
    try {
      await client.call('token.revoke', { id: typo });
    } catch (err) {
      caught = err;
    }
    expect(isAstridError(caught) ? caught.code : caught).toBe('TOKEN_NOT_FOUND');
    expect((caught as Error).message).toContain(typo);
    expect(r.gateway.runtime.capabilities.isRevoked(tokenId(typo))).toBe(false);
    expect(await revokedEntries()).toEqual([]);
  });

  it('revoking twice is idempotent and says so the second time, with one audit entry', async () => {
    const client = await r.client();
    const token = await mint();
    expect(await client.call('token.revoke', { id: token.id })).toEqual({ revoked: true });
    expect(await client.call('token.revoke', { id: token.id })).toEqual({ revoked: true, already: true });
    expect(r.gateway.runtime.capabilities.isRevoked(token.id)).toBe(true);
    expect(await revokedEntries()).toEqual([token.id]);
  });

  it('a revoked token stays known across a restart: revoking it again still says already', async () => {
    const token = await mint();
    await (await r.client()).call('token.revoke', { id: token.id });
    await r.restart();
    expect(await (await r.client()).call('token.revoke', { id: token.id })).toEqual({
      revoked: true,
      already: true,
    });
  });
});
