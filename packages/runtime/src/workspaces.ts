import { realpath } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { SecurityInterceptor } from '@astrid/approval';
import { AstridError } from '@astrid/core';
import type { SessionHost } from './host.js';
import { openScope, type WorkspaceScope } from './scope.js';
import type { Wiring } from './wiring.js';

/**
 * The workspaces one runtime serves: the default one (`RuntimeOptions.workspace`) and any
 * other a session asks for, each opened once with its own config (`workspaceConfig`), real
 * path as the key. Without `workspaceConfig` only the default workspace can be used.
 */
export class Workspaces {
  private readonly scopes = new Map<string, Promise<WorkspaceScope>>();
  private readonly open: WorkspaceScope[] = [];
  private readonly hosts = new WeakMap<WorkspaceScope, SessionHost>();

  constructor(
    private readonly wiring: Wiring,
    /** The runtime's host for the default workspace. */
    private readonly host: SessionHost,
  ) {
    this.scopes.set(wiring.scope.root, Promise.resolve(wiring.scope));
    this.open.push(wiring.scope);
    this.hosts.set(wiring.scope, host);
  }

  /** The default workspace's scope. */
  get default(): WorkspaceScope {
    return this.wiring.scope;
  }

  /**
   * The scope of `workspace` (undefined: the default), opened on first use. A directory that
   * does not exist is WORKSPACE_INVALID, and so is a root the boundary refuses (`/`, the
   * user's home, an ancestor of the data dir); its config failing to load refuses it too.
   */
  async get(workspace: string | undefined): Promise<WorkspaceScope> {
    if (workspace === undefined) return this.default;
    const root = await workspaceRoot(workspace);
    const known = this.scopes.get(root);
    if (known !== undefined) return known;
    const load = this.wiring.workspaceConfig;
    if (load === undefined) {
      throw new AstridError(
        'INVALID_ARGUMENT',
        `this runtime serves only the workspace ${this.default.root}; ${root} was asked for`,
      );
    }
    const opening = (async () => openScope(this.wiring.shared, root, await load(root)))();
    this.scopes.set(root, opening);
    try {
      const scope = await opening;
      this.open.push(scope);
      return scope;
    } catch (err) {
      // Not cached: a config fixed since, or a directory created since, is tried again.
      this.scopes.delete(root);
      throw err;
    }
  }

  /** The host a session of `scope` runs with: the runtime's, with that workspace's parts. */
  hostFor(scope: WorkspaceScope): SessionHost {
    let host = this.hosts.get(scope);
    if (host === undefined) {
      host = {
        ...this.host,
        boundary: scope.boundary,
        createTools: () => scope.createTools(),
        recheckPolicy: (action, options) => scope.recheckPolicy(action, options),
      };
      this.hosts.set(scope, host);
    }
    return host;
  }

  /** The interceptor of each open workspace's config-mode sessions. */
  interceptors(): SecurityInterceptor[] {
    return this.open.map((s) => s.interceptor);
  }
}

/**
 * The real path of a workspace a client names. Relative to what? The daemon's own cwd is not
 * the client's: a relative path is refused, not guessed; so is one that does not resolve.
 */
export async function workspaceRoot(workspace: string): Promise<string> {
  if (!isAbsolute(workspace)) {
    throw new AstridError(
      'WORKSPACE_INVALID',
      `workspace ${JSON.stringify(workspace)} is not an absolute path`,
    );
  }
  try {
    return await realpath(workspace);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new AstridError('WORKSPACE_INVALID', `workspace ${workspace} cannot be used: ${code}`, {
      cause: err,
    });
  }
}
