// A quiet send writes without waking the receiver (Outbox.trySend(message, true)): a leader's
// votes go that way, found at its next wake. It must still be delivered, and a loud send after it
// must still wake.
import { describe, expect, it } from 'vitest';
import { DOORBELL_PARKED_INDEX, DOORBELL_SEQUENCE_INDEX, Doorbell, Inbox, Outbox, createDoorbell, createRing } from 'synod/mailbox';

function parkedReceiver() {
  const doorbellSab = createDoorbell();
  const doorbell = new Doorbell(doorbellSab);
  const inbox = new Inbox(doorbellSab);
  const rings = [createRing(64 * 1024), createRing(64 * 1024)];
  rings.forEach((ring, i) => inbox.addLink(i + 1, ring));
  const outboxes = rings.map((ring) => new Outbox(ring, doorbellSab));
  const sequence = doorbell.prepareToPark(); // as a receiver about to wait
  const woken = (): boolean => Atomics.load(doorbell.words, DOORBELL_SEQUENCE_INDEX) !== sequence;
  const parked = (): boolean => Atomics.load(doorbell.words, DOORBELL_PARKED_INDEX) === 1;
  return { inbox, outboxes, woken, parked };
}

describe('quiet sends', () => {
  it('write without waking a parked receiver, which still reads them', () => {
    const { inbox, outboxes, woken, parked } = parkedReceiver();
    const vote = { type: 1, slot: 7 };
    expect(outboxes[0]!.trySend(vote, true)).toBe(true);
    // A fan-out copy of the same message, quietly too.
    expect(outboxes[1]!.trySendAgain(vote, outboxes[0]!, true)).toBe(true);
    expect(woken()).toBe(false);
    expect(parked()).toBe(true);
    const received: unknown[] = [];
    inbox.drain((_from, message) => received.push(message));
    expect(received).toEqual([vote, vote]);
  });

  it('a loud send after a quiet one wakes the receiver for both', () => {
    const { inbox, outboxes, woken } = parkedReceiver();
    expect(outboxes[0]!.trySend({ n: 1 }, true)).toBe(true);
    expect(woken()).toBe(false);
    expect(outboxes[0]!.trySend({ n: 2 })).toBe(true);
    expect(woken()).toBe(true);
    const received: unknown[] = [];
    inbox.drain((_from, message) => received.push(message));
    expect(received).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
