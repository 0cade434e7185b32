/** A module loaded on first use (an SDK the configured provider may never need). */
export interface LazyModule<T> {
  /** Loads it once; later calls share the same promise. */
  load(): Promise<T>;
  /** The module once loaded, for synchronous `instanceof` checks on its error classes. */
  readonly loaded: T | undefined;
}

/** Wraps a dynamic `import()` so it runs at the first `load()`, not at import time. */
export function lazyModule<T>(importer: () => Promise<T>): LazyModule<T> {
  let promise: Promise<T> | undefined;
  let value: T | undefined;
  return {
    load() {
      promise ??= importer().then((m) => {
        value = m;
        return m;
      });
      return promise;
    },
    get loaded() {
      return value;
    },
  };
}
