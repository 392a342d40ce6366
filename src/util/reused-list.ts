// A list that is emptied and refilled many times a second (a turn's outgoing messages, a slot's
// deliveries, a link's decoded batch) without allocating after it has grown once.
//
// Why not an array with `length = 0`: V8 drops an array's backing store when its length is set to
// 0 (and trims it when set below half its capacity), so every refill grew a new one from nothing:
// at 256 deliveries a slot that regrowth was 55% of the bytes a learner allocated, and a loop of
// 256 pushes and `length = 0` makes about 6 minor GCs per 1,000 refills where this list makes
// none (test/util/reused-list.test.ts shows both).

/** Capacity a cleared list keeps at most: a catch-up's burst is not held forever. */
export const REUSED_LIST_RETAIN_MAX = 4096;

export class ReusedList<T> implements Iterable<T> {
  /** items[0, count) are the list; items[count, items.length) are undefined (kept capacity). */
  private items: (T | undefined)[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    this.items[this.count++] = item;
  }

  /** The item at `index`, which must be in [0, length). */
  get(index: number): T {
    if (!(index >= 0 && index < this.count)) throw new RangeError(`index ${index} is outside the list [0, ${this.count})`);
    return this.items[index] as T;
  }

  /**
   * Empties the list, keeping its capacity; the references go, so a cleared list pins nothing.
   * A list grown past REUSED_LIST_RETAIN_MAX starts again from nothing.
   */
  clear(): void {
    if (this.items.length > REUSED_LIST_RETAIN_MAX) {
      this.items = [];
    } else {
      const items = this.items;
      for (let i = 0; i < this.count; i++) items[i] = undefined;
    }
    this.count = 0;
  }

  /** Drops the first `dropped` items, keeping the rest in order. */
  dropFirst(dropped: number): void {
    if (dropped <= 0) return;
    if (dropped >= this.count) {
      this.clear();
      return;
    }
    const items = this.items;
    const kept = this.count - dropped;
    for (let i = 0; i < kept; i++) items[i] = items[i + dropped];
    for (let i = kept; i < this.count; i++) items[i] = undefined;
    this.count = kept;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[i] as T;
  }

  /** A copy as a plain array (for tests and cold paths). */
  toArray(): T[] {
    return this.items.slice(0, this.count) as T[];
  }
}

/** A batch as its readers take it: a plain array (tests, cold paths) or a ReusedList (the hot path). */
export type ListLike<T> = readonly T[] | ReusedList<T>;

export function isListLike(list: unknown): list is ListLike<unknown> {
  return Array.isArray(list) || list instanceof ReusedList;
}

/** list[index] of either kind; `index` must be in [0, list.length). */
export function itemAt<T>(list: ListLike<T>, index: number): T {
  return list instanceof ReusedList ? list.get(index) : (list as readonly T[])[index]!;
}
