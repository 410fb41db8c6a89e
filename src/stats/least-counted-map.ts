interface Slot<V> {
  value: V;
  count: number;
  lastSeen: number;
}

/**
 * A map of at most `capacity` entries that keeps the most frequent keys: when a new key arrives at
 * capacity, the entry with the lowest count is evicted (the least recently seen among equals). Frequent
 * keys survive a stream of one-off keys, which only displace each other.
 */
export class LeastCountedMap<V> {
  private readonly slots = new Map<string, Slot<V>>();
  private clock = 0;

  constructor(private readonly capacity: number) {}

  /**
   * Counts `times` occurrences of `key` (one by default; more when adding another map's counts),
   * creating its value with `create` when new, and returns the value.
   */
  touch(key: string, create: () => V, times = 1): V {
    this.clock += 1;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.slots.size >= this.capacity) this.evictOne();
      slot = { value: create(), count: 0, lastSeen: 0 };
      this.slots.set(key, slot);
    }
    slot.count += times;
    slot.lastSeen = this.clock;
    return slot.value;
  }

  get size(): number {
    return this.slots.size;
  }

  values(): V[] {
    return [...this.slots.values()].map((slot) => slot.value);
  }

  private evictOne(): void {
    let victimKey: string | undefined;
    let victim: Slot<V> | undefined;
    for (const [key, slot] of this.slots) {
      if (victim === undefined || slot.count < victim.count || (slot.count === victim.count && slot.lastSeen < victim.lastSeen)) {
        victimKey = key;
        victim = slot;
      }
    }
    if (victimKey !== undefined) this.slots.delete(victimKey);
  }
}
