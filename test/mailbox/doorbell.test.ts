import { describe, expect, it } from 'vitest';
import { DOORBELL_PARKED_INDEX, DOORBELL_SEQUENCE_INDEX, Doorbell, Inbox, Outbox, createDoorbell, createRing, parkAtOnce } from 'synod/mailbox';

describe('doorbell', () => {
  it('a sender to a busy receiver pays no notify', () => {
    const doorbell = new Doorbell(createDoorbell());
    expect(doorbell.ring()).toBe(false);
    expect(Atomics.load(doorbell.words, DOORBELL_SEQUENCE_INDEX)).toBe(0);
  });

  it('a sender to a parked receiver bumps the sequence once and clears the flag', () => {
    const doorbell = new Doorbell(createDoorbell());
    const sequence = doorbell.prepareToPark();
    expect(doorbell.ring()).toBe(true);
    expect(doorbell.ring()).toBe(false); // the second sender finds it already woken
    expect(Atomics.load(doorbell.words, DOORBELL_PARKED_INDEX)).toBe(0);
    // The receiver's wait on the old sequence returns at once instead of sleeping.
    const started = performance.now();
    doorbell.park(sequence, 10_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a receiver never parks past a message committed before its re-check', () => {
    const doorbellSab = createDoorbell();
    const ring = createRing(1024);
    const inbox = new Inbox(doorbellSab, parkAtOnce);
    inbox.addLink(1, ring);
    new Outbox(ring, doorbellSab).trySend({ hello: 1 });
    const started = performance.now();
    inbox.wait(10_000); // must see the message in its re-check and return, not sleep 10 s
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(inbox.hasMessages()).toBe(true);
  });

  it('an interrupt wakes the receiver and is read once', () => {
    const doorbell = new Doorbell(createDoorbell());
    doorbell.interrupt(0b101);
    const inbox = new Inbox(doorbell.sab, parkAtOnce);
    const started = performance.now();
    inbox.wait(10_000);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(doorbell.takeInterrupts()).toBe(0b101);
    expect(doorbell.takeInterrupts()).toBe(0);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => new Doorbell(new SharedArrayBuffer(8))).toThrow(TypeError);
  });
});
