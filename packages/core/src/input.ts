import { z } from 'zod';

/**
 * Where a proposal came from, which decides how much it is trusted:
 * - `trusted`: typed by the verified user;
 * - `preauthorized`: covered by a capability token;
 * - `untrusted`: tool output, web or MCP content, files read by tools — anything external.
 */
export const INPUT_CLASSES = ['trusted', 'preauthorized', 'untrusted'] as const;
export type InputClass = (typeof INPUT_CLASSES)[number];
export const InputClassSchema = z.enum(INPUT_CLASSES);

/** The least trusted of two classes: mixing untrusted content into a proposal taints it. */
export function leastTrusted(a: InputClass, b: InputClass): InputClass {
  return INPUT_CLASSES.indexOf(a) >= INPUT_CLASSES.indexOf(b) ? a : b;
}
