import { type Key, useInput } from 'ink';
import { type RefObject, useEffect, useRef } from 'react';

/** A component's key handler. */
export type KeyHandler = (input: string, key: Key) => void;

/** Where the app routes keys to the open card or form (one handler at a time). */
export type KeyTarget = RefObject<KeyHandler | undefined>;

/**
 * Takes the keys: through the app's router when `target` is given (so one key press is
 * handled once, by whatever is in front), else with its own `useInput` (a component
 * rendered alone, as in its tests).
 */
export function useKeys(handler: KeyHandler, active: boolean, target?: KeyTarget): void {
  const mine = useRef(handler);
  mine.current = handler;
  if (target !== undefined && active) target.current = handler;
  useEffect(() => {
    if (target === undefined) return;
    return () => {
      // The next card registered itself while rendering, before this one's cleanup runs:
      // clear the router only if it still points here.
      if (target.current === mine.current) target.current = undefined;
    };
  }, [target]);
  useInput(handler, { isActive: active && target === undefined });
}
