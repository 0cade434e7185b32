import type { SensitiveAction } from '@astrid/core';
import { blake3Hex } from './blake3.js';
import { canonicalBytes } from './canonical.js';

/**
 * BLAKE3 (hex) of an action's canonical JSON. Approvals, tokens bound to one call and
 * Authorizations all bind to this hash, so the executed action must be the approved one.
 * (It lives here rather than in core because core has no dependencies but zod.)
 */
export function actionHash(action: SensitiveAction): string {
  return blake3Hex(canonicalBytes(action));
}
