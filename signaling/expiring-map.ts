/**
 * A bounded map whose entries live a fixed time: the tombstones of closed rooms (by nameplate
 * and by sid). Every entry gets the same TTL, so insertion order is expiry order: a sweep only
 * looks at what has expired, and eviction at the cap drops the oldest first.
 */
export class ExpiringMap<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();

  /**
   * @param ttlMs lifetime of an entry; 0 keeps nothing
   * @param max most entries kept; 0 keeps nothing
   * @param onDelete called for every entry that goes (expired, evicted or deleted)
   */
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly onDelete: (key: K) => void = () => {},
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Stores `value` (the oldest entries go first at the cap). False when nothing is kept (TTL or cap 0). */
  set(key: K, value: V, now: number): boolean {
    if (this.max <= 0 || this.ttlMs <= 0) return false;
    this.delete(key); // re-inserted at the end: keeps insertion order = expiry order
    while (this.#entries.size >= this.max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: now + this.ttlMs });
    return true;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  delete(key: K): void {
    if (this.#entries.delete(key)) this.onDelete(key);
  }

  /** Forgets the entries whose time has come. */
  sweep(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.delete(key);
    }
  }
}
