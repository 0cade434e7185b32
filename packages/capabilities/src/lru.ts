/**
 * A bounded map that forgets the least recently used entry when full. A JS Map iterates in
 * insertion order, so re-inserting on a hit keeps the oldest entry first.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`"capacity" expected a non-negative integer, got ${capacity}`);
    }
  }

  /** The value for `key`, marking it most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  /** Stores `value`, evicting the least recently used entry when over capacity. */
  set(key: K, value: V): void {
    if (this.capacity === 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
  }

  /** Forgets every entry. */
  clear(): void {
    this.map.clear();
  }

  /** How many entries are held. */
  get size(): number {
    return this.map.size;
  }
}
