import { AstridError, JsonValueSchema, type SessionId } from '@astrid/core';
import type { JsonObject, LlmMessage } from '@astrid/llm';
import type { Database, Store } from '@astrid/storage';
import { z } from 'zod';

/** Where one tool call of the current turn stands; persisted so a restart knows what ran. */
export interface CallState {
  readonly id: string;
  readonly name: string;
  readonly arguments: JsonObject;
  /** The model's argument text did not parse (returned to it as a failed result). */
  readonly parseError?: string;
  /**
   * `pending`: nothing executed yet (it may be waiting for approval); `executing`: every
   * action was authorized and the tool started, so after a crash it may have had effects and
   * is never re-run; `done`: `result` is final.
   */
  state: 'pending' | 'executing' | 'done';
  /** Approval requests asked for this call, in order: re-attached after a restart. */
  approvals: string[];
  result?: { readonly content: string; readonly isError: boolean };
}

/** The turn in progress: which step (LLM request) it is at and the calls being run. */
export interface TurnState {
  readonly id: string;
  /** LLM requests made in this turn. */
  step: number;
  /** `model`: the next thing is an LLM request; `tools`: `calls` are being run. */
  phase: 'model' | 'tools';
  calls: CallState[];
}

/** A session as stored in LevelDB after every step. */
export interface SessionRecord {
  readonly version: 1;
  readonly id: SessionId;
  readonly principal: string;
  label: string;
  readonly createdAt: number;
  updatedAt: number;
  /** `ended` sessions keep their history but take no more turns. */
  status: 'active' | 'ended';
  /** The parent for a sub-agent. */
  readonly parent?: SessionId;
  readonly depth: number;
  /** The workspace mode this session's interceptor runs with (a sub-agent's may be stricter). */
  mode: 'safe' | 'guided' | 'autonomous';
  /** The untrusted-content delimiter nonce (see UntrustedFraming). */
  readonly nonce: string;
  /** Untrusted content has entered the session: commands and network always ask. */
  tainted: boolean;
  history: LlmMessage[];
  /** Committed spend and approved extensions, in micro-dollars (the ledger is restored from them). */
  budget: { spent: number; extra: number; limit?: number };
  /** Session-scoped capability tokens (the capability store keeps them in memory only). */
  sessionTokens: unknown[];
  turn?: TurnState;
  /**
   * The provider and model the session was created for, when it asked for one; absent: it
   * follows the daemon's configured model. Names only: keys always come from the daemon.
   */
  readonly llm?: SessionLlmSpec;
  /** The real root of the workspace it works in (absent in records older than this field: the default). */
  readonly workspace?: string;
}

/** A provider and model a session asked for. */
export interface SessionLlmSpec {
  readonly provider: string;
  readonly model: string;
}

const JsonObjectSchema = z.record(z.string(), JsonValueSchema);

const MessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), content: z.string() }),
  z.object({
    role: z.literal('assistant'),
    content: z.string(),
    toolCalls: z
      .array(z.object({ id: z.string(), name: z.string(), arguments: JsonObjectSchema }))
      .optional(),
  }),
  z.object({
    role: z.literal('tool_results'),
    results: z.array(
      z.object({ toolCallId: z.string(), content: z.string(), isError: z.boolean().optional() }),
    ),
  }),
]);

const CallStateSchema = z.object({
  id: z.string(),
  name: z.string(),
  arguments: JsonObjectSchema,
  parseError: z.string().optional(),
  state: z.enum(['pending', 'executing', 'done']),
  approvals: z.array(z.string()),
  result: z.object({ content: z.string(), isError: z.boolean() }).optional(),
});

const Micros = z.number().int().nonnegative();

// The database is the daemon's own, but a damaged record must fail loudly on load rather
// than feed the model a corrupted history or restore a wrong budget.
export const SessionRecordSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  principal: z.string(),
  label: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  status: z.enum(['active', 'ended']),
  parent: z.string().optional(),
  depth: z.number().int().nonnegative(),
  mode: z.enum(['safe', 'guided', 'autonomous']),
  nonce: z.string(),
  tainted: z.boolean(),
  history: z.array(MessageSchema),
  budget: z.object({ spent: Micros, extra: Micros, limit: Micros.optional() }),
  sessionTokens: z.array(z.unknown()),
  llm: z.object({ provider: z.string().min(1).max(64), model: z.string().min(1).max(256) }).optional(),
  workspace: z.string().min(1).max(4096).optional(),
  turn: z
    .object({
      id: z.string(),
      step: z.number().int().nonnegative(),
      phase: z.enum(['model', 'tools']),
      calls: z.array(CallStateSchema),
    })
    .optional(),
});

/** A fresh record: empty history, nothing spent, a new untrusted-content nonce. */
export function newSessionRecord(input: {
  readonly id: SessionId;
  readonly principal: string;
  readonly label: string;
  readonly now: number;
  readonly mode: SessionRecord['mode'];
  readonly nonce: string;
  readonly parent?: SessionId;
  readonly depth?: number;
  readonly tainted?: boolean;
  readonly budgetLimit?: number;
  readonly llm?: SessionLlmSpec;
  readonly workspace?: string;
}): SessionRecord {
  return {
    version: 1,
    id: input.id,
    principal: input.principal,
    label: input.label,
    createdAt: input.now,
    updatedAt: input.now,
    status: 'active',
    ...(input.parent === undefined ? {} : { parent: input.parent }),
    depth: input.depth ?? 0,
    mode: input.mode,
    nonce: input.nonce,
    tainted: input.tainted ?? false,
    history: [],
    budget: { spent: 0, extra: 0, ...(input.budgetLimit === undefined ? {} : { limit: input.budgetLimit }) },
    sessionTokens: [],
    ...(input.llm === undefined ? {} : { llm: input.llm }),
    ...(input.workspace === undefined ? {} : { workspace: input.workspace }),
  };
}

/** A session's metadata, for listings. */
export interface SessionSummary {
  readonly id: SessionId;
  readonly label: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly status: 'active' | 'ended';
  readonly parent?: SessionId;
  readonly depth: number;
  readonly messages: number;
  /** A turn was in progress when the session was last saved (resume it to go on). */
  readonly interrupted: boolean;
  readonly spentMicros: number;
  /** The provider and model it asked for (absent: the daemon's). */
  readonly llm?: SessionLlmSpec;
  /** The workspace it works in (absent for records from before it was stored: the default). */
  readonly workspace?: string;
}

/** The `sessions` store: one record per session, written with `sync` after every step. */
export class SessionStore {
  private readonly store: Store<SessionRecord>;

  constructor(db: Database) {
    this.store = db.store<SessionRecord>('sessions');
  }

  /** Writes the record durably; any failure is STORAGE_FAILURE naming the session. */
  async save(record: SessionRecord): Promise<void> {
    try {
      await this.store.put(record.id, record, { sync: true });
    } catch (err) {
      throw new AstridError(
        'STORAGE_FAILURE',
        `could not save session ${record.id}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /** The validated record, or SESSION_NOT_FOUND. */
  async load(id: SessionId): Promise<SessionRecord> {
    const raw = await this.store.get(id);
    if (raw === undefined) throw new AstridError('SESSION_NOT_FOUND', `no session ${id}`);
    const parsed = SessionRecordSchema.safeParse(raw);
    if (!parsed.success) {
      throw new AstridError('STORAGE_FAILURE', `the record of session ${id} is damaged`, {
        cause: parsed.error,
      });
    }
    return parsed.data as unknown as SessionRecord;
  }

  /** Every session's summary, oldest id first (damaged records are skipped). */
  async list(): Promise<SessionSummary[]> {
    const out: SessionSummary[] = [];
    for await (const [, raw] of this.store.entries()) {
      const parsed = SessionRecordSchema.safeParse(raw);
      if (!parsed.success) continue;
      out.push(summarize(parsed.data as unknown as SessionRecord));
    }
    return out;
  }
}

/** A record's metadata, as listings show it. */
export function summarize(r: SessionRecord): SessionSummary {
  return {
    id: r.id,
    label: r.label,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    status: r.status,
    ...(r.parent === undefined ? {} : { parent: r.parent }),
    depth: r.depth,
    messages: r.history.length,
    interrupted: r.turn !== undefined,
    spentMicros: r.budget.spent,
    ...(r.llm === undefined ? {} : { llm: r.llm }),
    ...(r.workspace === undefined ? {} : { workspace: r.workspace }),
  };
}
