// Token verification benchmarks. Each figure is compared with the raw work it cannot avoid,
// measured in the same run:
//   token-verify-cold          a full verify with the signature cache disabled, of a token
//                              object not seen before (parse, canonical JSON, BLAKE3, ed25519,
//                              every check, matching); floor: one raw ed25519 verify() of the
//                              same signed bytes.
//   token-verify-cached        a verify of a token the store handed out (the interceptor's
//                              path: findCovering -> authorize) whose signature is cached;
//                              floor: BLAKE3 of the token's canonical bytes + one Map lookup,
//                              the cheapest way to look up a cached result by content.
//   token-verify-cached-plain  the same with a fresh plain copy of the token each call (e.g.
//                              read from the wire), which must be parsed and hashed again;
//                              same floor.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report, usPerCall } from '@astrid/benchkit';
import { auditEntryId, parseAction, principalId } from '@astrid/core';
import { blake3Hex, fromHex, RuntimeKeyRing, verify } from '@astrid/crypto';
import { LevelDatabase } from '@astrid/storage';
import { CapabilityStore, encodeToken, signedBytes, TrustedKeys } from '../src/index.js';

const COLD_ITERATIONS = 2000;
const CACHED_ITERATIONS = 200_000;
const PLAIN_ITERATIONS = 20_000;

const dir = await mkdtemp(join(tmpdir(), 'astrid-bench-'));
try {
  const ring = await RuntimeKeyRing.openOrCreate(join(dir, 'keys'));
  const db = await LevelDatabase.open(join(dir, 'home'));
  const trustedKeys = TrustedKeys.fromKeyRing(ring);
  const warm = await CapabilityStore.open({ db, signer: ring, trustedKeys });
  const cold = await CapabilityStore.open({ db, signer: ring, trustedKeys, signatureCacheSize: 0 });

  const agent = principalId('agent-1');
  const token = await warm.mint({
    resources: [
      { action: 'file_read', pattern: 'file:///ws/**' },
      { action: 'execute_command', argv: ['git', 'status'], trailing: 'any' },
    ],
    subject: agent,
    auditEntryId: auditEntryId('aud-1'),
    scope: 'persistent',
  });
  const request = { action: parseAction({ kind: 'file_read', path: '/ws/src/index.ts' }), principal: agent };
  const text = JSON.stringify(token);
  // Fresh plain objects, one per call (warm-up included): a token object is parsed only once.
  const copies = (n: number) => Array.from({ length: n + 1000 }, () => JSON.parse(text) as unknown);

  // token-verify-cold
  const payload = signedBytes(token);
  const signature = fromHex('signature', token.signature);
  const publicKey = fromHex('publicKey', token.issuer_public_key);
  const coldFloor = usPerCall(() => {
    if (!verify(signature, payload, publicKey)) throw new Error('floor: signature did not verify');
  }, COLD_ITERATIONS);
  // usPerCall with one round runs a warm-up and then the round; best of 3 rounds, each with
  // its own fresh copies.
  let coldValue = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const inputs = copies(COLD_ITERATIONS);
    let i = 0;
    coldValue = Math.min(
      coldValue,
      usPerCall(
        () => {
          cold.verify(inputs[i++], request);
        },
        COLD_ITERATIONS,
        1,
      ),
    );
  }
  if (cold.verifier.signatureCacheStats().hits !== 0)
    throw new Error('cold benchmark hit the signature cache');
  report({ name: 'token-verify-cold', value: coldValue, unit: 'us', floor: coldFloor });

  // token-verify-cached
  const bytes = encodeToken(token);
  const lookup = new Map<string, string>([[blake3Hex(bytes), token.issuer_key_id]]);
  const cachedFloor = usPerCall(() => {
    if (lookup.get(blake3Hex(bytes)) === undefined) throw new Error('floor: cache miss');
  }, CACHED_ITERATIONS);
  warm.verify(token, request);
  const before = warm.verifier.signatureCacheStats();
  const cachedValue = usPerCall(() => {
    warm.verify(token, request);
  }, CACHED_ITERATIONS);
  if (warm.verifier.signatureCacheStats().misses !== before.misses)
    throw new Error('cached benchmark missed');
  report({ name: 'token-verify-cached', value: cachedValue, unit: 'us', floor: cachedFloor });

  // token-verify-cached-plain
  let plainBest = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const inputs = copies(PLAIN_ITERATIONS);
    let i = 0;
    plainBest = Math.min(
      plainBest,
      usPerCall(
        () => {
          warm.verify(inputs[i++], request);
        },
        PLAIN_ITERATIONS,
        1,
      ),
    );
  }
  if (warm.verifier.signatureCacheStats().misses !== before.misses) throw new Error('plain benchmark missed');
  report({ name: 'token-verify-cached-plain', value: plainBest, unit: 'us', floor: cachedFloor });

  await db.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
