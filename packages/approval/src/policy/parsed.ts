import type { SensitiveAction } from '@astrid/core';

// The interceptor's freshly parsed action (`parseAction` returns a copy no other code has
// seen), marked right before it is handed to the policy stage, which takes the mark in the
// same synchronous step and so need not parse the object a second time. The mark is taken
// (removed) on first use, so a later call with the same object, which might have been
// changed meanwhile, is parsed again. A WeakSet of identities: nothing outside this package
// can add to it.
const parsed = new WeakSet<SensitiveAction>();

/** Marks `action` as the interceptor's parsed copy, for one policy evaluation. @internal */
export function markParsed(action: SensitiveAction): SensitiveAction {
  parsed.add(action);
  return action;
}

/** True (once) when `action` was marked by {@link markParsed}; the mark is removed. @internal */
export function takeParsedMark(action: SensitiveAction): boolean {
  return parsed.delete(action);
}
