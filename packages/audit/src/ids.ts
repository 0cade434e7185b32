import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_BYTES = 16;
const POOL_IDS = 256;

/**
 * Entry ids in the form of `randomId('aud')` from @astrid/crypto (`aud_` + 26 base32 characters,
 * 128 random bits from node:crypto), drawn from a pooled buffer: one `randomBytes` call per
 * 256 ids instead of one per append keeps the serialized append path short.
 */
export class AuditIds {
  private pool = Buffer.alloc(0);
  private offset = 0;

  /** The next id. */
  next(): string {
    if (this.offset + ID_BYTES > this.pool.length) {
      this.pool = randomBytes(ID_BYTES * POOL_IDS);
      this.offset = 0;
    }
    let out = 'aud_';
    let bits = 0;
    let acc = 0;
    for (let i = this.offset; i < this.offset + ID_BYTES; i++) {
      acc = ((acc << 8) | (this.pool[i] as number)) & 0xfff;
      bits += 8;
      while (bits >= 5) {
        out += ALPHABET[(acc >>> (bits - 5)) & 31];
        bits -= 5;
      }
    }
    if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
    this.offset += ID_BYTES;
    return out;
  }
}
