// An acceptor's store in memory has a ceiling (memoryBytesMax). Compaction at a commit point waits
// for the store to be twice what is live, so an acceptor with more than half its ceiling live and
// the rest garbage (values accepted again under later ballots) was refused with ENOSPC though a
// compaction would have made room: the fuzzer's seed 6246 failed appends with StorageFullError.
// DurableAcceptorStorage now compacts when a write finds the store full of garbage, at most once
// between commit points (a turn's replies may point into the half the last compaction left).
import { describe, expect, it } from 'vitest';
import { makeBallot } from 'synod/paxos';
import type { AcceptedEntry, Ballot } from 'synod/paxos';
import { DurableAcceptorStorage, SharedRecordStore, createSharedStoreMemory } from 'synod/storage';

const CEILING_BYTES = 256 * 1024;
const VALUE_BYTES = 1024;
/** Live slots: about 60% of the ceiling, more than half, so a compaction when worth it never comes. */
const SLOTS = 150;

function valueOf(slot: number, ballot: Ballot): Uint8Array {
  const value = new Uint8Array(VALUE_BYTES);
  for (let i = 0; i < VALUE_BYTES; i++) value[i] = (slot * 31 + ballot * 7 + i) & 255;
  return value;
}

function storageWithCeiling() {
  const memory = createSharedStoreMemory(CEILING_BYTES);
  return new DurableAcceptorStorage(new SharedRecordStore(memory), { compactFloorBytes: CEILING_BYTES / 4 });
}

/** Accepts `slots` values at `ballot`; with `turnSlots`, a commit point after each that many (a turn's worth). */
function acceptAll(storage: DurableAcceptorStorage, ballot: Ballot, slots = SLOTS, turnSlots = Number.POSITIVE_INFINITY): void {
  for (let slot = 0; slot < slots; slot++) {
    storage.saveAccepted({ slot, ballot, value: valueOf(slot, ballot) });
    if ((slot + 1) % turnSlots === 0) storage.sync();
  }
}

/** Accepts in a turn, at most: 16 KiB, as a ring of 64 KiB between commit points would hold a few. */
const TURN_SLOTS = 16;

function expectHeld(entries: readonly AcceptedEntry[], ballot: Ballot, slots = SLOTS): void {
  expect(entries.map((entry) => entry.slot)).toEqual([...Array(slots).keys()]);
  for (const entry of entries) {
    expect(entry.ballot, `slot ${entry.slot}`).toBe(ballot);
    expect(Buffer.compare(entry.value, valueOf(entry.slot, ballot)), `slot ${entry.slot}`).toBe(0);
  }
}

describe('an acceptor store full of garbage makes room instead of refusing', () => {
  it('takes every round of re-accepted values with more than half its ceiling live', () => {
    const storage = storageWithCeiling();
    for (let round = 1; round <= 8; round++) {
      const ballot = makeBallot(round, 1);
      storage.savePromise(ballot);
      acceptAll(storage, ballot, SLOTS, TURN_SLOTS);
      storage.sync();
      expectHeld(storage.load().entries, ballot);
    }
    expect(storage.compactions).toBeGreaterThanOrEqual(4);
    // More than half the ceiling is live: the compaction at the commit point never applied.
    expect(storage.liveBytes).toBeGreaterThan(CEILING_BYTES / 2);
  });

  it('refuses a write that no compaction makes room for, and keeps what it held', () => {
    const storage = storageWithCeiling();
    const ballot = makeBallot(1, 1);
    acceptAll(storage, ballot);
    storage.sync();
    let slot = SLOTS;
    let refused: unknown;
    try {
      for (; slot < 4 * SLOTS; slot++) storage.saveAccepted({ slot, ballot, value: valueOf(slot, ballot) });
    } catch (error) {
      refused = error;
    }
    expect((refused as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
    expect(slot).toBeGreaterThan(SLOTS);
    expect(slot).toBeLessThan(CEILING_BYTES / VALUE_BYTES);
    storage.sync();
    expectHeld(storage.load().entries, ballot, slot);
  });

  it('compacts at most once between commit points: values it handed out stay as they were until the next', () => {
    const storage = storageWithCeiling();
    const first = makeBallot(1, 1);
    acceptAll(storage, first);
    storage.sync();
    // One turn: a Promise's entries are views of the store, sent at the commit point; meanwhile the
    // turn's Accepts fill the store twice over.
    const handedOut = storage.load().entries;
    const second = makeBallot(2, 1);
    const third = makeBallot(3, 1);
    acceptAll(storage, second); // fills the store: one compaction makes room
    expect(storage.compactions).toBe(1);
    let refused: unknown;
    try {
      acceptAll(storage, third); // would need a second compaction, into the half handedOut reads
    } catch (error) {
      refused = error;
    }
    expectHeld(handedOut, first);
    expect((refused as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
    expect(storage.compactions).toBe(1);
    // After the commit point a write may compact again.
    storage.sync();
    acceptAll(storage, third, SLOTS, TURN_SLOTS);
    storage.sync();
    expectHeld(storage.load().entries, third);
  });
});
