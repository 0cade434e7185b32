import { AstridError, type SensitiveAction, type SessionId } from '@astrid/core';
import { actionHash, constantTimeEqual } from '@astrid/crypto';

/** The kill-switch epoch: a lockdown bumps it, and every Authorization from before is void. */
export interface EpochSource {
  current(): number;
}

// Only code holding this symbol can construct an Authorization. It is not exported from the
// package (the exports map hides this module), so a tool, capsule or plugin cannot forge one.
const ISSUE = Symbol('astrid.authorization.issue');
// Authorizations actually issued; a structured clone or Object.create copy is not in here.
const issued = new WeakSet<Authorization>();

/** Proof, produced only by the SecurityInterceptor, that one exact action may run once. */
export class Authorization {
  readonly #actionHash: string;
  readonly #session: SessionId;
  readonly #epoch: number;
  readonly #decisionEntry: string;
  #consumed = false;

  /** @internal Use the interceptor; any other caller gets an error. */
  constructor(key: symbol, hash: string, session: SessionId, epoch: number, decisionEntry: string) {
    if (key !== ISSUE)
      throw new AstridError(
        'AUTHORIZATION_INVALID',
        'an Authorization can only be issued by the SecurityInterceptor',
      );
    this.#actionHash = hash;
    this.#session = session;
    this.#epoch = epoch;
    this.#decisionEntry = decisionEntry;
    issued.add(this);
    Object.freeze(this);
  }

  /** The hash of the action this authorizes. */
  get actionHash(): string {
    return this.#actionHash;
  }

  /** The session it was issued for. */
  get session(): SessionId {
    return this.#session;
  }

  /** The kill-switch epoch it was issued in. */
  get epoch(): number {
    return this.#epoch;
  }

  /** The audit entry of the decision that produced it; the result entry links to it. */
  get decisionEntry(): string {
    return this.#decisionEntry;
  }

  /** True once used. */
  get consumed(): boolean {
    return this.#consumed;
  }

  /** @internal Marks this used, if it is genuine, unused, current and for exactly `action`. */
  consume(action: SensitiveAction, epochs: EpochSource): void {
    if (!issued.has(this))
      throw new AstridError('AUTHORIZATION_INVALID', 'not an Authorization issued by the interceptor');
    if (this.#consumed) throw new AstridError('AUTHORIZATION_INVALID', 'this Authorization was already used');
    // Re-hash what is about to run: a changed path, argv or body is a different action.
    if (!constantTimeEqual(actionHash(action), this.#actionHash)) {
      throw new AstridError('AUTHORIZATION_INVALID', 'the action differs from the one that was authorized');
    }
    if (epochs.current() !== this.#epoch) {
      throw new AstridError('AUTHORIZATION_INVALID', 'a lockdown happened after this was authorized');
    }
    this.#consumed = true;
  }
}

/**
 * Checks that `auth` is a genuine Authorization for exactly `action` and marks it used.
 * Throws AUTHORIZATION_INVALID otherwise (missing, cloned, consumed, other action, old epoch).
 */
export function consumeAuthorization(
  auth: unknown,
  action: SensitiveAction,
  epochs: EpochSource,
): Authorization {
  if (!(auth instanceof Authorization) || !issued.has(auth)) {
    throw new AstridError('AUTHORIZATION_INVALID', 'no valid Authorization was presented');
  }
  auth.consume(action, epochs);
  return auth;
}

/**
 * @internal For the interceptor only (not re-exported from the package index). `hash` is
 * `actionHash(action)` when the caller already computed it from this same parsed action.
 */
export function issueAuthorization(
  action: SensitiveAction,
  session: SessionId,
  epoch: number,
  decisionEntry: string,
  hash: string = actionHash(action),
): Authorization {
  return new Authorization(ISSUE, hash, session, epoch, decisionEntry);
}
