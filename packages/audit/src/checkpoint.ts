import { IdSchema } from '@astrid/core';
import {
  canonicalJson,
  fromHex,
  type PublicKeyRecord,
  SIGNATURE_BYTES,
  toHex,
  utf8,
  verifyWithHistory,
} from '@astrid/crypto';
import { z } from 'zod';

/**
 * A signed statement that entry `seq` has hash `hash`, and that the next checkpoint is due
 * no later than seq `next`. Chaining `next` lets verification notice checkpoints that were
 * deleted (a gap longer than promised), not only ones that were altered.
 */
export interface AuditCheckpoint {
  readonly seq: number;
  readonly hash: string;
  readonly next: number;
  readonly timestamp: number;
  readonly keyId: string;
  /** Ed25519 signature (hex) over {@link checkpointMessage}. */
  readonly signature: string;
}

/** Signs checkpoints. `RuntimeKeyRing` from @astrid/crypto satisfies it. */
export interface CheckpointSigner {
  readonly keyId: string;
  sign(message: Uint8Array): { readonly keyId: string; readonly signature: Uint8Array };
}

// Domain separation: a checkpoint signature can never be replayed as a token or any other
// signed object, whose canonical JSON lacks this field.
const DOMAIN = 'astrid.audit.checkpoint.v1';

/** The bytes a checkpoint signature covers: canonical JSON of domain, seq, hash, next, timestamp. */
export function checkpointMessage(seq: number, hash: string, next: number, timestamp: number): Uint8Array {
  return utf8(canonicalJson({ domain: DOMAIN, seq, hash, next, timestamp }));
}

/** Signs a checkpoint for entry `seq` with hash `hash`. */
export function signCheckpoint(
  signer: CheckpointSigner,
  seq: number,
  hash: string,
  next: number,
  timestamp: number,
): AuditCheckpoint {
  const { keyId, signature } = signer.sign(checkpointMessage(seq, hash, next, timestamp));
  if (signature.length !== SIGNATURE_BYTES) {
    throw new RangeError(`"signature" expected ${SIGNATURE_BYTES} bytes, got ${signature.length}`);
  }
  return { seq, hash, next, timestamp, keyId, signature: toHex(signature) };
}

/** Whether a checkpoint's signature verifies against a public key history (current or archived keys). */
export function checkpointSignatureValid(cp: AuditCheckpoint, history: readonly PublicKeyRecord[]): boolean {
  try {
    const signature = fromHex('signature', cp.signature, SIGNATURE_BYTES);
    return verifyWithHistory(
      history,
      cp.keyId,
      checkpointMessage(cp.seq, cp.hash, cp.next, cp.timestamp),
      signature,
    );
  } catch {
    return false;
  }
}

const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** zod schema of a stored or exported checkpoint. */
export const AuditCheckpointSchema = z.strictObject({
  seq: Seq,
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  next: Seq,
  timestamp: Seq,
  keyId: IdSchema,
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});
