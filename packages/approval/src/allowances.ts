import { type PrincipalId, resourceUri, type SensitiveAction, type SessionId } from '@astrid/core';
import { canonicalJson, randomId } from '@astrid/crypto';
import type { Database, Store } from '@astrid/storage';

/** "Allow Session": this principal may repeat this exact resource in this session without asking. */
export interface SessionAllowance {
  readonly id: string;
  readonly session: SessionId;
  readonly principal: PrincipalId;
  readonly kind: SensitiveAction['kind'];
  /** The exact resource: the resource URI, or for a command its exact argv. */
  readonly resource: string;
  readonly approvalId: string;
  readonly createdAt: number;
}

/**
 * The resource an allowance is bound to. A command is bound to its exact argv, never to its
 * binary: allowing `git status` must not allow `git push`.
 */
export function allowanceResource(action: SensitiveAction): string {
  return action.kind === 'execute_command' ? `argv:${canonicalJson(action.argv)}` : resourceUri(action);
}

/**
 * Session allowances, kept only in the daemon's database (never in a file the agent could
 * write) and mirrored in memory so a lookup is synchronous.
 */
export class AllowanceStore {
  private readonly store: Store<SessionAllowance>;
  private readonly bySession = new Map<SessionId, SessionAllowance[]>();

  private constructor(private readonly db: Database) {
    this.store = db.store<SessionAllowance>('allowances');
  }

  /** Opens the store and loads every allowance. */
  static async open(db: Database): Promise<AllowanceStore> {
    const s = new AllowanceStore(db);
    for await (const [, a] of s.store.entries()) s.list(a.session).push(a);
    return s;
  }

  /** Records an allowance durably. */
  async grant(
    input: Omit<SessionAllowance, 'id' | 'resource' | 'kind'> & { action: SensitiveAction },
  ): Promise<SessionAllowance> {
    const allowance: SessionAllowance = {
      id: randomId('alw'),
      session: input.session,
      principal: input.principal,
      kind: input.action.kind,
      resource: allowanceResource(input.action),
      approvalId: input.approvalId,
      createdAt: input.createdAt,
    };
    await this.store.put(`${allowance.session}/${allowance.id}`, allowance, { sync: true });
    this.list(allowance.session).push(allowance);
    return allowance;
  }

  /** The allowance covering exactly this action for this principal in this session, if any. */
  find(action: SensitiveAction, principal: PrincipalId, session: SessionId): SessionAllowance | undefined {
    const resource = allowanceResource(action);
    return this.bySession
      .get(session)
      ?.find((a) => a.principal === principal && a.kind === action.kind && a.resource === resource);
  }

  /** Every allowance of a session. */
  forSession(session: SessionId): readonly SessionAllowance[] {
    return this.bySession.get(session) ?? [];
  }

  /** Removes a session's allowances (the session ended). */
  async dropSession(session: SessionId): Promise<void> {
    const list = this.bySession.get(session) ?? [];
    await this.db.batch(
      list.map((a) => this.store.delOp(`${a.session}/${a.id}`)),
      { sync: true },
    );
    this.bySession.delete(session);
  }

  /** Removes every session's allowances (the kill switch); returns how many there were. */
  async dropAll(): Promise<number> {
    const all = [...this.bySession.values()].flat();
    if (all.length > 0) {
      await this.db.batch(
        all.map((a) => this.store.delOp(`${a.session}/${a.id}`)),
        { sync: true },
      );
    }
    this.bySession.clear();
    return all.length;
  }

  private list(session: SessionId): SessionAllowance[] {
    let l = this.bySession.get(session);
    if (l === undefined) {
      l = [];
      this.bySession.set(session, l);
    }
    return l;
  }
}
