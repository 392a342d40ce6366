import { describe, expect, it } from 'vitest';
import { DOORBELL_PARKED_INDEX, DOORBELL_SEQUENCE_INDEX, Doorbell, HeldWakeups, MailboxFullError, Outbox, createDoorbell, createRing } from 'synod/mailbox';

/** A receiver's doorbell, parked as a receiver with nothing to do would be. */
function parkedReceiver(): { doorbell: Doorbell; woken: () => number; parked: () => boolean } {
  const doorbell = new Doorbell(createDoorbell());
  const sequenceAtPark = doorbell.prepareToPark();
  return {
    doorbell,
    woken: () => Atomics.load(doorbell.words, DOORBELL_SEQUENCE_INDEX) - sequenceAtPark,
    parked: () => Atomics.load(doorbell.words, DOORBELL_PARKED_INDEX) === 1,
  };
}

describe('held wake-ups', () => {
  it('a pass of many writes to a parked receiver wakes it once, at release', () => {
    const wakeups = new HeldWakeups();
    const receiver = parkedReceiver();
    const first = new Outbox(createRing(1 << 16), receiver.doorbell.sab, undefined, wakeups);
    const second = new Outbox(createRing(1 << 16), receiver.doorbell.sab, undefined, wakeups);
    wakeups.hold();
    for (let i = 0; i < 50; i++) {
      expect(first.trySend({ slot: i })).toBe(true);
      expect(second.trySendAgain({ slot: i }, first)).toBe(true);
    }
    expect(receiver.parked()).toBe(true);
    expect(receiver.woken()).toBe(0);
    wakeups.release();
    expect(receiver.parked()).toBe(false);
    expect(receiver.woken()).toBe(1);
  });

  it('without a hold, each write rings at once', () => {
    const wakeups = new HeldWakeups();
    const receiver = parkedReceiver();
    const outbox = new Outbox(createRing(1 << 16), receiver.doorbell.sab, undefined, wakeups);
    expect(outbox.trySend({ slot: 1 })).toBe(true);
    expect(receiver.woken()).toBe(1);
  });

  it('a blocking send that finds the ring full rings what it owes before it waits', () => {
    const wakeups = new HeldWakeups();
    const receiver = parkedReceiver();
    const outbox = new Outbox(createRing(4096), receiver.doorbell.sab, undefined, wakeups);
    wakeups.hold();
    let written = 0;
    while (outbox.trySend({ slot: written, pad: 'x'.repeat(100) })) written++;
    expect(written).toBeGreaterThan(0);
    expect(receiver.woken()).toBe(0);
    // Nobody drains this ring, so the send times out; the receiver must have been woken first,
    // or a real one would sleep on a full ring while the sender waits for it.
    expect(() => outbox.send({ slot: written }, 20)).toThrow(MailboxFullError);
    expect(receiver.woken()).toBe(1);
    expect(wakeups.holding).toBe(false);
  });
});
