// sendAsync waits for room without blocking the event loop; whatever else the thread encodes
// meanwhile must not change the message it waits to write (its bytes were once a view of the
// codec's scratch buffer, which the next encode overwrote).
import { describe, expect, it } from 'vitest';
import { Inbox, MessageTooLargeError, Outbox, createDoorbell, createRing } from 'synod/mailbox';

/** A link whose ring holds two records of 25 KB: less room than the 20 KB the next message needs. */
function almostFullLink(): { outbox: Outbox; inbox: Inbox } {
  const doorbell = createDoorbell();
  const ring = createRing(64 * 1024);
  const outbox = new Outbox(ring, doorbell);
  const inbox = new Inbox(doorbell);
  inbox.addLink(1, ring);
  expect(outbox.trySend({ seq: 0, fill: new Uint8Array(25_000) })).toBe(true);
  expect(outbox.trySend({ seq: 1, fill: new Uint8Array(25_000) })).toBe(true);
  return { outbox, inbox };
}

describe('Outbox.sendAsync', () => {
  it('writes the message it was given, even if the thread encodes others while it waits', async () => {
    const { outbox, inbox } = almostFullLink();
    const waited = { tag: 'waited', data: new Uint8Array(20_000).fill(7) };
    const sending = outbox.sendAsync(waited, 5_000);
    // Another link of this thread, also full: this encodes into the thread's scratch and is refused.
    const other = almostFullLink().outbox;
    expect(other.trySend({ tag: 'other', data: new Uint8Array(20_000).fill(9) })).toBe(false);
    const received: Array<{ tag?: string; data?: Uint8Array }> = [];
    inbox.drain((_from, message) => received.push(message as { tag?: string }));
    await sending;
    inbox.drain((_from, message) => received.push(message as { tag?: string }));
    expect(received).toHaveLength(3);
    expect(received[2]!.tag).toBe('waited');
    expect(received[2]!.data).toEqual(new Uint8Array(20_000).fill(7));
  });

  it('keeps the order of sends across a full ring: nothing overtakes a message waiting for room', async () => {
    const { outbox, inbox } = almostFullLink();
    const waiting = outbox.sendAsync({ seq: 2, fill: new Uint8Array(20_000) }, 5_000);
    const received: number[] = [];
    const drain = (): void => void inbox.drain((_from, message) => received.push((message as { seq: number }).seq));
    drain();
    // Room now, but message 2 has not been written yet: a small message must queue behind it.
    expect(outbox.trySend({ seq: 3 })).toBe(false);
    const small = outbox.sendAsync({ seq: 4 }, 5_000);
    await Promise.all([waiting, small]);
    expect(outbox.trySend({ seq: 5 })).toBe(true);
    drain();
    expect(received).toEqual([0, 1, 2, 4, 5]);
  });

  it('lets later messages go when one times out waiting', async () => {
    const { outbox, inbox } = almostFullLink();
    const doomed = outbox.sendAsync({ seq: 2, fill: new Uint8Array(20_000) }, 20);
    const patient = outbox.sendAsync({ seq: 3 }, 5_000);
    await expect(doomed).rejects.toThrow(/full/i);
    const received: number[] = [];
    inbox.drain((_from, message) => received.push((message as { seq: number }).seq));
    await patient;
    inbox.drain((_from, message) => received.push((message as { seq: number }).seq));
    expect(received).toEqual([0, 1, 3]);
    expect(outbox.trySend({ seq: 4 })).toBe(true);
  });
});

describe('Outbox.sendAsyncInPlace', () => {
  it('encodes a waiting message only when there is room: what its fields hold then is what goes (no copy kept meanwhile)', async () => {
    const { outbox, inbox } = almostFullLink();
    const data = new Uint8Array(20_000).fill(7);
    const sending = outbox.sendAsyncInPlace({ seq: 2, data }, 5_000);
    // The caller's promise (AppendCoreSink.send's hold) is that the bytes stay; changing them shows
    // whether the outbox kept a copy of its own: it did not.
    data.fill(8);
    const received: Array<{ seq: number; data?: Uint8Array }> = [];
    const drain = (): void => void inbox.drain((_from, message) => received.push(message as { seq: number }));
    drain();
    await sending;
    drain();
    expect(received.map((message) => message.seq)).toEqual([0, 1, 2]);
    expect(received[2]!.data).toEqual(new Uint8Array(20_000).fill(8));
  });

  it('keeps the order with sendAsync and trySend, and lets later messages go when it times out', async () => {
    const { outbox, inbox } = almostFullLink();
    const doomed = outbox.sendAsyncInPlace({ seq: 2, fill: new Uint8Array(20_000) }, 20);
    const copied = outbox.sendAsync({ seq: 3 }, 5_000);
    const inPlace = outbox.sendAsyncInPlace({ seq: 4, fill: new Uint8Array(1000).fill(4) }, 5_000);
    expect(outbox.trySend({ seq: 5 })).toBe(false);
    await expect(doomed).rejects.toThrow(/full/i);
    const received: Array<{ seq: number; fill?: Uint8Array }> = [];
    const drain = (): void => void inbox.drain((_from, message) => received.push(message as { seq: number }));
    drain();
    await Promise.all([copied, inPlace]);
    expect(outbox.trySend({ seq: 6 })).toBe(true);
    drain();
    expect(received.map((message) => message.seq)).toEqual([0, 1, 3, 4, 6]);
    expect(received[3]!.fill).toEqual(new Uint8Array(1000).fill(4));
  });

  it('refuses a message larger than the ring could ever hold, writing nothing', async () => {
    const { outbox, inbox } = almostFullLink();
    await expect(outbox.sendAsyncInPlace({ seq: 2, fill: new Uint8Array(70_000) }, 5_000)).rejects.toThrow(MessageTooLargeError);
    const received: number[] = [];
    inbox.drain((_from, message) => received.push((message as { seq: number }).seq));
    expect(received).toEqual([0, 1]);
    expect(outbox.trySend({ seq: 3 })).toBe(true);
  });
});
