// sendAsync waits for room without blocking the event loop; whatever else the thread encodes
// meanwhile must not change the message it waits to write (its bytes were once a view of the
// codec's scratch buffer, which the next encode overwrote).
import { describe, expect, it } from 'vitest';
import { Inbox, Outbox, createDoorbell, createRing } from 'synod/mailbox';

describe('Outbox.sendAsync', () => {
  it('writes the message it was given, even if the thread encodes others while it waits', async () => {
    const doorbell = createDoorbell();
    const ring = createRing(64 * 1024);
    const outbox = new Outbox(ring, doorbell);
    const inbox = new Inbox(doorbell);
    inbox.addLink(1, ring);
    // Two records of 25 KB leave less than the 20 KB the next message needs.
    expect(outbox.trySend({ fill: new Uint8Array(25_000) })).toBe(true);
    expect(outbox.trySend({ fill: new Uint8Array(25_000) })).toBe(true);
    const waited = { tag: 'waited', data: new Uint8Array(20_000).fill(7) };
    const sending = outbox.sendAsync(waited, 5_000);
    // Ring still full: this encodes into the thread's scratch and is refused.
    expect(outbox.trySend({ tag: 'other', data: new Uint8Array(20_000).fill(9) })).toBe(false);
    const received: Array<{ tag?: string; data?: Uint8Array }> = [];
    inbox.drain((_from, message) => received.push(message as { tag?: string }));
    await sending;
    inbox.drain((_from, message) => received.push(message as { tag?: string }));
    expect(received).toHaveLength(3);
    expect(received[2]!.tag).toBe('waited');
    expect(received[2]!.data).toEqual(new Uint8Array(20_000).fill(7));
  });
});
