/**
 * Which actor ids are free: ids never handed out (from `nextFresh` up) and ids given back,
 * lowest first, so ids stay dense and a pool that connects and disconnects keeps reusing the
 * same few. O(log n) to take, O(n) memmove to give back (rare), instead of scanning from 0.
 */
export class IdPool {
  /** Given back, sorted from highest to lowest (pop() is the lowest). */
  private readonly returned: number[] = [];
  private nextFresh = 0;

  constructor(
    /** Highest id there is. */
    private readonly idMax: number,
    /** Taken by someone who chose it (spawn with an explicit id): skipped. */
    private readonly isTaken: (id: number) => boolean,
  ) {}

  /** The lowest free id, or undefined if all are taken. */
  take(): number | undefined {
    while (this.returned.length > 0) {
      const id = this.returned.pop()!;
      if (!this.isTaken(id)) return id;
    }
    while (this.nextFresh <= this.idMax && this.isTaken(this.nextFresh)) this.nextFresh++;
    return this.nextFresh <= this.idMax ? this.nextFresh++ : undefined;
  }

  /** `id` is free again. */
  giveBack(id: number): void {
    const returned = this.returned;
    let low = 0;
    let high = returned.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (returned[middle]! > id) low = middle + 1;
      else high = middle;
    }
    if (returned[low] !== id) returned.splice(low, 0, id);
  }
}
