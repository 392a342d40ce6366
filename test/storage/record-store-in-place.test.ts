// Records written in place (RecordStore.reserve, then appendReserved): what a learner's batch
// uses, so that an entry's bytes are copied once, from the slot's value into the store. Such a
// record must be a record like any appended one (read, visited, synced, reopened), and a misuse
// must be refused without writing anything.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES } from 'synod/storage';
import type { RecordStore } from 'synod/storage';
import { SimRecordStore } from '../../src/sim/sim-record-store.js';
import { BACKENDS } from './backends.js';
import type { Backend } from './backends.js';

const bytes = (...values: number[]) => new Uint8Array(values);

/** Writes `payload` in place in room for `reserved` bytes; returns its store offset. */
function writeInPlace(store: RecordStore, payload: Uint8Array, reserved = payload.byteLength): number {
  const at = store.reserve(reserved);
  store.reservedTarget.set(payload, at);
  return store.appendReserved(payload.byteLength);
}

function recordsOf(store: RecordStore): number[][] {
  const records: number[][] = [];
  store.forEachRecord((payload) => records.push([...payload]));
  return records;
}

const SIM_BACKEND = {
  name: 'SimRecordStore',
  make(): Backend {
    let store: SimRecordStore | undefined;
    return { name: 'sim', path: undefined, open: () => (store ??= new SimRecordStore()), dispose: () => {} };
  },
};

describe.each([...BACKENDS, SIM_BACKEND])('records written in place over $name', ({ make }) => {
  let backend: Backend;
  beforeEach(() => {
    backend = make();
  });
  afterEach(() => backend.dispose());

  it('are records like appended ones: placed, read, visited, synced and reopened', () => {
    const store = backend.open();
    const first = store.append(bytes(1, 2, 3));
    const second = writeInPlace(store, bytes(4, 5, 6, 7), 100); // less than reserved
    const third = store.append(bytes(8));
    expect(second).toBe(2 * FRAME_HEADER_BYTES + 3);
    expect(third).toBe(3 * FRAME_HEADER_BYTES + 7);
    expect(store.read(second, 4)).toEqual(bytes(4, 5, 6, 7));
    expect(recordsOf(store)).toEqual([[1, 2, 3], [4, 5, 6, 7], [8]]);
    store.sync();
    const fourth = writeInPlace(store, new Uint8Array(70_000).fill(9)); // exactly what was reserved, past a 64 KiB buffer
    expect(store.read(fourth + 69_999, 1)).toEqual(bytes(9));
    store.sync();
    if (backend.name === 'sim') return; // the simulated store has no reopen of its own (its crash() does that)
    store.close();
    const reopened = backend.open();
    expect(reopened.recoveredCount).toBe(4);
    expect(reopened.read(first, 3)).toEqual(bytes(1, 2, 3));
    expect(reopened.read(second, 4)).toEqual(bytes(4, 5, 6, 7));
    expect(reopened.read(fourth, 70_000).every((byte) => byte === 9)).toBe(true);
  });

  it('refuse more than reserved, nothing reserved, and a reservation an append voided, writing nothing', () => {
    const store = backend.open();
    store.append(bytes(1));
    const sizeBytes = store.sizeBytes;
    store.reserve(4);
    expect(() => store.appendReserved(5)).toThrow(RangeError);
    expect(() => store.appendReserved(-1)).toThrow(RangeError);
    store.append(bytes(2)); // voids the reservation
    expect(() => store.appendReserved(1)).toThrow(/0 to the -1 bytes reserved/);
    expect(store.sizeBytes).toBe(sizeBytes + FRAME_HEADER_BYTES + 1);
    // One reservation makes one record: a second appendReserved has nothing reserved.
    writeInPlace(store, bytes(3));
    expect(() => store.appendReserved(1)).toThrow(RangeError);
    expect(recordsOf(store)).toEqual([[1], [2], [3]]);
    store.close();
  });
});
