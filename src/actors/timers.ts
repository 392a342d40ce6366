/**
 * The timers of the actors on one worker thread. A handful per actor (heartbeat, election), so a
 * flat array and a cached earliest deadline beat a heap: the loop asks `nextDueMs` on every turn,
 * and that is one field read.
 *
 * Nothing is allocated once each timer has been set the first time: a timer is one entry, re-armed
 * and disarmed in place, and fireDue() collects into a list it reuses. The map keyed by a string
 * made per set, the iterator and the array fireDue() made were a fifth of an acceptor's garbage
 * (V8's sampling heap profiler, 16-byte entries at 256 in flight), and an acceptor's minor GCs per
 * million commands are one of issue 20's targets.
 */
export class TimerSet<Owner> {
  /** Every timer ever set and not cancelled with its owner; dueMs is +Infinity while disarmed. */
  private readonly timers: Array<TimerEntry<Owner>> = [];
  /**
   * fireDue()'s collection of what is due, emptied (slot by slot) before it returns: not by
   * `length = 0`, which makes V8 drop the backing store (see ReusedList).
   */
  private readonly due: Array<TimerEntry<Owner> | undefined> = [];
  /** Earliest deadline, or +Infinity with no timer armed. */
  nextDueMs = Number.POSITIVE_INFINITY;

  set(owner: Owner, ownerKey: string | number, key: string, dueMs: number): void {
    const entry = this.find(ownerKey, key);
    if (entry === undefined) {
      // Disarmed entries wait to be re-armed; an actor that makes up keys would pile them up.
      if (this.timers.length >= SWEEP_DISARMED_FROM_TIMERS) this.keepOnly((armed) => armed.dueMs !== Number.POSITIVE_INFINITY);
      this.timers.push({ owner, ownerKey, key, dueMs });
    } else {
      entry.owner = owner;
      entry.dueMs = dueMs;
    }
    if (dueMs < this.nextDueMs) this.nextDueMs = dueMs;
  }

  cancel(ownerKey: string | number, key: string): void {
    const entry = this.find(ownerKey, key);
    // nextDueMs may now be early: harmless, fireDue() recomputes it.
    if (entry !== undefined) entry.dueMs = Number.POSITIVE_INFINITY;
  }

  /** Forgets every timer of `ownerKey` (its actor stopped): their entries go. */
  cancelAll(ownerKey: string | number): void {
    this.keepOnly((entry) => entry.ownerKey !== ownerKey);
  }

  /** Disarms and hands over every timer due at `nowMs`, earliest first (set() may re-arm it meanwhile). */
  fireDue(nowMs: number, fire: (owner: Owner, key: string) => void): void {
    if (nowMs < this.nextDueMs) return;
    const timers = this.timers;
    const due = this.due;
    let dueCount = 0;
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < timers.length; i++) {
      const entry = timers[i]!;
      if (entry.dueMs <= nowMs) dueCount = insertByDueMs(due, dueCount, entry);
      else if (entry.dueMs < next) next = entry.dueMs;
    }
    this.nextDueMs = next;
    // Disarmed before any fires: firing one may re-arm it, or another, for later.
    for (let i = 0; i < dueCount; i++) due[i]!.dueMs = Number.POSITIVE_INFINITY;
    try {
      for (let i = 0; i < dueCount; i++) {
        const entry = due[i]!;
        fire(entry.owner, entry.key);
      }
    } finally {
      for (let i = 0; i < dueCount; i++) due[i] = undefined;
    }
  }

  /** Drops the entries `keep` refuses, in place (a stopped actor's, or disarmed ones: both rare). */
  private keepOnly(keep: (entry: TimerEntry<Owner>) => boolean): void {
    const timers = this.timers;
    let kept = 0;
    for (let i = 0; i < timers.length; i++) {
      const entry = timers[i]!;
      if (keep(entry)) timers[kept++] = entry;
    }
    timers.length = kept;
  }

  private find(ownerKey: string | number, key: string): TimerEntry<Owner> | undefined {
    const timers = this.timers;
    for (let i = 0; i < timers.length; i++) {
      const entry = timers[i]!;
      if (entry.ownerKey === ownerKey && entry.key === key) return entry;
    }
    return undefined;
  }
}

/** Timers a thread holds before a new key sweeps out the disarmed ones (the log's actors use a few fixed keys each). */
export const SWEEP_DISARMED_FROM_TIMERS = 32;

interface TimerEntry<Owner> {
  owner: Owner;
  readonly ownerKey: string | number;
  readonly key: string;
  dueMs: number;
}

/**
 * Inserts `entry` into due[0, count), kept in order of dueMs (ties in the order found), and
 * returns the new count: a handful, so by insertion.
 */
function insertByDueMs<Owner>(due: Array<TimerEntry<Owner> | undefined>, count: number, entry: TimerEntry<Owner>): number {
  let at = count;
  while (at > 0 && due[at - 1]!.dueMs > entry.dueMs) {
    due[at] = due[at - 1];
    at--;
  }
  due[at] = entry;
  return count + 1;
}
