import { canonicalJson, type PublicKeyRecord } from '@astrid/crypto';
import { ChainVerifier } from './chain-verifier.js';
import type { AuditCheckpoint } from './checkpoint.js';
import { AuditEntrySchema } from './entry-schema.js';
import { ExportLineSchema } from './export-format.js';
import type { AuditVerifyResult } from './verify-result.js';

// This module is pure: it imports no storage, so a frontend can verify an export offline
// with nothing but the export and the public key history it trusts.

const ORDER = { header: 0, key: 1, checkpoint: 2, entry: 3 } as const;

/**
 * Verifies a JSONL export (see README: one header line, key lines, checkpoint lines, entry
 * lines) against `keyHistory`, the public keys the verifier trusts. Every entry is
 * re-canonicalised and re-hashed, every link and checkpoint checked, exactly as for a live
 * log; key lines in the export are ignored, so a forger cannot vouch for himself. Pure.
 */
export function verifyExport(jsonlText: string, keyHistory: readonly PublicKeyRecord[]): AuditVerifyResult {
  if (typeof jsonlText !== 'string')
    throw new TypeError(`"jsonlText" expected a string, got ${typeof jsonlText}`);
  if (!Array.isArray(keyHistory)) throw new TypeError('"keyHistory" expected an array of PublicKeyRecord');
  const lines = jsonlText.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const checkpoints: AuditCheckpoint[] = [];
  let verifier: ChainVerifier | undefined;
  const chain = (): ChainVerifier => {
    verifier ??= new ChainVerifier(checkpoints, keyHistory);
    return verifier;
  };
  let phase = -1;
  let head: { seq: number; hash: string } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const where = `line ${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(lines[i] as string);
    } catch {
      chain().report('malformed', chain().nextSeq, `${where} is not JSON`);
      break;
    }
    const parsed = ExportLineSchema.safeParse(json);
    if (!parsed.success) {
      chain().report('malformed', chain().nextSeq, `${where} is not an export line`);
      break;
    }
    const line = parsed.data;
    const rank = ORDER[line.type];
    if ((phase === -1) !== (line.type === 'header') || rank < phase) {
      chain().report('malformed', chain().nextSeq, `${where}: a ${line.type} line is out of place`);
      break;
    }
    phase = rank;
    if (line.type === 'header') head = line.head;
    else if (line.type === 'checkpoint') checkpoints.push(line.checkpoint);
    else if (line.type === 'entry') {
      const entry = AuditEntrySchema.safeParse(line.entry);
      if (!entry.success) {
        const seq = (line.entry as { seq?: unknown } | null)?.seq;
        chain().report(
          'malformed',
          typeof seq === 'number' ? seq : chain().nextSeq,
          `${where} is not a valid entry`,
        );
        continue;
      }
      const { hash, ...rest } = entry.data;
      let body: string;
      try {
        body = canonicalJson(rest);
      } catch {
        chain().report(
          'malformed',
          entry.data.seq,
          `${where}: entry ${entry.data.seq} cannot be canonicalised`,
        );
        continue;
      }
      chain().push(hash, body);
    }
  }
  if (phase === -1) chain().report('malformed', 0, 'the export has no header line');
  const v = chain();
  // The header is not signed: it catches a file cut short by accident, not a forger.
  if (head !== null && v.nextSeq <= head.seq) {
    v.report(
      'truncated',
      v.nextSeq,
      `the export header lists entries up to ${head.seq}; the file ends at ${v.nextSeq - 1}`,
    );
  }
  return v.finish();
}
