import { type TokenId, tokenId } from '@astrid/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CapabilityStore, DEFAULT_TOKEN_RETENTION_MS, TOKEN_STORES, TrustedKeys } from '../src/index.js';
import {
  AGENT,
  asyncCodeOf,
  codeOf,
  FaultyDatabase,
  type Fixture,
  openFixture,
  READ_A,
  WS_ALL,
} from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;
const RETENTION = DEFAULT_TOKEN_RETENTION_MS;

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

const use = (token: unknown) => codeOf(() => fx.store.verify(token, { action: READ_A, principal: AGENT }));
const stored = async (name: string, id: TokenId) => (await fx.db.store(name).get(id)) !== undefined;

describe('pruning dead token records', () => {
  it('a revoked token whose signature is still valid stays refused after its record is pruned, until it has expired', async () => {
    fx = await openFixture();
    const token = await fx.store.mint({ ...WS_ALL, ttlMs: 100 * DAY });
    await fx.store.revoke(token.id);
    fx.clock.advance(RETENTION + DAY);
    // Revoked more than a retention period ago: the token record goes, the revocation stays.
    expect(await fx.store.prune()).toEqual({ tokens: 1, revocations: 0, consumptions: 0 });
    expect(fx.store.get(token.id)).toBeUndefined();
    expect(await stored(TOKEN_STORES.tokens, token.id)).toBe(false);
    expect(await stored(TOKEN_STORES.revoked, token.id)).toBe(true);
    // Presented again (a copy kept by anyone), still signed by a trusted key: refused, also
    // after a restart, which prunes again at open.
    expect(use(token)).toBe('TOKEN_REVOKED');
    await fx.reopen();
    expect(use(token)).toBe('TOKEN_REVOKED');
    // Expired, but not yet for a whole retention period: the revocation stays.
    fx.clock.advance(100 * DAY - (RETENTION + DAY) + DAY);
    await fx.store.prune();
    expect(fx.store.isRevoked(token.id)).toBe(true);
    // Expired for longer than the retention period: the revocation goes, and the token is
    // refused as expired; it never became valid at any point.
    fx.clock.advance(RETENTION);
    expect(await fx.store.prune()).toEqual({ tokens: 0, revocations: 1, consumptions: 0 });
    expect(await stored(TOKEN_STORES.revoked, token.id)).toBe(false);
    expect(use(token)).toBe('TOKEN_EXPIRED');
  });

  it('keeps forever the revocation of an id whose expiry was never known', async () => {
    fx = await openFixture();
    const unknown = tokenId('tok_never_seen_here');
    await fx.store.revoke(unknown);
    fx.clock.advance(10 * 365 * DAY);
    expect(await fx.store.prune()).toEqual({ tokens: 0, revocations: 0, consumptions: 0 });
    await fx.reopen();
    expect(fx.store.isRevoked(unknown)).toBe(true);
  });

  it('a consumed single-use token stays consumed until it has expired for a retention period', async () => {
    fx = await openFixture();
    const token = await fx.store.mint({ ...WS_ALL, ttlMs: 60 * DAY, singleUse: true });
    await fx.store.authorize(token, { action: READ_A, principal: AGENT });
    fx.clock.advance(RETENTION + DAY);
    await fx.reopen();
    expect(fx.store.get(token.id)).toBeUndefined();
    expect(use(token)).toBe('TOKEN_CONSUMED');
    fx.clock.advance(60 * DAY);
    await fx.reopen();
    expect(fx.store.isConsumed(token.id)).toBe(false);
    expect(await asyncCodeOf(fx.store.authorize(token, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_EXPIRED',
    );
  });

  it('removes an expired token once it is a retention period past its expiry, not before', async () => {
    fx = await openFixture();
    const token = await fx.store.mint({ ...WS_ALL, ttlMs: DAY });
    const live = await fx.store.mint({ ...WS_ALL, ttlMs: 365 * DAY });
    fx.clock.advance(DAY + RETENTION - 60_000);
    await fx.store.prune();
    expect(fx.store.list().map((t) => t.token.id)).toEqual([token.id, live.id]);
    fx.clock.advance(2 * 60_000);
    await fx.store.prune();
    expect(fx.store.list().map((t) => t.token.id)).toEqual([live.id]);
    expect(use(live)).toBeUndefined();
  });

  it('a revocation written before pruning existed (no expiry) gets the expiry of its token when the token record goes', async () => {
    fx = await openFixture();
    const token = await fx.store.mint({ ...WS_ALL, ttlMs: 90 * DAY });
    await fx.db.store(TOKEN_STORES.revoked).put(token.id, { revoked_at: fx.clock.now() });
    await fx.reopen();
    fx.clock.advance(RETENTION + DAY);
    await fx.store.prune();
    expect(await fx.db.store(TOKEN_STORES.revoked).get(token.id)).toEqual({
      revoked_at: fx.clock.now() - RETENTION - DAY,
      expires_at: token.expires_at,
    });
    expect(use(token)).toBe('TOKEN_REVOKED');
    fx.clock.advance(90 * DAY);
    await fx.reopen();
    expect(fx.store.isRevoked(token.id)).toBe(false);
    expect(use(token)).toBe('TOKEN_EXPIRED');
  });

  it('minting prunes at most once per interval', async () => {
    fx = await openFixture({ retentionMs: DAY, pruneIntervalMs: 7 * DAY });
    const old = await fx.store.mint({ ...WS_ALL, ttlMs: 1000 });
    fx.clock.advance(2 * DAY); // dead for longer than the retention, but the last prune (at open) is recent
    await fx.store.mint(WS_ALL);
    expect(fx.store.get(old.id)).toBeDefined();
    fx.clock.advance(5 * DAY); // a whole interval since the last prune: this mint prunes first
    await fx.store.mint(WS_ALL);
    expect(fx.store.get(old.id)).toBeUndefined();
  });

  it('a failed prune changes nothing (memory is updated only after the durable write), and open still works', async () => {
    let faulty: FaultyDatabase | undefined;
    let failFromStart = false;
    const f = await openFixture({}, (db) => {
      faulty = new FaultyDatabase(db, [TOKEN_STORES.tokens, TOKEN_STORES.revoked]);
      faulty.failing = failFromStart;
      return faulty;
    });
    fx = f;
    const token = await f.store.mint({ ...WS_ALL, ttlMs: DAY });
    await f.store.revoke(token.id);
    f.clock.advance(DAY + RETENTION + DAY);
    (faulty as FaultyDatabase).failing = true;
    expect(await asyncCodeOf(f.store.prune())).toBe('STORAGE_FAILURE');
    expect(f.store.get(token.id)).toBeDefined();
    expect(f.store.isRevoked(token.id)).toBe(true);
    // Reopened on a database whose writes fail from the start: the prune at open fails
    // quietly and everything is still there.
    failFromStart = true;
    const reopened = await f.reopen();
    expect(reopened.get(token.id)).toBeDefined();
    expect(reopened.isRevoked(token.id)).toBe(true);
  });

  it('retention defaults to 30 days; a negative retention or interval is refused', async () => {
    expect(RETENTION).toBe(30 * DAY);
    fx = await openFixture();
    const base = { db: fx.db, signer: fx.ring, trustedKeys: TrustedKeys.fromKeyRing(fx.ring) };
    await expect(CapabilityStore.open({ ...base, retentionMs: -1 })).rejects.toThrow(
      /"retentionMs" expected a non-negative integer/,
    );
    await expect(CapabilityStore.open({ ...base, pruneIntervalMs: 1.5 })).rejects.toThrow(
      /"pruneIntervalMs"/,
    );
  });

  it('property: whatever the timing of revocations, prunes and restarts, a revoked token is never accepted', async () => {
    fx = await openFixture();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            ttlDays: fc.integer({ min: 1, max: 120 }),
            revokeAfterDays: fc.integer({ min: 0, max: 60 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 5 }),
        async (grants, steps) => {
          const tokens = [];
          for (const g of grants) tokens.push(await fx.store.mint({ ...WS_ALL, ttlMs: g.ttlDays * DAY }));
          const start = fx.clock.now();
          const revoked = new Set<TokenId>();
          for (const [i, stepDays] of steps.entries()) {
            fx.clock.advance(stepDays * DAY);
            for (const [j, g] of grants.entries()) {
              const t = tokens[j];
              if (
                t !== undefined &&
                fx.clock.now() - start >= g.revokeAfterDays * DAY &&
                !revoked.has(t.id)
              ) {
                await fx.store.revoke(t.id);
                revoked.add(t.id);
              }
            }
            if (i % 2 === 0) await fx.store.prune();
            else await fx.reopen();
            for (const t of tokens) {
              const code = use(t);
              if (revoked.has(t.id)) expect(['TOKEN_REVOKED', 'TOKEN_EXPIRED']).toContain(code);
            }
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
