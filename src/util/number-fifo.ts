// A first-in first-out queue of numbers in a ring that only grows: push() and shift() allocate
// nothing once it has room. An array used as a queue did: shift() moves every element (or V8
// gives the array a new backing store), and taking from a head index with a slice() of the rest
// now and then allocated the rest each time (an append core's free sessions, tens of bytes an
// append on the caller's thread).

const CAPACITY_INITIAL = 16;

export class NumberFifo {
  /** A power of two long, so a position wraps with a mask. */
  private slots: number[] = new Array<number>(CAPACITY_INITIAL).fill(0);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) & (this.slots.length - 1)] = value;
    this.count++;
  }

  /** The oldest value, removed; undefined when empty. */
  shift(): number | undefined {
    if (this.count === 0) return undefined;
    const value = this.slots[this.head]!;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.count--;
    return value;
  }

  private grow(): void {
    const mask = this.slots.length - 1;
    const bigger = new Array<number>(this.slots.length * 2).fill(0);
    for (let i = 0; i < this.count; i++) bigger[i] = this.slots[(this.head + i) & mask]!;
    this.slots = bigger;
    this.head = 0;
  }
}
