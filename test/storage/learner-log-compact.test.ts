// The compact LearnerLog: entries kept once, in the store; trim(); entriesWithin(); and the
// records written before the compact format, which must still replay.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command, Delivery } from 'synod/paxos';
import { LearnerLog, LogTrimmedError, SharedRecordStore, createSharedStoreMemory } from 'synod/storage';
import type { RecordStore } from 'synod/storage';
import { BACKENDS, seededRandom } from './backends.js';
import type { Backend } from './backends.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const encode = (value: string) => new TextEncoder().encode(value);
const sessionsOf = (log: LearnerLog) => [...log.durableState().sessions].sort((x, y) => x[0] - y[0]);
const stateOf = (log: LearnerLog) => ({ ...log.durableState(), sessions: sessionsOf(log), firstIndex: log.firstIndex, length: log.length });

/**
 * Records `count` one-command deliveries continuing `log`, in batches of `perBatch`, each
 * command from client (logIndex % clients) with data `e<logIndex>` (plus `pad` dashes).
 */
function fill(log: LearnerLog, count: number, { perBatch = 10, clients = 3, pad = 0 } = {}): void {
  const seqs = new Map(log.durableState().sessions.map(([clientId, seq]) => [clientId, seq]));
  let slot = log.nextSlot;
  for (let done = 0; done < count; slot++) {
    const batch: Delivery[] = [];
    for (let i = 0; i < perBatch && done < count; i++, done++) {
      const logIndex = log.length + batch.length;
      const clientId = logIndex % clients;
      const seq = (seqs.get(clientId) ?? 0) + 1;
      seqs.set(clientId, seq);
      batch.push({ slot, indexInBatch: i, logIndex, command: { clientId, seq, data: encode(`e${logIndex}${'-'.repeat(pad)}`) } });
    }
    log.record(batch, slot + 1);
  }
}

const expectedEntries = (from: number, to: number, pad = 0) => Array.from({ length: to - from }, (_, i) => `e${from + i}${'-'.repeat(pad)}`);
const storedBytes = (backend: Backend, store: RecordStore) => (backend.path === undefined ? store.sizeBytes : statSync(backend.path).size);

describe.each(BACKENDS)('compact LearnerLog over $name', ({ make }) => {
  let backend: Backend;
  beforeEach(() => {
    backend = make();
  });
  afterEach(() => backend.dispose());
  const reopen = (retainEntries = true) => new LearnerLog(backend.open(), { retainEntries });

  it('serves entries from the store, synced or not, and after a reopen', () => {
    const log = reopen();
    fill(log, 95, { perBatch: 7 });
    expect(log.entries(0, 100).map(text)).toEqual(expectedEntries(0, 95)); // nothing synced yet
    log.sync();
    fill(log, 5);
    expect(text(log.entry(97))).toBe('e97');
    expect(log.entries(90, 10).map(text)).toEqual(expectedEntries(90, 100)); // synced and pending together
    log.sync();
    log.close();
    const reopened = reopen();
    expect(reopened.length).toBe(100);
    expect(reopened.entries(0, 1000).map(text)).toEqual(expectedEntries(0, 100));
    expect(stateOf(reopened)).toEqual(stateOf(log));
  });

  it('keeps a copy of the data, not the caller’s buffer, and hands out copies', () => {
    const log = reopen();
    const buffer = encode('xxhelloyy');
    log.record([{ slot: 0, indexInBatch: 0, logIndex: 0, command: { clientId: 1, seq: 1, data: buffer.subarray(2, 7) } }], 1);
    buffer.fill(0);
    const read = log.entry(0);
    expect(text(read)).toBe('hello');
    read.fill(0);
    expect(text(log.entry(0))).toBe('hello');
    expect(text(log.entriesWithin(0, 1, 100)[0]!)).toBe('hello');
  });

  it('entriesWithin stops at countMax entries or before bytesMax data bytes, but gives at least one', () => {
    const log = reopen();
    fill(log, 30); // e0..e9 are 2 bytes, e10..e29 3 bytes
    expect(log.entriesWithin(0, 5, 1000).map(text)).toEqual(expectedEntries(0, 5));
    expect(log.entriesWithin(0, 100, 7).map(text)).toEqual(['e0', 'e1', 'e2']); // 6 bytes; a fourth would make 8
    expect(log.entriesWithin(8, 100, 7).map(text)).toEqual(['e8', 'e9', 'e10']); // exactly 7 bytes
    expect(log.entriesWithin(8, 100, 6).map(text)).toEqual(['e8', 'e9']);
    expect(log.entriesWithin(8, 100, 4).map(text)).toEqual(['e8', 'e9']);
    expect(log.entriesWithin(8, 100, 3).map(text)).toEqual(['e8']);
    expect(log.entriesWithin(12, 100, 1).map(text)).toEqual(['e12']); // larger than bytesMax on its own: still one
    expect(log.entriesWithin(12, 100, 0).map(text)).toEqual(['e12']);
    expect(log.entriesWithin(25, 100, 1000).map(text)).toEqual(expectedEntries(25, 30)); // the end of the log
    expect(log.entriesWithin(30, 100, 1000)).toEqual([]); // from = length
    expect(log.entriesWithin(5, 0, 1000)).toEqual([]);
  });

  it('entriesWithin refuses bad input with TypeError/RangeError', () => {
    const log = reopen();
    fill(log, 3);
    expect(() => log.entriesWithin(4, 1, 1)).toThrow(RangeError);
    expect(() => log.entriesWithin(-1, 1, 1)).toThrow(RangeError);
    expect(() => log.entriesWithin(0.5, 1, 1)).toThrow(TypeError);
    expect(() => log.entriesWithin(0, -1, 1)).toThrow(RangeError);
    expect(() => log.entriesWithin(0, 1, Number.NaN)).toThrow(TypeError);
    expect(() => log.entriesWithin('0' as never, 1, 1)).toThrow(TypeError);
  });

  it('trim releases the prefix in the store, and reading below it is a LogTrimmedError', () => {
    const log = reopen();
    fill(log, 400, { pad: 40 });
    log.sync();
    const before = storedBytes(backend, log.store);
    log.trim(300);
    const after = storedBytes(backend, log.store);
    expect(after).toBeLessThan(before / 3);
    expect(log.firstIndex).toBe(300);
    expect(log.length).toBe(400);
    expect(log.entries(300, 200).map(text)).toEqual(expectedEntries(300, 400, 40));
    const error = (() => {
      try {
        log.entry(299);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(LogTrimmedError);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ name: 'LogTrimmedError', index: 299, firstIndex: 300 });
    expect((error as Error).message).toMatch(/logIndex 299 was trimmed: the log now starts at 300/);
    expect(() => log.entries(0, 1)).toThrow(LogTrimmedError);
    expect(() => log.entriesWithin(10, 1, 100)).toThrow(expect.objectContaining({ index: 10, firstIndex: 300 }));
    // the entry at the boundary, a reservation-free log's sessions, and appending on
    fill(log, 10, { pad: 40 });
    expect(log.entriesWithin(300, 1, 0).map(text)).toEqual(expectedEntries(300, 301, 40));
    expect(log.entries(405, 100).map(text)).toEqual(expectedEntries(405, 410, 40));
  });

  it('trim survives a reopen: same first index, length, nextSlot and sessions', () => {
    const log = reopen();
    fill(log, 120, { clients: 7 });
    log.record([], log.nextSlot + 5); // slots with no deliveries move nextSlot alone
    log.sync();
    const state = stateOf(log);
    log.trim(100);
    expect(stateOf(log)).toEqual({ ...state, firstIndex: 100 });
    log.close();
    const reopened = reopen();
    expect(stateOf(reopened)).toEqual({ ...state, firstIndex: 100 });
    expect(reopened.entries(100, 100).map(text)).toEqual(expectedEntries(100, 120));
    expect(() => reopened.entry(99)).toThrow(LogTrimmedError);
    // it goes on where it stopped, and trims again (the shared store switches back to its first half)
    fill(reopened, 30, { clients: 7 });
    reopened.sync();
    reopened.trim(140);
    reopened.close();
    const again = reopen();
    expect(again.firstIndex).toBe(140);
    expect(again.length).toBe(150);
    expect(again.entries(140, 100).map(text)).toEqual(expectedEntries(140, 150));
    expect(sessionsOf(again)).toEqual(sessionsOf(reopened));
  });

  it('trim commits batches recorded before it, and up to the whole log', () => {
    const log = reopen();
    fill(log, 20);
    log.trim(20); // nothing synced before: the rewritten store holds everything
    expect(log.entries(20, 10)).toEqual([]);
    const reopened = reopen();
    expect(stateOf(reopened)).toEqual(stateOf(log));
    expect(reopened.firstIndex).toBe(20);
    fill(reopened, 2);
    expect(reopened.entries(20, 10).map(text)).toEqual(['e20', 'e21']);
  });

  it('trim refuses bad input and changes nothing; at or below firstIndex it is a no-op', () => {
    const log = reopen();
    fill(log, 50);
    log.sync();
    log.trim(10);
    const state = stateOf(log);
    const size = log.store.sizeBytes;
    expect(() => log.trim(51)).toThrow(RangeError);
    expect(() => log.trim(51)).toThrow(/beforeIndex must be at most the log's length 50, got 51/);
    expect(() => log.trim(-1)).toThrow(RangeError);
    expect(() => log.trim(20.5)).toThrow(TypeError);
    expect(() => log.trim(Number.NaN)).toThrow(TypeError);
    expect(() => log.trim('30' as never)).toThrow(TypeError);
    log.trim(10);
    log.trim(3);
    log.trim(0);
    expect(stateOf(log)).toEqual(state);
    expect(log.store.sizeBytes).toBe(size);
    expect(log.entries(10, 100).map(text)).toEqual(expectedEntries(10, 50));
  });

  it('numbers reservations as k entries, k - 1 of them empty, across trims and reopens', () => {
    const log = reopen();
    const reservation = (seq: number, logIndex: number, slot: number, count: number, data = ''): Delivery => ({
      slot,
      indexInBatch: 0,
      logIndex,
      command: { clientId: 9, seq, data: encode(data), count },
    });
    log.record([reservation(1, 0, 0, 1, 'a'), reservation(2, 1, 0, 5, 'b'), reservation(3, 6, 0, 1, 'c')], 1);
    log.record([reservation(4, 7, 1, 3)], 2);
    expect(log.length).toBe(10);
    expect(log.entries(0, 20).map(text)).toEqual(['a', 'b', '', '', '', '', 'c', '', '', '']);
    log.trim(3); // in the middle of the reservation
    expect(log.entries(3, 20).map(text)).toEqual(['', '', '', 'c', '', '', '']);
    log.close();
    const reopened = reopen();
    expect(reopened.entries(3, 20).map(text)).toEqual(['', '', '', 'c', '', '', '']);
    expect(reopened.durableState()).toEqual({ nextSlot: 2, nextLogIndex: 10, sessions: [[9, 4, 7]] });
  });

  it('a log that keeps no entries trims too, and reopens with the same numbering', () => {
    const log = reopen(false);
    fill(log, 300, { clients: 4 });
    log.sync();
    const before = log.store.sizeBytes;
    const state = stateOf(log);
    log.trim(250);
    expect(log.store.sizeBytes).toBeLessThan(before / 5);
    expect(() => log.entries(250, 1)).toThrow(TypeError);
    expect(() => log.entriesWithin(250, 1, 1)).toThrow(TypeError);
    log.close();
    expect(stateOf(reopen(false))).toEqual({ ...state, firstIndex: 250 });
    // opened as a log that keeps entries, the kept indexes read as empty (no data was stored)
    const retained = reopen();
    expect(retained.firstIndex).toBe(250);
    expect(retained.entries(297, 10)).toEqual([new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)]);
  });

  it('a refused record() leaves the log as it was', () => {
    const log = reopen();
    fill(log, 5);
    const state = stateOf(log);
    expect(() => log.record([{ slot: 9, indexInBatch: 0, logIndex: 5, command: { clientId: 1, seq: 99, data: encode('x'), count: 0 } }], 10)).toThrow(RangeError);
    expect(() =>
      log.record([{ slot: 9, indexInBatch: 0, logIndex: 5, command: { clientId: 1, seq: 99, data: encode('x'), count: 1.5 } }], 10),
    ).toThrow(RangeError);
    expect(() => log.record([{ slot: 9, indexInBatch: 0, logIndex: 5, command: { clientId: 1, seq: 99, data: 'x' as never } }], 10)).toThrow(TypeError);
    expect(stateOf(log)).toEqual(state);
    expect(log.entries(0, 10).map(text)).toEqual(expectedEntries(0, 5));
  });
});

/** Wraps a store so that its next append (or reservation) or rewrite throws (disk full, store full). */
function failingStore(store: RecordStore): RecordStore & { failNext: boolean } {
  const wrapper = {
    failNext: false,
    get recovered() {
      return store.recovered;
    },
    get recoveredCount() {
      return store.recoveredCount;
    },
    get sizeBytes() {
      return store.sizeBytes;
    },
    forEachRecord: store.forEachRecord.bind(store),
    read: store.read.bind(store),
    sync: store.sync.bind(store),
    close: store.close.bind(store),
    append(payload: Uint8Array): number {
      if (wrapper.failNext) throw new RangeError('store is full');
      return store.append(payload);
    },
    // A record written in place fails where a full store refuses it: at the reservation.
    reserve(payloadBytesMax: number): number {
      if (wrapper.failNext) throw new RangeError('store is full');
      return store.reserve(payloadBytesMax);
    },
    get reservedTarget() {
      return store.reservedTarget;
    },
    appendReserved: store.appendReserved.bind(store),
    rewrite(payloads: Iterable<Uint8Array>, placed?: (payloadOffset: number) => void): void {
      if (!wrapper.failNext) return store.rewrite(payloads, placed);
      // consume part of it, as a store that fills up half way would
      const iterator = payloads[Symbol.iterator]();
      iterator.next();
      iterator.next();
      throw new RangeError('store is full');
    },
  };
  return wrapper;
}

describe('compact LearnerLog failures', () => {
  it('a store that refuses an append or a rewrite leaves the log as it was', () => {
    const memory = createSharedStoreMemory();
    const store = failingStore(new SharedRecordStore(memory));
    const log = new LearnerLog(store);
    fill(log, 40);
    log.sync();
    const state = stateOf(log);
    store.failNext = true;
    expect(() => fill(log, 5)).toThrow(/store is full/);
    expect(() => log.trim(20)).toThrow(/store is full/);
    expect(stateOf(log)).toEqual(state);
    store.failNext = false;
    expect(log.entries(0, 100).map(text)).toEqual(expectedEntries(0, 40));
    fill(log, 5);
    log.trim(20);
    expect(log.entries(20, 100).map(text)).toEqual(expectedEntries(20, 45));
    expect(stateOf(new LearnerLog(new SharedRecordStore(memory)))).toEqual(stateOf(log));
  });
});

describe('LearnerLog over records in the legacy (msgpack) format', () => {
  // What LearnerLog.record wrote before the compact format: record-codec's encodeRecord, which is
  // this Packr: [nextSlot, firstLogIndex, clientId, seq, data, count, ...] per batch.
  const packr = new Packr({ useRecords: false });
  const legacy = (...fields: unknown[]) => new Uint8Array(packr.pack(fields));
  const legacyRecords = [
    legacy(2, 0, 1, 1, encode('c1#1'), 1, 2, 1, encode('c2#1'), 1),
    legacy(5, 2), // slots that delivered nothing
    legacy(8, 2, 1, 2, encode('c1#2'), 1, 3, 7, new Uint8Array(0), 4, 1, 3, encode('c1#3'), 1),
    legacy(9, 8, 2, 2, encode('x'.repeat(300)), 1), // data long enough for a bin16 header
  ];
  const legacyEntries = ['c1#1', 'c2#1', 'c1#2', '', '', '', '', 'c1#3', 'x'.repeat(300)];
  const legacyState = { nextSlot: 9, nextLogIndex: 9, sessions: [[1, 3, 7], [2, 2, 8], [3, 7, 3]] };

  describe.each(BACKENDS)('over $name', ({ make }) => {
    let backend: Backend;
    beforeEach(() => {
      backend = make();
      const store = backend.open();
      for (const record of legacyRecords) store.append(record);
      store.close();
    });
    afterEach(() => backend.dispose());

    it('replays them: entries, reservations and durable state', () => {
      const log = new LearnerLog(backend.open());
      expect(log.entries(0, 100).map(text)).toEqual(legacyEntries);
      expect(log.entriesWithin(7, 10, 10).map(text)).toEqual(['c1#3']);
      expect({ ...log.durableState(), sessions: sessionsOf(log) }).toEqual(legacyState);
    });

    it('goes on in the new format after them, and trims through them', () => {
      const log = new LearnerLog(backend.open());
      log.record([{ slot: 9, indexInBatch: 0, logIndex: 9, command: { clientId: 4, seq: 1, data: encode('new') } }], 10);
      log.close();
      const mixed = new LearnerLog(backend.open());
      expect(mixed.entries(0, 100).map(text)).toEqual([...legacyEntries, 'new']);
      mixed.trim(3);
      mixed.close();
      const trimmed = new LearnerLog(backend.open());
      expect(trimmed.firstIndex).toBe(3);
      expect(trimmed.entries(3, 100).map(text)).toEqual([...legacyEntries.slice(3), 'new']);
      expect({ ...trimmed.durableState(), sessions: sessionsOf(trimmed) }).toEqual({
        nextSlot: 10,
        nextLogIndex: 10,
        sessions: [...legacyState.sessions, [4, 1, 9]],
      });
    });
  });

  it('still cuts off a torn legacy tail', () => {
    const [file] = BACKENDS;
    const backend = file!.make();
    try {
      const store = backend.open();
      for (const record of legacyRecords) store.append(record);
      store.close();
      const content = readFileSync(backend.path!);
      writeFileSync(backend.path!, content.subarray(0, content.byteLength - 5));
      const log = new LearnerLog(backend.open());
      expect(log.entries(0, 100).map(text)).toEqual(legacyEntries.slice(0, 8));
      expect(log.nextSlot).toBe(8);
    } finally {
      backend.dispose();
    }
  });
});

describe('compact LearnerLog against a model (random operations, crashes and reopens)', () => {
  it.each(BACKENDS.map(({ name, make }) => ({ name, make })))('over $name', ({ make }) => {
    const random = seededRandom(20261201);
    const backend = make();
    try {
      let log = new LearnerLog(backend.open());
      /** Durable model: what a reopen must show. */
      let synced = { first: 0, entries: [] as string[], state: stateOf(log) };
      let model = { first: 0, entries: [] as string[] };
      const seqs = new Map<number, number>();
      for (let step = 0; step < 400; step++) {
        const roll = random();
        if (roll < 0.55) {
          const batch: Delivery[] = [];
          const slot = log.nextSlot;
          for (let i = 0, n = Math.floor(random() * 6); i < n; i++) {
            const clientId = Math.floor(random() * 5);
            const seq = (seqs.get(clientId) ?? 0) + 1;
            seqs.set(clientId, seq);
            const count = random() < 0.15 ? 1 + Math.floor(random() * 4) : 1;
            const data = random() < 0.1 ? '' : `s${step}i${i}${'.'.repeat(Math.floor(random() * 50))}`;
            const command: Command = { clientId, seq, data: encode(data), count };
            batch.push({ slot, indexInBatch: i, logIndex: model.first + model.entries.length, command });
            model.entries.push(data, ...new Array<string>(count - 1).fill(''));
          }
          log.record(batch, slot + 1);
        } else if (roll < 0.75) {
          log.sync();
          synced = { first: model.first, entries: [...model.entries], state: stateOf(log) };
        } else if (roll < 0.85) {
          const to = model.first + Math.floor(random() * (model.entries.length + 1));
          log.trim(to);
          if (to > model.first) {
            // a trim rewrites the store with everything recorded: it commits too (a no-op trim does not)
            model = { first: to, entries: model.entries.slice(to - model.first) };
            synced = { first: model.first, entries: [...model.entries], state: stateOf(log) };
          }
        } else {
          // crash (no sync) and reopen: the synced state comes back, and sessions with it
          log = new LearnerLog(backend.open());
          expect(stateOf(log)).toEqual(synced.state);
          model = { first: synced.first, entries: [...synced.entries] };
          seqs.clear();
          for (const [clientId, seq] of log.durableState().sessions) seqs.set(clientId, seq);
        }
        expect(log.firstIndex).toBe(model.first);
        expect(log.length).toBe(model.first + model.entries.length);
        const from = model.first + Math.floor(random() * (model.entries.length + 1));
        const countMax = 1 + Math.floor(random() * 8);
        const bytesMax = Math.floor(random() * 120);
        const page = log.entriesWithin(from, countMax, bytesMax).map(text);
        const expected: string[] = [];
        let bytes = 0;
        for (const entry of model.entries.slice(from - model.first, from - model.first + countMax)) {
          if (expected.length > 0 && bytes + entry.length > bytesMax) break;
          bytes += entry.length;
          expected.push(entry);
        }
        expect(page).toEqual(expected);
      }
      expect(log.entries(model.first, model.entries.length).map(text)).toEqual(model.entries);
      log.close();
    } finally {
      backend.dispose();
    }
  });
});
