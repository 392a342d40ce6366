// DurableAcceptorStorage: what was synced survives a crash, what was not is gone, compaction
// changes nothing but the size, and the promise never goes down.
import { readFileSync, writeFileSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryAcceptorStorage, NO_BALLOT, encodeValue, makeBallot } from 'synod/paxos';
import type { AcceptedEntry, AcceptorDurableState, Value } from 'synod/paxos';
import { CorruptLogError, DurableAcceptorStorage, FRAME_HEADER_BYTES, replayAcceptorRecords } from 'synod/storage';
import { BACKENDS, seededRandom } from './backends.js';
import type { Backend } from './backends.js';

const b = (round: number, proposer = 1) => makeBallot(round, proposer);
const value = (...texts: string[]): Value => encodeValue(texts.map((text, i) => ({ clientId: 100 + i, seq: text.length + 1, data: new TextEncoder().encode(text) })));
const entry = (slot: number, ballot: number, ...texts: string[]): AcceptedEntry => ({ slot, ballot, value: value(...texts) });
/** load() lists entries in any order; compare them by slot. */
const normal = (state: AcceptorDurableState): AcceptorDurableState => ({ ...state, entries: [...state.entries].sort((x, y) => x.slot - y.slot) });
const pack = (fields: unknown[]) => new Uint8Array(new Packr({ useRecords: false }).pack(fields));

describe.each(BACKENDS)('DurableAcceptorStorage over $name', ({ make }) => {
  let backend: Backend;
  beforeEach(() => {
    backend = make();
  });
  afterEach(() => backend.dispose());
  const reopen = (compactFloorBytes?: number) => new DurableAcceptorStorage(backend.open(), compactFloorBytes === undefined ? {} : { compactFloorBytes });

  it('starts empty', () => {
    expect(reopen().load()).toEqual({ promised: NO_BALLOT, logStart: 0, entries: [] });
  });

  it('keeps the promise, accepted entries and truncation across a reopen', () => {
    const storage = reopen();
    storage.savePromise(b(3));
    storage.saveAccepted(entry(0, b(2), 'zero'));
    storage.saveAccepted(entry(1, b(2), 'one'));
    storage.saveAccepted(entry(1, b(3), 'one again', 'and more')); // replaces slot 1
    storage.saveAccepted(entry(2, b(3)));
    storage.saveAccepted(entry(5, b(3), 'five'));
    storage.truncateBelow(1);
    storage.sync();
    const expected = { promised: b(3), logStart: 1, entries: [entry(1, b(3), 'one again', 'and more'), entry(2, b(3)), entry(5, b(3), 'five')] };
    expect(normal(storage.load())).toEqual(expected);
    storage.close();
    expect(normal(reopen().load())).toEqual(expected);
  });

  it('loses unsynced writes in a crash and never synced ones', () => {
    const first = reopen();
    first.savePromise(b(1));
    first.saveAccepted(entry(0, b(1), 'synced'));
    first.sync();
    first.savePromise(b(9));
    first.saveAccepted(entry(0, b(9), 'lost'));
    first.saveAccepted(entry(1, b(9), 'lost too'));
    first.truncateBelow(1);
    // crash: no sync, no close
    expect(normal(reopen().load())).toEqual({ promised: b(1), logStart: 0, entries: [entry(0, b(1), 'synced')] });
  });

  it('after a crash at any point, holds exactly what was synced (random runs against the in-memory model)', () => {
    const random = seededRandom(7);
    let durable = reopen();
    let model = new MemoryAcceptorStorage();
    let synced = normal(model.load());
    let round = 1;
    for (let step = 0; step < 2000; step++) {
      const roll = random();
      const logStart = model.logStart;
      if (roll < 0.1) {
        round += 1;
        durable.savePromise(b(round));
        model.savePromise(b(round));
      } else if (roll < 0.7) {
        const e = entry(logStart + Math.floor(random() * 20), b(round, 1 + Math.floor(random() * 3)), `v${step}`);
        // Each its own entry: a store in shared memory points the entry it saves at its own bytes.
        durable.saveAccepted({ ...e });
        model.saveAccepted(e);
      } else if (roll < 0.75) {
        const slot = logStart + Math.floor(random() * 5);
        durable.truncateBelow(slot);
        model.truncateBelow(slot);
      } else if (roll < 0.95) {
        durable.sync();
        synced = normal(model.load());
      } else {
        // crash: the model falls back to the last synced state
        durable = reopen(512);
        expect(normal(durable.load())).toEqual(synced);
        model = new MemoryAcceptorStorage();
        model.promised = synced.promised;
        model.logStart = synced.logStart;
        for (const e of synced.entries) model.entries.set(e.slot, e);
      }
      expect(normal(durable.load())).toEqual(normal(model.load()));
    }
  });

  it('compaction keeps the state identical and shrinks the store', () => {
    const storage = reopen();
    storage.savePromise(b(4));
    for (let round = 1; round <= 3; round++) {
      for (let slot = 0; slot < 200; slot++) storage.saveAccepted(entry(slot, b(round), `slot ${slot} round ${round}`));
    }
    storage.truncateBelow(150);
    storage.sync();
    const before = normal(storage.load());
    const sizeBefore = storage.store.sizeBytes;
    storage.compact();
    expect(storage.store.sizeBytes).toBeLessThan(sizeBefore / 10);
    expect(storage.store.sizeBytes).toBeLessThanOrEqual(storage.liveBytes);
    expect(normal(storage.load())).toEqual(before);
    storage.saveAccepted(entry(200, b(4), 'after compaction'));
    storage.sync();
    const reopened = reopen();
    expect(normal(reopened.load())).toEqual({ ...before, entries: [...before.entries, entry(200, b(4), 'after compaction')] });
    // Both sides of the atomic swap replay to the same state, so a crash during it loses nothing.
    expect(normal(replayAcceptorRecords(reopened.store.recovered.slice(0, -1)))).toEqual(before);
  });

  it("compacts to msgpackr's encoding of every live record, byte for byte as before (an entry's value copied once, not through a scratch)", () => {
    const storage = reopen();
    storage.savePromise(b(2));
    for (let slot = 0; slot < 40; slot++) storage.saveAccepted(entry(slot, b(1 + (slot % 2)), `slot ${slot}`, 'x'.repeat(slot * 40)));
    storage.truncateBelow(5);
    storage.sync();
    storage.compact();
    const live = normal(storage.load());
    const want = [pack([0, b(2)]), pack([2, 5]), ...live.entries.map((e) => pack([1, e.slot, e.ballot, e.value]))];
    const got = reopen().store.recovered;
    expect(got).toHaveLength(want.length);
    got.forEach((record, i) => expect(Buffer.compare(record, want[i]!), `record ${i}`).toBe(0));
  });

  it('compacts by itself under a small floor, keeping disk and memory bounded over many rounds', () => {
    const floorBytes = 4096;
    let storage = reopen(floorBytes);
    const model = new MemoryAcceptorStorage();
    let sizeMaxBytes = 0;
    let compactions = 0;
    for (let round = 1; round <= 300; round++) {
      const ballot = b(round);
      storage.savePromise(ballot);
      model.savePromise(ballot);
      // a window of 10 slots accepted per round, everything 8 behind truncated
      for (let slot = round * 10; slot < round * 10 + 10; slot++) {
        const e = entry(slot, ballot, `command for slot ${slot}`);
        storage.saveAccepted(e);
        model.saveAccepted(e);
      }
      storage.truncateBelow(Math.max(0, round - 8) * 10);
      model.truncateBelow(Math.max(0, round - 8) * 10);
      storage.sync();
      sizeMaxBytes = Math.max(sizeMaxBytes, storage.store.sizeBytes);
      expect(storage.entryCount).toBeLessThanOrEqual(90); // the 8 rounds not yet truncated, and this one
      if (round % 50 === 0) {
        compactions += storage.compactions;
        storage = reopen(floorBytes); // restart mid-way: compaction state must not matter
        expect(normal(storage.load())).toEqual(normal(model.load()));
      }
    }
    expect(compactions).toBeGreaterThan(10);
    // After each sync the store is at most max(floor, 2 * live); one batch can push it past that.
    expect(sizeMaxBytes).toBeLessThan(floorBytes + 2 * storage.liveBytes);
    expect(normal(reopen(floorBytes).load())).toEqual(normal(model.load()));
  });

  it('never lowers the promise, through writes, replays and compaction', () => {
    const storage = reopen(0);
    storage.savePromise(b(5));
    storage.sync();
    storage.savePromise(b(2)); // a stale write: kept out
    storage.sync();
    expect(storage.load().promised).toBe(b(5));
    storage.compact();
    expect(reopen().load().promised).toBe(b(5));
    // and a replay of records that do go down keeps the highest
    expect(replayAcceptorRecords([pack([0, b(7)]), pack([0, b(3)])]).promised).toBe(b(7));
  });

  it('ignores accepts below logStart and does not bring truncated slots back', () => {
    const storage = reopen();
    storage.saveAccepted(entry(3, b(1), 'three'));
    storage.truncateBelow(5);
    storage.truncateBelow(2); // lower: a no-op
    storage.saveAccepted(entry(4, b(1), 'late'));
    storage.sync();
    expect(reopen().load()).toEqual({ promised: NO_BALLOT, logStart: 5, entries: [] });
  });

  it('refuses bad writes before they reach the store', () => {
    const storage = reopen();
    expect(() => storage.savePromise(-1)).toThrow(RangeError);
    expect(() => storage.savePromise(1.5)).toThrow(TypeError);
    expect(() => storage.saveAccepted(entry(-1, b(1)))).toThrow(RangeError);
    expect(() => storage.saveAccepted({ slot: 0, ballot: b(1), value: 'text' as never })).toThrow(TypeError);
    expect(() => storage.truncateBelow(Number.NaN)).toThrow(TypeError);
    expect(() => new DurableAcceptorStorage(backend.open(), { compactFloorBytes: -1 })).toThrow(RangeError);
    storage.sync();
    expect(storage.store.sizeBytes).toBe(0);
  });
});

describe('acceptor record replay', () => {
  it('names the record it cannot read', () => {
    expect(() => replayAcceptorRecords([pack([0, 1]), pack([9, 1])])).toThrow(/acceptor record 1 of 2: unknown record kind 9/);
    expect(() => replayAcceptorRecords([pack([1, 0, 1, 5])])).toThrow(/acceptor record 0 of 1: accepted record has 4 fields/);
    expect(() => replayAcceptorRecords([new Uint8Array([0x93, 0x01])])).toThrow(/acceptor record 0 of 1: not a valid msgpack record/);
  });

  it('refuses a damaged file rather than replaying past the damage', () => {
    // FileRecordStore's CorruptLogError reaches the caller unchanged.
    const [file] = BACKENDS;
    const backend = file!.make();
    try {
      const storage = new DurableAcceptorStorage(backend.open());
      for (let slot = 0; slot < 5; slot++) storage.saveAccepted(entry(slot, b(1), 'x'.repeat(20)));
      storage.close();
      const content = readFileSync(backend.path!);
      content[FRAME_HEADER_BYTES + 2] = content[FRAME_HEADER_BYTES + 2]! ^ 0x01; // inside the first record
      writeFileSync(backend.path!, content);
      expect(() => new DurableAcceptorStorage(backend.open())).toThrow(CorruptLogError);
    } finally {
      backend.dispose();
    }
  });
});
