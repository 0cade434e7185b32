import { AUDIT_KINDS, type AuditKind } from '@astrid/audit';
import { loadConfig, paths, redactConfig } from '@astrid/config';
import { AstridError, type AuditEntryWire, type JsonValue, tokenId } from '@astrid/core';
import { toHex } from '@astrid/crypto';
import { workspaceRoot } from '@astrid/runtime';
import type { GatewayContext } from '../context.js';
import type { Handlers } from '../rpc.js';

type AdminHandlers = Pick<
  Handlers,
  | 'audit.list'
  | 'audit.get'
  | 'audit.verify'
  | 'audit.stats'
  | 'audit.export'
  | 'token.list'
  | 'token.revoke'
  | 'config.get'
  | 'config.validate'
  | 'config.paths'
  | 'keys.show'
  | 'keys.rotate'
>;

function isKind(kind: string): kind is AuditKind {
  return (AUDIT_KINDS as readonly string[]).includes(kind);
}

function wire(entry: object): AuditEntryWire {
  return entry as AuditEntryWire;
}

/** `audit.*`, `token.*`, `config.*`, `keys.*`. */
export function adminHandlers(ctx: GatewayContext): AdminHandlers {
  const audit = ctx.runtime.audit;
  return {
    'audit.list': async ({ sessionId, kind, fromSeq, limit, reverse }) => {
      if (kind !== undefined && !isKind(kind)) {
        throw new AstridError('INVALID_ARGUMENT', `"kind" expected one of ${AUDIT_KINDS.join(', ')}`);
      }
      const entries: AuditEntryWire[] = [];
      for await (const entry of audit.read({
        ...(sessionId === undefined ? {} : { sessionId }),
        ...(kind === undefined ? {} : { kind }),
        ...(fromSeq === undefined ? {} : { fromSeq }),
        limit: limit ?? 100,
        reverse: reverse === true,
      })) {
        entries.push(wire(entry));
      }
      return { entries };
    },

    'audit.get': async ({ seq }) => {
      const entry = await audit.get(seq);
      if (entry === undefined) throw new AstridError('INVALID_ARGUMENT', `no audit entry ${seq}`);
      return wire(entry);
    },

    'audit.verify': async ({ deep }) => {
      const result = await audit.verify(deep === undefined ? {} : { deep });
      return { ...result };
    },

    'audit.stats': () => {
      const head = audit.head;
      const checkpoint = audit.checkpointHead;
      return {
        entries: head === null ? 0 : head.seq + 1,
        head,
        checkpoint: checkpoint === null ? null : { ...checkpoint },
      };
    },

    'audit.export': async ({ offset, limit }) => {
      const start = offset ?? 0;
      const max = limit ?? 1000;
      const lines: string[] = [];
      let index = 0;
      let more = false;
      for await (const line of audit.exportJsonl()) {
        if (index++ < start) continue;
        if (lines.length === max) {
          more = true;
          break;
        }
        lines.push(line);
      }
      return more ? { lines, next: start + lines.length } : { lines };
    },

    'token.list': () => ({
      tokens: ctx.runtime.capabilities.list().map(({ token, revoked, consumed }) => {
        // The signature is proof material, not something a frontend needs to show.
        const { signature: _signature, ...shown } = token;
        return { ...shown, revoked, consumed } as unknown as JsonValue;
      }),
    }),
    // An id this daemon never held is an error, not a silent success: a typo must not look
    // revoked. Revoking again is idempotent and says so (`already`), without a second audit
    // entry: nothing changed.
    'token.revoke': async (params, conn) => {
      const id = tokenId(params.id);
      const capabilities = ctx.runtime.capabilities;
      if (capabilities.isRevoked(id)) {
        return { revoked: true as const, already: true as const };
      }
      if (capabilities.get(id) === undefined) {
        throw new AstridError(
          'TOKEN_NOT_FOUND',
          `no token ${id}: nothing was revoked (token.list shows the tokens this daemon holds)`,
          { details: { tokenId: id } },
        );
      }
      await capabilities.revoke(id);
      await ctx.runtime.audit.append({
        kind: 'token_revoked',
        principal: conn.id,
        details: { tokenId: id, connection: conn.identity },
      });
      return { revoked: true as const };
    },

    'config.get': async ({ workspace }) => {
      const root = await rootOf(ctx, workspace);
      if (root === ctx.workspace) return { config: redactConfig(ctx.config) as unknown as JsonValue };
      const config =
        ctx.workspaceConfig === undefined
          ? (
              await loadConfig({
                home: ctx.home,
                workspace: root,
                env: ctx.env,
                ...(ctx.adminConfigPath === undefined ? {} : { adminPath: ctx.adminConfigPath }),
              })
            ).config
          : await ctx.workspaceConfig(root);
      return { config: redactConfig(config) as unknown as JsonValue };
    },

    'config.validate': async ({ workspace }) => {
      const root = await rootOf(ctx, workspace);
      try {
        const loaded = await loadConfig({
          home: ctx.home,
          workspace: root,
          env: ctx.env,
          ...(ctx.adminConfigPath === undefined ? {} : { adminPath: ctx.adminConfigPath }),
        });
        return {
          valid: true,
          errors: [],
          warnings: loaded.warnings.map((w) => `${w.source}: ${w.path}: ${w.message}`),
        };
      } catch (err) {
        if (!(err instanceof AstridError)) throw err;
        return { valid: false, errors: [err.message], warnings: [] };
      }
    },

    'config.paths': async ({ workspace }) => ({
      home: ctx.home,
      files: await paths({
        home: ctx.home,
        workspace: await rootOf(ctx, workspace),
        env: ctx.env,
        ...(ctx.adminConfigPath === undefined ? {} : { adminPath: ctx.adminConfigPath }),
      }),
    }),

    'keys.show': () => ({
      keyId: ctx.keys.keyId,
      publicKey: toHex(ctx.keys.publicKey),
      history: ctx.keys.history().map((r) => ({ ...r })),
    }),

    // The runtime's own key ring: a second instance would leave the runtime signing with the old key.
    'keys.rotate': async (_params, conn) => {
      const rotated = await ctx.runtime.keys.rotate();
      await ctx.runtime.audit.append({
        kind: 'key_rotated',
        principal: conn.id,
        details: { previous: rotated.previous, current: rotated.current, connection: conn.identity },
      });
      return { previous: rotated.previous, current: rotated.current };
    },
  };
}

/** The real root of `workspace` (default: the daemon's), refused as `session.create` refuses it. */
async function rootOf(ctx: GatewayContext, workspace: string | undefined): Promise<string> {
  return workspace === undefined ? ctx.workspace : workspaceRoot(workspace);
}
