/**
 * The timers of the actors on one worker thread. A handful per actor (heartbeat, election),
 * so a flat map and a cached earliest deadline beat a heap: the loop asks `nextDueMs` on every
 * turn, and that is one field read.
 */
export class TimerSet<Owner> {
  private readonly dueMs = new Map<string, { owner: Owner; key: string; dueMs: number }>();
  /** Earliest deadline, or +Infinity with no timer armed. */
  nextDueMs = Number.POSITIVE_INFINITY;

  set(owner: Owner, ownerKey: string | number, key: string, dueMs: number): void {
    this.dueMs.set(`${ownerKey}\u0000${key}`, { owner, key, dueMs });
    if (dueMs < this.nextDueMs) this.nextDueMs = dueMs;
  }

  cancel(ownerKey: string | number, key: string): void {
    this.dueMs.delete(`${ownerKey}\u0000${key}`);
    // nextDueMs may now be early: harmless, fireDue() recomputes it.
  }

  cancelAll(ownerKey: string | number): void {
    const prefix = `${ownerKey}\u0000`;
    for (const mapKey of this.dueMs.keys()) if (mapKey.startsWith(prefix)) this.dueMs.delete(mapKey);
  }

  /** Removes and hands over every timer due at `nowMs`, earliest first. */
  fireDue(nowMs: number, fire: (owner: Owner, key: string) => void): void {
    if (nowMs < this.nextDueMs) return;
    const due: Array<{ owner: Owner; key: string; dueMs: number }> = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [mapKey, timer] of this.dueMs) {
      if (timer.dueMs <= nowMs) {
        due.push(timer);
        this.dueMs.delete(mapKey);
      } else if (timer.dueMs < next) next = timer.dueMs;
    }
    this.nextDueMs = next;
    due.sort((a, b) => a.dueMs - b.dueMs);
    for (const timer of due) fire(timer.owner, timer.key);
  }
}
