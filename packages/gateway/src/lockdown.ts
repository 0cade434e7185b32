import type { LockdownState } from '@astrid/core';
import type { Database, Store } from '@astrid/storage';

const STORE = 'gateway-state';
const KEY = 'lockdown';

/**
 * The kill switch's state: whether it is engaged, and the epoch every lockdown bumps. It is
 * written with `sync` before the lockdown is acknowledged, and read at start, so a daemon
 * restarted during a lockdown comes back locked. `active` is checked synchronously at every
 * gate (RPC, provider, approvals), so the switch takes effect before any await.
 */
export class LockdownSwitch {
  private state: LockdownState;

  private constructor(
    private readonly store: Store<LockdownState>,
    initial: LockdownState,
  ) {
    this.state = initial;
  }

  /** Loads the persisted state (unlocked, epoch 0, when there is none). */
  static async open(db: Database): Promise<LockdownSwitch> {
    const store = db.store<LockdownState>(STORE);
    const stored = await store.get(KEY);
    return new LockdownSwitch(store, stored ?? { active: false, epoch: 0 });
  }

  /** True while locked down. */
  get active(): boolean {
    return this.state.active;
  }

  /** The current state. */
  get current(): LockdownState {
    return this.state;
  }

  /** Engages the switch (in memory at once, then durably) and bumps the epoch. */
  async engage(at: number, by: string, reason: string | undefined): Promise<LockdownState> {
    const next: LockdownState = {
      active: true,
      epoch: this.state.epoch + 1,
      since: at,
      by,
      ...(reason === undefined ? {} : { reason }),
    };
    this.state = next;
    await this.store.put(KEY, next, { sync: true });
    return next;
  }

  /** Releases the switch; the epoch stays (old Authorizations stay void). */
  async release(): Promise<LockdownState> {
    const next: LockdownState = { active: false, epoch: this.state.epoch };
    await this.store.put(KEY, next, { sync: true });
    this.state = next;
    return next;
  }
}
