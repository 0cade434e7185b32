import type { RuntimeEvent, RuntimeListener } from '@astrid/core';

// The event types are shared with every frontend, so they live in core.
export type { AgentRef, BudgetSnapshot, RuntimeEvent, RuntimeListener, TurnStatus } from '@astrid/core';

/** Fan-out of runtime events; one listener failing never stops the others. */
export class EventHub {
  private readonly listeners = new Set<RuntimeListener>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: RuntimeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Delivers `event` to every listener. */
  emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A frontend's failure must not break the turn or the other frontends.
      }
    }
  }
}
