import type { CommandContext } from './context.js';
import { type Endpoint, endpointFromHost, endpointFromUrl, type LocalFile } from './endpoints.js';
import type { CommandWord } from './types.js';
import { excerpt } from './words.js';

/** Helpers shared by the network command handlers. */

/** A literal word made by a handler (a file named inside an option value or a URL). */
export const word = (value: string): CommandWord => ({ value, literal: true, known: true });

export function isLocal(target: Endpoint | LocalFile): target is LocalFile {
  return 'file' in target;
}

/** Records a request to a URL word; unknown or unparsable URLs make the command unresolved. */
export function urlRequest(
  ctx: CommandContext,
  w: CommandWord,
  method: string,
  defaultScheme = 'http',
): Endpoint | undefined {
  if (!w.known) return undefined;
  const target = endpointFromUrl(w.value, defaultScheme);
  if (target === undefined) {
    ctx.unresolved(`${ctx.name}: cannot read the address ${excerpt(w.value)}`);
    return undefined;
  }
  if (isLocal(target)) {
    ctx.file('read', word(target.file));
    return undefined;
  }
  ctx.network(target.host, target.port, method, target.url);
  return target;
}

/** Records a connection to `[user@]host[:port]`; an unreadable host makes the command unresolved. */
export function hostRequest(ctx: CommandContext, raw: string, port: number, method: string): void {
  const target = endpointFromHost(raw, port, method.toLowerCase());
  if (target === undefined) ctx.unresolved(`${ctx.name}: cannot read the host ${excerpt(raw)}`);
  else ctx.network(target.host, target.port, method);
}
