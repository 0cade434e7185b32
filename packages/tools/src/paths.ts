import { posix } from 'node:path';
import type { BoundaryCheck, BoundaryOp } from '@astrid/workspace';
import { ToolError } from './errors.js';
import type { ToolContext } from './tool.js';

/**
 * Resolves an agent-supplied path for planning: relative paths are relative to the
 * workspace root, `~` is the configured home, and every symlink is followed the way the
 * kernel would. The action names `realPath`, the file the tool will really touch, so the
 * policy and the human judge that file and not the spelling the agent chose.
 */
export async function resolveForPlan(ctx: ToolContext, path: string, op: BoundaryOp): Promise<BoundaryCheck> {
  try {
    return await ctx.boundary.check(path, op);
  } catch (err) {
    // `~user`, NUL bytes and empty paths are refused by the boundary with INVALID_ARGUMENT.
    throw new ToolError(`invalid path ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
}

/** How a real path is shown to the agent: relative to the workspace root when inside it. */
export function displayPath(ctx: ToolContext, realPath: string): string {
  const root = ctx.boundary.root;
  if (realPath === root) return '.';
  if (realPath.startsWith(`${root}/`)) return realPath.slice(root.length + 1);
  return realPath;
}

/** True when `path` is `root` or below it (both canonical). */
export function isWithin(path: string, root: string): boolean {
  return path === root || path.startsWith(root === '/' ? '/' : `${root}/`);
}

/** The parent directory and last name of a canonical absolute path. */
export function splitPath(path: string): { dir: string; name: string } {
  return { dir: posix.dirname(path), name: posix.basename(path) };
}
