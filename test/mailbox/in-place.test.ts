// Messages handed over in place (Inbox.drain's `inPlace`): for a receiver that asks for it, each
// message while its record is still in the ring, its binary fields views of the ring; every other
// link as before, decoded copies handed over after release.
import { describe, expect, it } from 'vitest';
import { Inbox, MessageCodec, Outbox, createDoorbell, createRing } from 'synod/mailbox';

const accept = (slot: number, valueBytes: number) => ({ type: 3, from: 1, ballot: 65_537, slot, value: new Uint8Array(valueBytes).fill(slot & 255) });

function twoLinks() {
  const doorbell = createDoorbell();
  const inbox = new Inbox(doorbell, undefined, new MessageCodec());
  const rings = [createRing(1 << 16), createRing(1 << 16)] as const;
  const outboxes = rings.map((ring, i) => {
    inbox.addLink(i + 1, ring);
    return new Outbox(ring, doorbell, new MessageCodec());
  });
  return { inbox, rings, outboxes };
}

describe('in-place delivery', () => {
  it('hands an in-place link views of its ring, and every other link copies', () => {
    const { inbox, rings, outboxes } = twoLinks();
    for (const outbox of outboxes) {
      expect(outbox.trySend(accept(1, 16))).toBe(true);
      expect(outbox.trySend(accept(2, 4096))).toBe(true);
    }
    const seen: Array<{ from: number; slot: number; view: boolean; bytes: number[] }> = [];
    inbox.drain(
      (from, message) => {
        const { slot, value } = message as ReturnType<typeof accept>;
        seen.push({ from, slot, view: (value.buffer as ArrayBufferLike) === rings[from - 1], bytes: [...new Set(value)] });
      },
      256,
      (from) => from === 1,
    );
    expect(seen.map(({ from, slot }) => [from, slot]).sort()).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
    ]);
    // Views of link 1's ring (whatever their length), copies from link 2; the same bytes either way.
    for (const message of seen) {
      expect(message.view, `from ${message.from}, slot ${message.slot}`).toBe(message.from === 1);
      expect(message.bytes).toEqual([message.slot]);
    }
  });

  it('hands an in-place message over before its record is released: the ring has no room for more yet', () => {
    const { inbox, outboxes } = twoLinks();
    // Two messages fill most of the ring: a third fits only once they are released.
    const outbox = outboxes[0]!;
    const roomDuringHandler: boolean[] = [];
    const drain = (inPlace: boolean) => {
      expect(outbox.trySend(accept(1, 30_000))).toBe(true);
      expect(outbox.trySend(accept(2, 30_000))).toBe(true);
      inbox.drain(
        () => roomDuringHandler.push(outbox.trySend(accept(3, 30_000))),
        256,
        () => inPlace,
      );
      inbox.drain(() => undefined); // what the handlers sent
    };
    drain(true);
    expect(roomDuringHandler).toEqual([false, false]);
    // Copies are handed over after the release: there is room then.
    drain(false);
    expect(roomDuringHandler).toEqual([false, false, true, true]);
  });
});
