import { describe, expect, it } from 'vitest';
import { FAST_ENCODE_MISALIGNED, Inbox, MessageCodec, Outbox, createDoorbell, createRing } from 'synod/mailbox';

/** A codec that counts its encodes, to show a fan-out is encoded once (a try that stops to align a large binary field writes none of it: not counted). */
class CountingCodec extends MessageCodec {
  encodes = 0;
  override encodeInto(message: unknown, target: Uint8Array, start: number, end: number, alignLargeBinary?: boolean): number {
    const result = super.encodeInto(message, target, start, end, alignLargeBinary);
    if (result !== FAST_ENCODE_MISALIGNED) this.encodes++;
    return result;
  }
  override encode(message: unknown) {
    this.encodes++;
    return super.encode(message);
  }
}

function links(count: number, ringBytes: number, codec: MessageCodec) {
  return Array.from({ length: count }, () => {
    const doorbell = createDoorbell();
    const ring = createRing(ringBytes);
    const outbox = new Outbox(ring, doorbell, codec);
    const inbox = new Inbox(doorbell, undefined, new MessageCodec());
    inbox.addLink(1, ring);
    const received: unknown[] = [];
    const drain = () => inbox.drain((_from, message) => received.push(message));
    return { outbox, received, drain };
  });
}

const accept = (slot: number, valueBytes: number) => ({ type: 3, from: 1, ballot: 65_537, slot, value: new Uint8Array(valueBytes).fill(slot & 255) });

describe('fan-out: one encode, a copy per link', () => {
  it('encodes a message sent to four links once, and each link delivers it whole', () => {
    const codec = new CountingCodec();
    const fan = links(4, 1 << 16, codec);
    const message = accept(7, 3000);
    expect(fan[0]!.outbox.trySend(message)).toBe(true);
    for (let i = 1; i < fan.length; i++) expect(fan[i]!.outbox.trySendAgain(message, fan[i - 1]!.outbox)).toBe(true);
    expect(codec.encodes).toBe(1);
    for (const link of fan) {
      link.drain();
      expect(link.received).toEqual([message]);
    }
  });

  it('encodes again when the link it would copy from wrote something else since', () => {
    const codec = new CountingCodec();
    const [a, b] = links(2, 1 << 16, codec);
    const first = accept(1, 100);
    const second = accept(2, 100);
    a!.outbox.trySend(first);
    a!.outbox.trySend(second);
    expect(b!.outbox.trySendAgain(first, a!.outbox)).toBe(true);
    expect(codec.encodes).toBe(3);
    b!.drain();
    expect(b!.received).toEqual([first]);
  });

  it('copies across the wrap of both rings, and a full target ring refuses without writing', () => {
    const codec = new CountingCodec();
    const [a, b] = links(2, 4096, codec);
    // Uneven sizes walk both rings around their ends many times; b lags one message behind a's drains.
    for (let slot = 0; slot < 200; slot++) {
      const message = accept(slot, 100 + ((slot * 37) % 900));
      expect(a!.outbox.trySend(message)).toBe(true);
      expect(b!.outbox.trySendAgain(message, a!.outbox)).toBe(true);
      a!.drain();
      b!.drain();
      expect(a!.received.at(-1)).toEqual(message);
      expect(b!.received.at(-1)).toEqual(message);
    }
    const big = accept(999, 1500);
    a!.outbox.trySend(big);
    a!.drain();
    b!.outbox.trySendAgain(big, a!.outbox);
    b!.outbox.trySendAgain(big, a!.outbox);
    expect(b!.outbox.trySendAgain(big, a!.outbox)).toBe(false); // three of 1.5 KiB do not fit 4 KiB
    b!.drain();
    expect(b!.received.slice(-2)).toEqual([big, big]);
  });
});
