import { z } from 'zod';
import { APPROVAL_DECISIONS, APPROVAL_STATES, type ApprovalRequest, type ApprovalState } from './approval.js';
import type { ElicitationOutcome, ElicitationRequest } from './elicitation.js';
import { AstridError, ERROR_CODES, type ErrorCode } from './errors.js';
import type { RuntimeEvent } from './events.js';
import { IdSchema } from './ids.js';
import { type JsonValue, JsonValueSchema } from './json.js';

// The daemon protocol: JSON-RPC 2.0 over WebSocket. Server and clients share these
// definitions, so a frontend written against @astrid/client type-checks against the daemon.
// One file on purpose: the method table, its params schemas and result types read together.

/** Bumped on any incompatible change to the methods or notifications below. */
export const PROTOCOL_VERSION = 1;
/** The only WebSocket path the daemon upgrades. */
export const RPC_PATH = '/rpc';
/** Frames above this are refused by the transport (ws `maxPayload`): close 1009. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** A connection that lets more than this pile up unread is closed (1013, "slow reader"). */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** The text `daemon.hello` signs, before the client's nonce: a domain separator, so the
 * signature can never be mistaken for a checkpoint or token signature. */
export const HELLO_CONTEXT = 'astrid/daemon.hello/v1\n';

// ---------------------------------------------------------------- wire errors

/** JSON-RPC's own codes plus the daemon's codes that have no AstridError equivalent. */
export const WIRE_ERROR_CODES = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** The kill switch is engaged: every action is refused until `daemon.unlock`. */
  LOCKED_DOWN: -32090,
  /** The method exists in the protocol but this daemon cannot do it yet. */
  NOT_SUPPORTED: -32091,
  /** The daemon is stopping. */
  SHUTTING_DOWN: -32092,
} as const;
export type WireOnlyCode = 'LOCKED_DOWN' | 'NOT_SUPPORTED' | 'SHUTTING_DOWN';

/**
 * Every AstridError code has a fixed number in the JSON-RPC server range (-32000..-32089),
 * by its position in {@link ERROR_CODES}; the string code also travels in `data.code`, so
 * a client rebuilds the same AstridError. Appending codes keeps earlier numbers stable.
 */
export function wireCodeOf(code: ErrorCode | WireOnlyCode): number {
  if (code === 'LOCKED_DOWN' || code === 'NOT_SUPPORTED' || code === 'SHUTTING_DOWN')
    return WIRE_ERROR_CODES[code];
  const index = Object.keys(ERROR_CODES).indexOf(code);
  return index < 0 ? WIRE_ERROR_CODES.INTERNAL_ERROR : -32000 - index;
}

/** `data` of every error the daemon sends: the string code and secret-free details. */
export interface WireErrorData {
  readonly code: string;
  readonly details?: JsonValue;
}

/** An error as it crosses the socket: numeric JSON-RPC code, message, string code in data. */
export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: WireErrorData,
  ) {
    super(message);
  }

  /** The string code (`APPROVAL_ALREADY_RESOLVED`, `LOCKED_DOWN`, `INVALID_PARAMS`...). */
  get astridCode(): string {
    return this.data?.code ?? jsonRpcName(this.code);
  }

  /** The wire form of a local AstridError. */
  static fromAstridError(err: AstridError): WireError {
    const details = JsonValueSchema.safeParse(err.details);
    return new WireError(wireCodeOf(err.code), err.message, {
      code: err.code,
      ...(details.success && err.details !== undefined ? { details: details.data } : {}),
    });
  }

  /** Rebuilds the AstridError this was made from; undefined for protocol-level errors. */
  toAstridError(): AstridError | undefined {
    const code = this.data?.code;
    if (code === undefined || !(code in ERROR_CODES)) return undefined;
    const details = this.data?.details;
    return new AstridError(code as ErrorCode, this.message, {
      cause: this,
      ...(details !== null && typeof details === 'object' && !Array.isArray(details) ? { details } : {}),
    });
  }

  /** The JSON-RPC `error` member. */
  toJSON(): { code: number; message: string; data?: WireErrorData } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

function jsonRpcName(code: number): string {
  for (const [name, value] of Object.entries(WIRE_ERROR_CODES)) if (value === code) return name;
  const index = -32000 - code;
  return Object.keys(ERROR_CODES)[index] ?? 'INTERNAL_ERROR';
}

// ---------------------------------------------------------------- params schemas

const Id = IdSchema;
const Since = z.number().int().min(0).optional();
const Text = (max: number) => z.string().max(max);
const Empty = z.strictObject({});

/** Who a frontend says its human is (a Telegram user id, an OS user): recorded beside the connection. */
const UserId = IdSchema;

/** Every method's params schema. Params are always a JSON object (or absent: `{}`). */
export const RPC_PARAMS = {
  'daemon.hello': z.strictObject({
    nonce: z.string().regex(/^[0-9a-f]{32,128}$/, 'expected 32-128 lower-case hex characters'),
    client: z.strictObject({ name: Id, version: Text(64).optional() }).optional(),
  }),
  'daemon.status': Empty,
  'daemon.shutdown': Empty,
  'daemon.lockdown': z.strictObject({ reason: Text(2000).optional(), userId: UserId.optional() }),
  'daemon.unlock': z.strictObject({ reason: Text(2000).optional(), userId: UserId.optional() }),
  'session.create': z.strictObject({
    workspace: Text(4096).optional(),
    label: z.string().min(1).max(200).optional(),
    mode: z.enum(['safe', 'guided', 'autonomous']).optional(),
    provider: Text(64).optional(),
    model: Text(200).optional(),
  }),
  'session.list': z.strictObject({ status: z.enum(['active', 'ended']).optional() }),
  'session.get': z.strictObject({ sessionId: Id }),
  'session.send': z.strictObject({ sessionId: Id, text: z.string().min(1).max(1_000_000) }),
  'session.cancel': z.strictObject({ sessionId: Id }),
  'session.delete': z.strictObject({ sessionId: Id }),
  'session.cleanup': z.strictObject({ olderThanMs: z.number().int().min(0).optional() }),
  'session.subscribe': z.strictObject({ sessionId: Id, since: Since }),
  'session.unsubscribe': z.strictObject({ sessionId: Id }),
  'approval.list': z.strictObject({
    state: z.enum(APPROVAL_STATES).optional(),
    sessionId: Id.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  'approval.get': z.strictObject({ id: Id }),
  'approval.respond': z.strictObject({
    id: Id,
    decision: z.enum(APPROVAL_DECISIONS),
    reason: Text(4000).optional(),
    amount: z.number().int().positive().optional(),
    userId: UserId.optional(),
  }),
  'approval.subscribe': z.strictObject({ since: Since }),
  'approval.unsubscribe': Empty,
  'action.cancel': z.strictObject({ id: Text(200) }),
  'elicitation.list': z.strictObject({ sessionId: Id.optional() }),
  'elicitation.respond': z.strictObject({
    id: Id,
    action: z.enum(['accept', 'decline', 'cancel']),
    /** With `accept`: one primitive value per field (checked against the request's fields). */
    content: z
      .record(z.string().max(64), z.union([z.string().max(65_536), z.number(), z.boolean()]))
      .optional(),
    userId: UserId.optional(),
  }),
  'frontend.report': z.strictObject({
    event: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/),
    message: Text(2000),
    userId: UserId.optional(),
    details: z.record(z.string(), JsonValueSchema).optional(),
  }),
  'audit.list': z.strictObject({
    sessionId: Id.optional(),
    kind: z.string().max(64).optional(),
    fromSeq: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    reverse: z.boolean().optional(),
  }),
  'audit.get': z.strictObject({ seq: z.number().int().min(0) }),
  'audit.verify': z.strictObject({ deep: z.boolean().optional() }),
  'audit.stats': Empty,
  'audit.export': z.strictObject({
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  }),
  'token.list': Empty,
  'token.revoke': z.strictObject({ id: Id }),
  'budget.get': z.strictObject({ sessionId: Id }),
  // `workspace`: the config that applies there (its .astrid/config.toml layer); default the daemon's.
  'config.get': z.strictObject({ workspace: Text(4096).optional() }),
  'config.validate': z.strictObject({ workspace: Text(4096).optional() }),
  'config.paths': z.strictObject({ workspace: Text(4096).optional() }),
  'keys.show': Empty,
  'keys.rotate': Empty,
} as const;

/** Every method name. */
export type RpcMethod = keyof typeof RPC_PARAMS;
/** The method names, in table order. */
export const RPC_METHODS = Object.keys(RPC_PARAMS) as RpcMethod[];
/** What a client passes to `method` (before validation). */
export type RpcParams<M extends RpcMethod> = z.input<(typeof RPC_PARAMS)[M]>;
/** What the daemon's handler receives (after validation). */
export type RpcValidParams<M extends RpcMethod> = z.output<(typeof RPC_PARAMS)[M]>;

// ---------------------------------------------------------------- results

/** The lockdown (kill switch) state. */
export interface LockdownState {
  readonly active: boolean;
  /** Bumped by every lockdown: Authorizations issued before it are void. */
  readonly epoch: number;
  readonly since?: number;
  readonly reason?: string;
  readonly by?: string;
}

/** A session as `session.list` / `session.get` show it. */
export interface SessionInfo {
  readonly id: string;
  readonly label: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly status: 'active' | 'ended';
  readonly parent?: string;
  readonly depth: number;
  readonly messages: number;
  readonly interrupted: boolean;
  readonly running: boolean;
  readonly spentMicros: number;
  /** The provider and model it talks to (the daemon's unless it asked for another at creation). */
  readonly provider: string;
  readonly model: string;
  /** The real root of the workspace it works in. */
  readonly workspace: string;
  /** The last event seq recorded for it (replay with `since`). */
  readonly lastSeq: number;
}

/** One audit entry as sent on the wire (the AuditEntry of @astrid/audit). */
export interface AuditEntryWire {
  readonly seq: number;
  readonly id: string;
  readonly kind: string;
  readonly timestamp: number;
  readonly principal: string;
  readonly sessionId?: string;
  readonly [field: string]: unknown;
}

/** Each method's result. */
export interface RpcResults {
  'daemon.hello': {
    readonly protocol: number;
    readonly version: string;
    readonly epoch: string;
    readonly keyId: string;
    /** 32-byte ed25519 public key, hex. */
    readonly publicKey: string;
    /** ed25519 over `HELLO_CONTEXT + nonce`, hex. */
    readonly signature: string;
    readonly connection: string;
  };
  'daemon.status': {
    readonly version: string;
    readonly protocol: number;
    readonly pid: number;
    readonly epoch: string;
    readonly startedAt: number;
    readonly uptimeMs: number;
    /** The default workspace (the daemon's `--workspace`): sessions that ask for none work there. */
    readonly workspace: string;
    /** Every workspace an active session works in, the default first when it has one. */
    readonly workspaces: readonly string[];
    readonly provider: { readonly name: string; readonly model: string };
    readonly sessions: { readonly total: number; readonly active: number; readonly running: number };
    readonly pendingApprovals: number;
    readonly connections: number;
    readonly sandbox: {
      readonly configured: string;
      readonly active: 'yes' | 'no' | 'unknown';
      /** Set when `auto` fell back to running commands unsandboxed. */
      readonly warning?: string;
      /** Set when `bwrap` is required but cannot start: commands are refused. */
      readonly refusal?: string;
    };
    readonly lockdown: LockdownState;
  };
  'daemon.shutdown': { readonly stopping: true };
  'daemon.lockdown': LockdownState & {
    readonly cancelledTurns: number;
    readonly killedProcesses: number;
    readonly deniedApprovals: number;
    /** "Allow Session" allowances dropped. */
    readonly droppedAllowances: number;
    /** Session-scoped capability tokens revoked. */
    readonly revokedTokens: number;
  };
  'daemon.unlock': LockdownState;
  'session.create': SessionInfo;
  'session.list': { readonly sessions: readonly SessionInfo[] };
  'session.get': SessionInfo & { readonly budget: BudgetInfo };
  'session.send': { readonly turnId: string; readonly seq: number };
  'session.cancel': { readonly cancelled: boolean };
  'session.delete': { readonly deleted: true };
  'session.cleanup': { readonly removedEventLogs: number };
  'session.subscribe': { readonly lastSeq: number; readonly replayed: number; readonly epoch: string };
  'session.unsubscribe': { readonly subscribed: false };
  'approval.list': { readonly approvals: readonly ApprovalRequest[] };
  'approval.get': ApprovalRequest;
  'approval.respond': ApprovalRequest;
  'approval.subscribe': { readonly lastSeq: number; readonly replayed: number; readonly epoch: string };
  'approval.unsubscribe': { readonly subscribed: false };
  'action.cancel': { readonly cancelled: boolean };
  'elicitation.list': { readonly elicitations: readonly ElicitationRequest[] };
  /** The answer recorded; an unknown id is ELICITATION_NOT_FOUND, a late one ELICITATION_ALREADY_RESOLVED. */
  'elicitation.respond': { readonly id: string; readonly outcome: Exclude<ElicitationOutcome, 'expired'> };
  'frontend.report': { readonly auditSeq: number };
  'audit.list': { readonly entries: readonly AuditEntryWire[] };
  'audit.get': AuditEntryWire;
  'audit.verify': { readonly ok: boolean; readonly [field: string]: unknown };
  'audit.stats': {
    readonly entries: number;
    readonly head: { readonly seq: number; readonly hash: string } | null;
    readonly checkpoint: { readonly seq: number; readonly [field: string]: unknown } | null;
  };
  'audit.export': { readonly lines: readonly string[]; readonly next?: number };
  'token.list': { readonly tokens: readonly JsonValue[] };
  /** `already`: it was revoked before (nothing changed, nothing audited). An unknown id is TOKEN_NOT_FOUND. */
  'token.revoke': { readonly revoked: true; readonly already?: true };
  'budget.get': BudgetInfo;
  'config.get': { readonly config: JsonValue };
  'config.validate': {
    readonly valid: boolean;
    readonly errors: readonly string[];
    readonly warnings: readonly string[];
  };
  'config.paths': {
    readonly home: string;
    readonly files: readonly { readonly layer: string; readonly path: string; readonly exists: boolean }[];
  };
  'keys.show': {
    readonly keyId: string;
    readonly publicKey: string;
    readonly history: readonly {
      readonly keyId: string;
      readonly publicKey: string;
      readonly createdAt: number;
      readonly retiredAt: number | null;
    }[];
  };
  'keys.rotate': { readonly previous: string; readonly current: string };
}

/** A session's budget, in micro-dollars. */
export interface BudgetInfo {
  readonly sessionId: string;
  readonly spent: number;
  readonly reserved: number;
  readonly limit: number | null;
}

// ---------------------------------------------------------------- notifications

/** `session.event`: one runtime event of a subscribed session (or one of its sub-agents). */
export interface SessionEventNotification {
  readonly sessionId: string;
  /** The daemon run that recorded it; changes on every daemon start. */
  readonly epoch: string;
  /** Per session, persisted and gap-free: replay with `session.subscribe { since: seq }`. */
  readonly seq: number;
  readonly event: RuntimeEvent;
}

/** What happened to an approval request. */
export type ApprovalEventType = 'requested' | 'resolved' | 'expired' | 'cancelled';

/** The approval event type a request's state implies. */
export function approvalEventType(state: ApprovalState): ApprovalEventType {
  if (state === 'pending') return 'requested';
  if (state === 'expired' || state === 'cancelled') return state;
  return 'resolved';
}

/** `approval.event`: every session's approvals, for frontends like Telegram. */
export interface ApprovalEventNotification {
  readonly epoch: string;
  /** Daemon-wide, persisted and gap-free: replay with `approval.subscribe { since: seq }`. */
  readonly seq: number;
  readonly type: ApprovalEventType;
  readonly sessionId: string;
  readonly request: ApprovalRequest;
}

/** `daemon.event`: lockdown, unlock, shutdown. */
export interface DaemonEventNotification {
  readonly type: 'lockdown' | 'unlock' | 'shutdown';
  readonly lockdown: LockdownState;
}

/** Every notification the daemon sends, by method. */
export interface RpcNotifications {
  'session.event': SessionEventNotification;
  'approval.event': ApprovalEventNotification;
  'daemon.event': DaemonEventNotification;
}
