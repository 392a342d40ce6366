import { describe, expect, it } from 'vitest';
import { Inbox, Outbox, adaptiveSpinThenPark, createDoorbell, createRing, defaultWaitStrategy, spinForThenPark } from 'synod/mailbox';

describe('wait strategies', () => {
  it('default: an adaptive clock-timed spin with a finite cap, then park', () => {
    const strategy = defaultWaitStrategy();
    expect(strategy.adaptiveSpin).toBe(true);
    expect(strategy.spinMicroseconds).toBeGreaterThan(0);
    expect(Number.isFinite(strategy.spinMicroseconds)).toBe(true);
  });

  it('refuses spins that are negative or endless', () => {
    expect(() => adaptiveSpinThenPark(-1)).toThrow(RangeError);
    expect(() => adaptiveSpinThenPark(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => spinForThenPark(Number.NaN)).toThrow(RangeError);
  });

  for (const strategy of [adaptiveSpinThenPark(50), spinForThenPark(50)]) {
    it(`${strategy.name}: returns at once with work waiting, and times out without`, () => {
      const doorbell = createDoorbell();
      const ring = createRing(1024);
      const inbox = new Inbox(doorbell, strategy);
      inbox.addLink(1, ring);
      // Nothing to do: spins (shrinking its budget each time), parks, and the park times out.
      for (let i = 0; i < 10; i++) inbox.wait(1);
      expect(inbox.hasMessages()).toBe(false);
      new Outbox(ring, doorbell).trySend({ hello: 1 });
      inbox.wait(60_000); // must not block: the message is already there
      const received: unknown[] = [];
      inbox.drain((_from, message) => received.push(message));
      expect(received).toEqual([{ hello: 1 }]);
    });
  }
});
