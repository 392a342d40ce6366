// A map keyed by non-negative safe integers (client ids) whose lookups never allocate.
//
// Why not a Map: a number key outside V8's small-integer range (2^31) is boxed into a fresh
// HeapNumber on every get or set, and a client id of a worker thread's connection is above 2^32
// (generation, endpoint and session packed, wire.ts). At one lookup per command per role that
// boxing was most of what a learner and a leader allocated with worker-thread clients: 10 million
// Map.get calls on such keys make 80-160 minor GCs here, none on small keys.
//
// How: a key is split into its low 16 bits (a client's session) and the rest (its connection).
// Each connection's values sit in an array indexed by the low part, found through a Map of
// connections whose last answer is cached: a slot's commands come in runs per connection, so the
// Map (and its one boxing of the high part) is asked about once per run, not once per command.

const LOW_BITS = 16;
const LOW_SPAN = 1 << LOW_BITS;

/** The values whose keys share one high part, by low part. */
interface Group<V> {
  readonly values: (V | undefined)[];
  /** Values set in `values`: an emptied group is dropped, so keys that come and go leave nothing. */
  count: number;
}

export class SafeIntegerMap<V> {
  private readonly groups = new Map<number, Group<V>>();
  /** The group asked for last, and its high part (-1: none). */
  private lastHigh = -1;
  private lastGroup: Group<V> | undefined = undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: number): V | undefined {
    const low = key % LOW_SPAN;
    const group = this.groupOf((key - low) / LOW_SPAN);
    return group === undefined ? undefined : group.values[low];
  }

  /** Sets the value of `key`, a non-negative safe integer (a RangeError otherwise). `undefined` is not a value: delete the key. */
  set(key: number, value: V): void {
    if (!Number.isSafeInteger(key) || key < 0) throw new RangeError(`SafeIntegerMap: a key must be a non-negative safe integer, got ${String(key)}`);
    if (value === undefined) throw new TypeError('SafeIntegerMap: undefined is not a value; delete the key instead');
    const low = key % LOW_SPAN;
    const high = (key - low) / LOW_SPAN;
    let group = this.groupOf(high);
    if (group === undefined) {
      group = { values: [], count: 0 };
      this.groups.set(high, group);
      this.lastHigh = high;
      this.lastGroup = group;
    }
    if (group.values[low] === undefined) {
      group.count++;
      this.count++;
    }
    group.values[low] = value;
  }

  delete(key: number): boolean {
    const low = key % LOW_SPAN;
    const high = (key - low) / LOW_SPAN;
    const group = this.groupOf(high);
    if (group === undefined || group.values[low] === undefined) return false;
    group.values[low] = undefined;
    group.count--;
    this.count--;
    if (group.count === 0) {
      this.groups.delete(high);
      this.lastHigh = -1;
      this.lastGroup = undefined;
    }
    return true;
  }

  clear(): void {
    this.groups.clear();
    this.lastHigh = -1;
    this.lastGroup = undefined;
    this.count = 0;
  }

  /** Every entry, by the first use of the key's high part, then by key (for cold paths: a snapshot, a trim). */
  *entries(): IterableIterator<[number, V]> {
    for (const [high, group] of this.groups) {
      const values = group.values;
      for (let low = 0; low < values.length; low++) {
        const value = values[low];
        if (value !== undefined) yield [high * LOW_SPAN + low, value];
      }
    }
  }

  [Symbol.iterator](): IterableIterator<[number, V]> {
    return this.entries();
  }

  private groupOf(high: number): Group<V> | undefined {
    if (high === this.lastHigh) return this.lastGroup;
    const group = this.groups.get(high);
    if (group !== undefined) {
      this.lastHigh = high;
      this.lastGroup = group;
    }
    return group;
  }
}
