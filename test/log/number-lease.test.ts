// The sequencer's shared window of reserved numbers (src/log/number-lease.ts), driven by hand:
// what a take hands out, when refills are asked for and how large, single-flight refills and
// their takeover, a range that does not continue the window, and close.
import { describe, expect, it } from 'vitest';
import { LEASE_CLOSED, LEASE_NUMBERS_MAX, LEASE_SHORT, NumberLease } from '../../src/log/number-lease.js';

function lease(offset = 0): NumberLease {
  return new NumberLease(NumberLease.create(offset));
}

/** The clock refills publish at: a second apart unless a test says otherwise. */
let clockMs = 0;

/**
 * Refills `window` with the range of `count` indexes from `firstIndex`, as a refill thread would,
 * `afterMs` after the previous refill.
 */
function refill(window: NumberLease, firstIndex: number, count: number, afterMs = 1000): void {
  const ticket = window.beginRefill();
  expect(ticket).not.toBe(0);
  clockMs += afterMs;
  expect(window.publish(ticket, firstIndex, count, clockMs)).toBe(true);
}

describe('NumberLease', () => {
  it('hands out nothing before a refill, then the reserved range in take order, and nothing past it', () => {
    const window = lease();
    expect(window.tryTake(1)).toBe(LEASE_SHORT);
    expect(window.low).toBe(true);
    refill(window, 0, 10);
    expect(window.tryTake(3)).toBe(0);
    expect(window.tryTake(1)).toBe(3);
    expect(window.tryTake(7)).toBe(LEASE_SHORT); // 6 left: a take is whole or nothing
    expect(window.tryTake(6)).toBe(4);
    expect(window.tryTake(1)).toBe(LEASE_SHORT);
    refill(window, 10, 5); // contiguous: the window grows at its end
    expect(window.tryTake(5)).toBe(10);
  });

  it('numbers are log indexes minus the offset a clean close recorded', () => {
    const window = lease(1000);
    refill(window, 1500, 4);
    expect(window.tryTake(1)).toBe(500);
    expect(window.position()).toEqual({ next: 501, endIndex: 1504 });
  });

  it('lets one refill out at a time, and drops the range of one that was taken over', () => {
    const window = lease();
    const first = window.beginRefill();
    expect(first).not.toBe(0);
    expect(window.beginRefill()).toBe(0);
    expect(window.takeOverRefill(first + 12345)).toBe(0); // not the refill out
    const second = window.takeOverRefill(first);
    expect(second).not.toBe(0);
    expect(window.publish(first, 0, 100)).toBe(false); // the stale refill's range is skipped
    expect(window.tryTake(1)).toBe(LEASE_SHORT);
    expect(window.publish(second, 100, 10)).toBe(true);
    expect(window.tryTake(1)).toBe(100);
    expect(window.refillTicket).toBe(0);
  });

  it('jumps over a range it never saw, and refuses one starting inside the window', () => {
    const window = lease();
    refill(window, 0, 10);
    expect(window.tryTake(4)).toBe(0);
    refill(window, 50, 10); // indexes 10..49 were reserved around it (a refill given up on)
    expect(window.tryTake(1)).toBe(50);
    const ticket = window.beginRefill();
    expect(() => window.publish(ticket, 55, 1)).toThrow(/inside the window/);
  });

  it('sizes refills by demand: doubling while callers run short, halving per refill while nothing is taken', () => {
    const window = lease();
    let index = 0;
    const starveAndRefill = (): number => {
      expect(window.tryTake(1)).toBe(LEASE_SHORT);
      const count = window.refillCount();
      refill(window, index, count);
      index += count;
      while (window.tryTake(1) >= 0);
      return count;
    };
    const sizes = Array.from({ length: 24 }, starveAndRefill);
    expect(sizes.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(sizes.at(-1)).toBe(LEASE_NUMBERS_MAX); // and no further
    // The last take above ran short, so this refill doubles nothing past the bound; the next
    // ones, landing with nothing taken since, halve the target each (not to the least at once:
    // one refill in a lull must not collapse the window of a busy sequencer).
    refill(window, index, 10);
    refill(window, index + 10, 10);
    expect(window.refillCount()).toBe(LEASE_NUMBERS_MAX / 2);
    refill(window, index + 20, 10);
    expect(window.refillCount()).toBe(LEASE_NUMBERS_MAX / 4);
    for (let i = 0; i < 30; i++) refill(window, index + 30 + 10 * i, 10);
    expect(window.refillCount()).toBe(1);
    // A caller waiting for more than the target gets a refill that large.
    expect(window.tryTake(5000)).toBe(LEASE_SHORT);
    expect(window.refillCount()).toBe(5000);
  });

  it('sizes refills to last a tenth of a second at the rate taken, judged over at least 50 ms', () => {
    const window = lease();
    let index = 0;
    const refillAndTake = (taken: number, afterMs: number): number => {
      const count = window.refillCount();
      refill(window, index, count, afterMs);
      index += count;
      for (let i = 0; i < taken; i++) expect(window.tryTake(1)).toBeGreaterThanOrEqual(0);
      return count;
    };
    const refillAndDrain = (afterMs: number): void => {
      refillAndTake(0, afterMs);
      while (window.tryTake(1) >= 0); // and one take more, short
    };
    refillAndDrain(1000);
    for (let i = 0; i < 12; i++) refillAndDrain(1); // doubles while short...
    expect(window.refillCount()).toBe(4096); // ...and 1 ms between refills says nothing of the rate
    refillAndTake(3000, 1);
    refillAndTake(100, 50); // 3,000 numbers in 50 ms: 6,000 in a tenth of a second
    expect(window.refillCount()).toBe(6000);
    refillAndTake(0, 50); // 100 in the next 50 ms, a lull: halved, no more
    expect(window.refillCount()).toBe(3000);
  });

  it('asks for a refill once the window is down to half the next one, unless one is out', () => {
    const window = lease();
    expect(window.tryTake(1)).toBe(LEASE_SHORT);
    refill(window, 0, 1); // a caller ran short: the target doubles to 2
    expect(window.tryTake(1)).toBe(0);
    expect(window.tryTake(1)).toBe(LEASE_SHORT);
    refill(window, 1, 8); // and to 4: asked for again at 2 left
    expect(window.tryTake(1)).toBe(1);
    expect(window.low).toBe(false);
    expect(window.tryTake(2)).toBe(2);
    expect(window.tryTake(2)).toBe(4);
    expect(window.low).toBe(false); // 3 left
    expect(window.tryTake(1)).toBe(6);
    expect(window.low).toBe(true); // 2 left
    const ticket = window.beginRefill();
    expect(window.tryTake(1)).toBe(7);
    expect(window.low).toBe(false); // one is out
    window.abandonRefill(ticket);
    expect(window.refillTicket).toBe(0);
  });

  it('after close hands out nothing on any thread view, but still counts a refill that lands', () => {
    const memory = NumberLease.create(0);
    const owner = new NumberLease(memory);
    const other = new NumberLease(memory);
    refill(owner, 0, 10);
    expect(other.tryTake(2)).toBe(0);
    const ticket = other.beginRefill();
    owner.close();
    expect(other.closed).toBe(true);
    expect(owner.tryTake(1)).toBe(LEASE_CLOSED);
    expect(other.beginRefill()).toBe(0);
    expect(other.publish(ticket, 10, 20)).toBe(true);
    expect(owner.tryTake(1)).toBe(LEASE_CLOSED);
    expect(owner.position()).toEqual({ next: 2, endIndex: 30 });
  });

  it('passes a request for a refill to the thread that waits for one, and ends that wait at close', async () => {
    const memory = NumberLease.create(0);
    const owner = new NumberLease(memory);
    const other = new NumberLease(memory);
    other.requestRefill();
    other.requestRefill(); // one request until it is served
    expect(await owner.refillRequested()).toBe(true);
    const next = owner.refillRequested();
    other.requestRefill();
    expect(await next).toBe(true);
    other.requestRefill();
    owner.beginRefill(); // a refill that begins serves the requests made before it
    const last = owner.refillRequested();
    owner.close();
    expect(await last).toBe(false);
  });

  it('wakes a waiter on another change of the window', async () => {
    const window = lease();
    const generation = window.generation;
    const waited = window.changedSince(generation, 5000);
    refill(window, 0, 1);
    expect(await waited).toBe('ok');
    expect(await window.changedSince(window.generation, 10)).toBe('timed-out');
  });
});
