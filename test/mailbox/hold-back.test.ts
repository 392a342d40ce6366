// A receiver may leave a link's messages in their ring for now (Inbox.holdsBack): backpressure on
// that sender alone. A leader does this to its clients while its queue of commands is long.
import { describe, expect, it } from 'vitest';
import { Inbox, Outbox, createDoorbell, createRing } from 'synod/mailbox';

/** An inbox with a link from each of `senders`, and their outboxes. */
function inboxFrom(senders: number[], ringBytes = 64 * 1024): { inbox: Inbox; outboxes: Map<number, Outbox> } {
  const doorbell = createDoorbell();
  const inbox = new Inbox(doorbell);
  const outboxes = new Map<number, Outbox>();
  for (const from of senders) {
    const ring = createRing(ringBytes);
    inbox.addLink(from, ring);
    outboxes.set(from, new Outbox(ring, doorbell));
  }
  return { inbox, outboxes };
}

describe('Inbox.holdsBack', () => {
  it('leaves a held-back link full, counts none of it as work, serves the other links, and takes it all once let go', () => {
    const { inbox, outboxes } = inboxFrom([1, 2]);
    let holding = true;
    inbox.holdsBack = (from) => holding && from === 1;
    // The sender finds the mailbox full: nothing was taken.
    let sent = 0;
    while (outboxes.get(1)!.trySend({ n: sent, pad: new Uint8Array(1000) })) sent++;
    expect(sent).toBeGreaterThan(10);
    expect(sent).toBeLessThan(100);
    expect(inbox.hasMessages()).toBe(false);
    // A wait does not return at once for what is held back (a receiver that parks does not spin on it).
    const waitStartMs = performance.now();
    inbox.wait(30);
    expect(performance.now() - waitStartMs).toBeGreaterThanOrEqual(25);
    expect(outboxes.get(2)!.trySend({ from2: true })).toBe(true);
    expect(inbox.hasMessages()).toBe(true);
    const received: Array<[number, unknown]> = [];
    expect(inbox.drain((from, message) => received.push([from, message]))).toBe(1);
    expect(received).toEqual([[2, { from2: true }]]);
    holding = false;
    expect(inbox.hasMessages()).toBe(true);
    received.length = 0;
    while (inbox.drain((from, message) => received.push([from, message])) > 0);
    expect(received.map(([from, message]) => [from, (message as { n: number }).n])).toEqual(Array.from({ length: sent }, (_, n) => [1, n]));
    expect(outboxes.get(1)!.trySend({ n: sent })).toBe(true);
  });

  it('asks once per pass, before any link is drained: what one link brings does not hold back the next in the same pass', () => {
    const { inbox, outboxes } = inboxFrom([1, 2, 3]);
    // Holds back every link once anything was taken (a leader whose queue a client's batch made long).
    let taken = 0;
    inbox.holdsBack = () => taken > 0;
    for (const outbox of outboxes.values()) expect(outbox.trySend({ x: 1 })).toBe(true);
    const from: number[] = [];
    expect(
      inbox.drain((sender) => {
        taken++;
        from.push(sender);
      }),
    ).toBe(3);
    expect(from.sort()).toEqual([1, 2, 3]);
    // The next pass holds them all back.
    for (const outbox of outboxes.values()) expect(outbox.trySend({ x: 2 })).toBe(true);
    expect(inbox.drain(() => taken++)).toBe(0);
    expect(inbox.hasMessages()).toBe(false);
  });
});
