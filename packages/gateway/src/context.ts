import type { AstridConfig } from '@astrid/config';
import type { ApprovalEventType, ApprovalRequest, RuntimeEvent, SessionId } from '@astrid/core';
import type { RuntimeKeyRing } from '@astrid/crypto';
import type { AgentSession, Runtime, SessionStore } from '@astrid/runtime';
import type { Logger } from 'pino';
import type { Connection } from './connection.js';
import type { SeqLog } from './event-log.js';
import type { LockdownSwitch } from './lockdown.js';

/** What the approval stream records. */
export interface ApprovalLogEntry {
  readonly type: ApprovalEventType;
  readonly sessionId: string;
  readonly request: ApprovalRequest;
}

/** The stream id of the daemon-wide approval event log. */
export const APPROVAL_STREAM = 'approvals';

/** Everything the method handlers share: one per daemon run. */
export interface GatewayContext {
  readonly runtime: Runtime;
  readonly keys: RuntimeKeyRing;
  readonly config: AstridConfig;
  readonly home: string;
  readonly workspace: string;
  readonly version: string;
  /** Random per daemon start: notifications carry it, so clients see restarts. */
  readonly epoch: string;
  readonly startedAt: number;
  readonly now: () => number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly adminConfigPath: string | undefined;
  /** The resolved config of another workspace (the runtime's `workspaceConfig`), if any. */
  readonly workspaceConfig?: (root: string) => Promise<AstridConfig>;
  readonly sessionLog: SeqLog<RuntimeEvent>;
  readonly approvalLog: SeqLog<ApprovalLogEntry>;
  readonly sessionStore: SessionStore;
  readonly lockdown: LockdownSwitch;
  readonly connections: ReadonlySet<Connection>;
  readonly logger: Logger;
  /** The live session, loading (resuming) a stored one. */
  liveSession(id: SessionId): Promise<AgentSession>;
  /** Resumes the turns a crash or restart interrupted (not while locked down). */
  resumeInterrupted(): Promise<void>;
  /** Tells every connection about a lockdown, an unlock or a shutdown. */
  broadcastDaemonEvent(type: 'lockdown' | 'unlock' | 'shutdown'): void;
  /** Asks the owner (astridd) to stop the daemon. */
  requestShutdown(): void;
}
