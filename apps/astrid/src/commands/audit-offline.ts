import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AuditVerifyResult } from '@astrid/audit';
import { verifyExport } from '@astrid/audit/verify-export';
import { keyId } from '@astrid/core';
import { fromHex, keyIdOf, type PublicKeyRecord } from '@astrid/crypto';
import type { Context } from '../context.js';
import { CliError, EXIT } from '../io.js';

// zod is not a dependency of the CLI; the shape is small enough to check by hand.
function isRecord(
  value: unknown,
): value is { keyId: string; publicKey: string; createdAt: number; retiredAt: number | null } {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.keyId === 'string' &&
    typeof r.publicKey === 'string' &&
    /^[0-9a-f]{64}$/.test(r.publicKey) &&
    typeof r.createdAt === 'number' &&
    (r.retiredAt === null || typeof r.retiredAt === 'number')
  );
}

/** keys/history.json is `{version, keys}`; `astrid keys show --json` is `{keyId, publicKey, history}`. */
function historyOf(json: unknown): PublicKeyRecord[] | undefined {
  const list = Array.isArray(json)
    ? json
    : json !== null && typeof json === 'object'
      ? ((json as { keys?: unknown }).keys ?? (json as { history?: unknown }).history)
      : undefined;
  if (!Array.isArray(list) || list.length === 0 || !list.every(isRecord)) return undefined;
  return list.map((r) => ({
    keyId: keyId(r.keyId),
    publicKey: r.publicKey,
    createdAt: r.createdAt,
    retiredAt: r.retiredAt,
  }));
}

async function readText(ctx: Context, file: string, what: string): Promise<string> {
  const path = resolve(ctx.cwd, file);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the ${what} ${path}: ${(err as Error).message}`, EXIT.error, {
      cause: err,
    });
  }
}

async function trustedKeys(
  ctx: Context,
  publicKey?: string,
  historyFile?: string,
): Promise<PublicKeyRecord[]> {
  if ((publicKey === undefined) === (historyFile === undefined)) {
    throw new CliError(
      'audit verify --file needs exactly one of --public-key <hex> or --key-history <file>',
      EXIT.usage,
    );
  }
  if (publicKey !== undefined) {
    const hex = publicKey.trim().toLowerCase();
    let bytes: Uint8Array;
    try {
      bytes = fromHex('--public-key', hex, 32);
    } catch (err) {
      throw new CliError(`--public-key expects 64 hex characters (astrid keys show)`, EXIT.usage, {
        cause: err,
      });
    }
    // Trusted for every entry: a single key given by hand has no validity window.
    return [{ keyId: keyIdOf(bytes), publicKey: hex, createdAt: 0, retiredAt: null }];
  }
  const text = await readText(ctx, historyFile as string, 'key history');
  let history: PublicKeyRecord[] | undefined;
  try {
    history = historyOf(JSON.parse(text));
  } catch {
    history = undefined;
  }
  if (history === undefined) {
    throw new CliError(
      `${historyFile} is not a key history (use keys/history.json or \`astrid keys show --json\`)`,
    );
  }
  return history;
}

/** Verifies a JSONL export against keys the user names; needs no daemon. */
export async function verifyOffline(
  ctx: Context,
  file: string,
  publicKey?: string,
  historyFile?: string,
): Promise<AuditVerifyResult> {
  const keys = await trustedKeys(ctx, publicKey, historyFile);
  const text = await readText(ctx, file, 'export');
  return verifyExport(text, keys);
}
