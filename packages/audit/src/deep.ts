import { canonicalJson } from '@astrid/crypto';
import { AuditEntryBodySchema } from './entry-schema.js';

/**
 * Checks what the hash chain alone does not: that a stored body is a schema-valid entry and
 * is byte for byte its own canonical JSON. Returns a message when it is not.
 */
export function inspectBody(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'the entry is not JSON';
  }
  const result = AuditEntryBodySchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    return `the entry is not well-formed at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
  }
  try {
    if (canonicalJson(parsed) !== body) return 'the entry is not stored in canonical JSON';
  } catch (err) {
    return `the entry cannot be canonicalised: ${(err as Error).message}`;
  }
  return undefined;
}
