import { tokenId } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_STORES } from '../src/index.js';
import {
  AGENT,
  action,
  asyncCodeOf,
  FaultyDatabase,
  type Fixture,
  OTHER_AGENT,
  OTHER_SESSION,
  openFixture,
  READ_A,
  SESSION,
  WS_ALL,
} from './helpers.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await openFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('CapabilityStore persistence', () => {
  it('keeps persistent tokens across reopen, and session tokens only in memory', async () => {
    const persistent = await fx.store.mint(WS_ALL);
    const session = await fx.store.mint({ ...WS_ALL, scope: 'session', sessionId: SESSION });
    expect(fx.store.get(session.id)).toBe(session);
    expect(fx.store.sessionTokens(SESSION)).toEqual([session]);
    const reopened = await fx.reopen();
    expect(reopened.get(persistent.id)).toEqual(persistent);
    expect(reopened.get(session.id)).toBeUndefined();
    expect(reopened.findCovering(READ_A, AGENT, SESSION).map((t) => t.id)).toEqual([persistent.id]);
  });

  it('takes session tokens back from a session record', async () => {
    const session = await fx.store.mint({ ...WS_ALL, scope: 'session', sessionId: SESSION });
    const record = JSON.parse(JSON.stringify(fx.store.sessionTokens(SESSION)));
    const reopened = await fx.reopen();
    expect(reopened.restoreSessionTokens(record).map((t) => t.id)).toEqual([session.id]);
    expect(reopened.findCovering(READ_A, AGENT, SESSION).map((t) => t.id)).toEqual([session.id]);
    const persistent = await reopened.mint(WS_ALL);
    expect(() => reopened.restoreSessionTokens([persistent])).toThrow(/not session-scoped/);
    reopened.dropSession(SESSION);
    expect(reopened.sessionTokens(SESSION)).toEqual([]);
  });

  it('skips a damaged stored token instead of failing to open', async () => {
    const good = await fx.store.mint(WS_ALL);
    await fx.db.store(TOKEN_STORES.tokens).put('tok_bad', { version: 1, nonsense: true });
    const reopened = await fx.reopen();
    expect(reopened.get(good.id)).toEqual(good);
    expect(reopened.get(tokenId('tok_bad'))).toBeUndefined();
  });

  it('fails a persistent mint whose durable write fails, and keeps nothing', async () => {
    await fx.close();
    let faulty: FaultyDatabase | undefined;
    fx = await openFixture({}, (db) => {
      faulty = new FaultyDatabase(db, [TOKEN_STORES.tokens]);
      return faulty;
    });
    faulty!.failing = true;
    expect(await asyncCodeOf(fx.store.mint(WS_ALL))).toBe('STORAGE_FAILURE');
    expect(fx.store.findCovering(READ_A, AGENT)).toEqual([]);
  });

  it('records a revocation of an id it never saw, and refuses a failed revocation loudly', async () => {
    await fx.store.revoke(tokenId('tok_elsewhere'));
    expect(fx.store.isRevoked(tokenId('tok_elsewhere'))).toBe(true);
    expect((await fx.reopen()).isRevoked(tokenId('tok_elsewhere'))).toBe(true);
    await fx.close();
    let faulty: FaultyDatabase | undefined;
    fx = await openFixture({}, (db) => {
      faulty = new FaultyDatabase(db, [TOKEN_STORES.revoked]);
      return faulty;
    });
    const token = await fx.store.mint(WS_ALL);
    faulty!.failing = true;
    expect(await asyncCodeOf(fx.store.revoke(token.id))).toBe('STORAGE_FAILURE');
    // Still revoked in this process: a failed write never leaves the token usable.
    expect(await asyncCodeOf(fx.store.authorize(token, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_REVOKED',
    );
  });

  it('consumes a single-use session token durably too', async () => {
    const token = await fx.store.mint({ ...WS_ALL, scope: 'session', sessionId: SESSION, singleUse: true });
    await fx.store.authorize(token, { action: READ_A, principal: AGENT, session: SESSION });
    const reopened = await fx.reopen();
    reopened.restoreSessionTokens([JSON.parse(JSON.stringify(token))]);
    expect(
      await asyncCodeOf(reopened.authorize(token, { action: READ_A, principal: AGENT, session: SESSION })),
    ).toBe('TOKEN_CONSUMED');
  });

  it('does not consume reusable tokens', async () => {
    const token = await fx.store.mint(WS_ALL);
    for (let i = 0; i < 3; i++) await fx.store.authorize(token, { action: READ_A, principal: AGENT });
    expect(fx.store.isConsumed(token.id)).toBe(false);
  });
});

describe('findCovering', () => {
  it('returns only tokens that pass every check for this principal, session and action', async () => {
    const reusable = await fx.store.mint(WS_ALL);
    const single = await fx.store.mint({ ...WS_ALL, singleUse: true });
    const inSession = await fx.store.mint({ ...WS_ALL, scope: 'session', sessionId: SESSION });
    await fx.store.mint({ ...WS_ALL, scope: 'session', sessionId: OTHER_SESSION });
    await fx.store.mint({ ...WS_ALL, subject: OTHER_AGENT });
    await fx.store.mint({ ...WS_ALL, resources: [{ action: 'file_read', pattern: 'file:///other/**' }] });
    const revoked = await fx.store.mint(WS_ALL);
    await fx.store.revoke(revoked.id);
    const shortLived = await fx.store.mint({ ...WS_ALL, ttlMs: 1000 });

    const found = fx.store.findCovering(READ_A, AGENT, SESSION).map((t) => t.id);
    // Reusable tokens first, single-use last.
    expect(found).toEqual([reusable.id, shortLived.id, inSession.id, single.id]);
    fx.clock.advance(1000 + 30_001);
    expect(fx.store.findCovering(READ_A, AGENT).map((t) => t.id)).toEqual([reusable.id, single.id]);
    await fx.store.authorize(single, { action: READ_A, principal: AGENT });
    expect(fx.store.findCovering(READ_A, AGENT).map((t) => t.id)).toEqual([reusable.id]);
  });

  it('finds argv-pattern tokens for commands and nothing for an invalid action', async () => {
    const git = await fx.store.mint({
      ...WS_ALL,
      resources: [{ action: 'execute_command', argv: ['git', 'status'], trailing: 'any' }],
    });
    const status = action({ kind: 'execute_command', argv: ['git', 'status', '-s'] });
    expect(fx.store.findCovering(status, AGENT).map((t) => t.id)).toEqual([git.id]);
    const push = action({ kind: 'execute_command', argv: ['git', 'push'] });
    expect(fx.store.findCovering(push, AGENT)).toEqual([]);
    const up = action({ kind: 'execute_command', argv: ['git', 'status', '../x'] });
    expect(fx.store.findCovering(up, AGENT)).toEqual([]);
  });
});
