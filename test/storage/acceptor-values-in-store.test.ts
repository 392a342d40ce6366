// An acceptor over shared memory takes its Accepts in place: the value it is handed is a view of
// its ring, which the ring overwrites once the turn is over. DurableAcceptorStorage points every
// entry it saves at the store's own copy of the bytes, and at their new place after each
// compaction (which writes the other half of the store, reusing the half before the last). These
// tests hand the acceptor its values through one buffer overwritten after every step, as a ring
// does, and check every byte the acceptor keeps and sends through many compactions.
import { describe, expect, it } from 'vitest';
import { Acceptor, MessageType, Ready, makeBallot, persistReady } from 'synod/paxos';
import type { AcceptedEntry, Ballot, Message, PromiseMessage } from 'synod/paxos';
import { DurableAcceptorStorage, FileRecordStore, SharedRecordStore, createSharedStoreMemory } from 'synod/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BALLOT = makeBallot(1, 1);
const PROPOSER = 1;
const ACCEPTOR = 2;

/** The bytes slot `slot` was accepted with: its own pattern, so a value read from the wrong place shows. */
function valueOf(slot: number, bytes = 64 + (slot % 7) * 100): Uint8Array {
  const value = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) value[i] = (slot * 31 + i) & 255;
  return value;
}

/** An acceptor over `storage`, stepped as its node steps it: persist, then the replies. */
function acceptorOver(storage: DurableAcceptorStorage) {
  const acceptor = new Acceptor({ id: ACCEPTOR, learners: [] }, storage.load());
  const ready = new Ready();
  // One shared buffer for every message, overwritten after each step: the ring's place.
  const ring = new Uint8Array(new SharedArrayBuffer(1 << 16));
  const step = (message: Message): Message[] => {
    acceptor.step(message, ready);
    persistReady(storage, ready);
    const sent = ready.send.toArray().map((envelope) => envelope.msg);
    ready.clear();
    ring.fill(0xee);
    return sent;
  };
  const accept = (slot: number, ballot: Ballot = BALLOT): void => {
    const value = valueOf(slot);
    const at = 8 + (slot % 8); // any alignment
    ring.set(value, at);
    const replies = step({ type: MessageType.Accept, from: PROPOSER, ballot, slot, value: ring.subarray(at, at + value.byteLength) });
    expect(replies.map((reply) => reply.type)).toEqual([MessageType.Accepted]);
  };
  return { acceptor, step, accept };
}

function expectHeld(entries: readonly AcceptedEntry[], slots: readonly number[]): void {
  expect(entries.map((entry) => entry.slot)).toEqual(slots);
  for (const entry of entries) expect(entry.value, `slot ${entry.slot}`).toEqual(valueOf(entry.slot));
}

function sharedStorage(compactFloorBytes = 1 << 20) {
  const memory = createSharedStoreMemory(1 << 20);
  return { memory, storage: new DurableAcceptorStorage(new SharedRecordStore(memory), { compactFloorBytes }) };
}

describe('an acceptor in shared memory keeps its values in the store, not in the buffer it was handed', () => {
  it("an entry saved points at the store's bytes: the caller's buffer may change at once", () => {
    const { memory, storage } = sharedStorage();
    const { acceptor, accept } = acceptorOver(storage);
    for (let slot = 0; slot < 20; slot++) accept(slot);
    storage.sync();
    const held = Array.from({ length: 20 }, (_, slot) => acceptor.acceptedAt(slot)!);
    expectHeld(held, [...Array(20).keys()]);
    // The store's own bytes, not a copy on the heap.
    for (const entry of held) expect(memory.halves).toContain(entry.value.buffer);
    expectHeld(storage.load().entries, [...Array(20).keys()]);
  });

  it('every entry follows its bytes through compactions, each of which reuses the half before the last', () => {
    const { storage } = sharedStorage(4096);
    const { acceptor, step, accept } = acceptorOver(storage);
    const slots = [...Array(40).keys()];
    let round = 1;
    const prepare = (): PromiseMessage => {
      const [promise] = step({ type: MessageType.Prepare, from: PROPOSER, ballot: makeBallot(++round, 1), fromSlot: 0 });
      expect(promise!.type).toBe(MessageType.Promise);
      return promise as PromiseMessage;
    };
    // Slots 0-9 are accepted once and live on through every compaction; 10-39 are accepted again
    // each round at a higher ballot, so the store fills with dead records and compacts. Slots
    // 10-39 go in twice before 0-9 at first, so 0-9 start at places no compaction puts them again
    // (a view left behind would read some other record's bytes, not its own by chance).
    for (let slot = 10; slot < 40; slot++) accept(slot, makeBallot(round, 1));
    prepare();
    for (let slot = 10; slot < 40; slot++) accept(slot, makeBallot(round, 1));
    for (let slot = 0; slot < 10; slot++) accept(slot, makeBallot(round, 1));
    for (let i = 0; i < 10; i++) {
      storage.sync(); // compacts once the store is above its floor and over twice what is live
      expectHeld(
        slots.map((slot) => acceptor.acceptedAt(slot)!),
        slots,
      );
      expectHeld(storage.load().entries, slots);
      // A new leader's Prepare: the Promise carries every live entry's bytes.
      expectHeld(prepare().entries, slots);
      for (let slot = 10; slot < 40; slot++) accept(slot, makeBallot(round, 1));
    }
    // The third compaction writes into the half the first one did: a view not moved along reads it.
    expect(storage.compactions).toBeGreaterThanOrEqual(3);
  });

  it('an entry below the log start is kept as a copy of its own (nothing in the store to point at)', () => {
    const { storage } = sharedStorage();
    storage.truncateBelow(10);
    const transient = valueOf(5);
    const entry: AcceptedEntry = { slot: 5, ballot: BALLOT, value: transient };
    storage.saveAccepted(entry);
    transient.fill(0xee);
    expect(entry.value).toEqual(valueOf(5));
  });

  it('a file store leaves the caller its value: an acceptor over files takes its messages out of the ring', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synod-acceptor-values-'));
    try {
      const storage = new DurableAcceptorStorage(new FileRecordStore(join(dir, 'acceptor'), 'batch'));
      const value = valueOf(3);
      const entry: AcceptedEntry = { slot: 3, ballot: BALLOT, value };
      storage.saveAccepted(entry);
      expect(entry.value).toBe(value);
      storage.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
