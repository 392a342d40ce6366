// What a compact log needs of a RecordStore: where an appended payload lands, reads at a store
// offset (synced or not), a visit of every record without materialising them, and a rewrite
// that streams its payloads and says where each landed. On both stores.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES } from 'synod/storage';
import { BACKENDS } from './backends.js';
import type { Backend } from './backends.js';

const bytes = (...values: number[]) => new Uint8Array(values);

describe.each(BACKENDS)('RecordStore reads over $name', ({ make }) => {
  let backend: Backend;
  beforeEach(() => {
    backend = make();
  });
  afterEach(() => backend.dispose());

  it('says where each payload lands, and reads it back there before and after sync', () => {
    const store = backend.open();
    const first = store.append(bytes(1, 2, 3));
    const second = store.append(bytes(4, 5));
    expect(first).toBe(FRAME_HEADER_BYTES);
    expect(second).toBe(2 * FRAME_HEADER_BYTES + 3);
    expect(store.read(first, 3)).toEqual(bytes(1, 2, 3)); // not synced yet
    store.sync();
    const third = store.append(bytes(6));
    expect(store.read(first + 1, 2)).toEqual(bytes(2, 3));
    expect(store.read(second, 2)).toEqual(bytes(4, 5));
    // a range from the synced part into the unsynced one (frame header bytes in between)
    const span = store.read(second, third + 1 - second);
    expect(span.subarray(0, 2)).toEqual(bytes(4, 5));
    expect(span[span.byteLength - 1]).toBe(6);
    expect(store.read(third, 0)).toEqual(bytes());
    store.close();
    const reopened = backend.open();
    expect(reopened.read(second, 2)).toEqual(bytes(4, 5));
    expect(reopened.read(third, 1)).toEqual(bytes(6));
  });

  it('hands out copies: changing one changes neither the store nor the next read', () => {
    const store = backend.open();
    const at = store.append(bytes(7, 7));
    const read = store.read(at, 2);
    read[0] = 0;
    expect(store.read(at, 2)).toEqual(bytes(7, 7));
  });

  it('refuses reads outside the store with RangeError', () => {
    const store = backend.open();
    const at = store.append(bytes(1, 2));
    expect(() => store.read(at, 3)).toThrow(RangeError);
    expect(() => store.read(-1, 1)).toThrow(RangeError);
    expect(() => store.read(0.5, 1)).toThrow(RangeError);
    expect(() => store.read(store.sizeBytes, 1)).toThrow(RangeError);
  });

  it('visits every record with its offset, and counts those found at open without copying them', () => {
    const store = backend.open();
    const offsets = [store.append(bytes(1)), store.append(bytes(2, 2))];
    store.sync();
    offsets.push(store.append(bytes(3, 3, 3)));
    const visited: Array<[number[], number]> = [];
    store.forEachRecord((payload, offset) => visited.push([[...payload], offset]));
    expect(visited).toEqual([
      [[1], offsets[0]],
      [[2, 2], offsets[1]],
      [[3, 3, 3], offsets[2]],
    ]);
    store.close();
    const reopened = backend.open();
    expect(reopened.recoveredCount).toBe(3);
    expect(reopened.recovered).toEqual([bytes(1), bytes(2, 2), bytes(3, 3, 3)]);
  });

  it('rewrites from an iterator that reads the old content, telling where each payload landed', () => {
    const store = backend.open();
    const old = [store.append(bytes(1, 1)), store.append(bytes(2, 2)), store.append(bytes(3, 3))];
    function* keepLastTwo() {
      for (const at of old.slice(1)) yield store.read(at, 2);
      yield bytes(9);
    }
    const placed: number[] = [];
    store.rewrite(keepLastTwo(), (offset) => placed.push(offset));
    expect(placed).toEqual([FRAME_HEADER_BYTES, 2 * FRAME_HEADER_BYTES + 2, 3 * FRAME_HEADER_BYTES + 4]);
    expect(placed.map((at, i) => [...store.read(at, i === 2 ? 1 : 2)])).toEqual([[2, 2], [3, 3], [9]]);
    expect(store.sizeBytes).toBe(3 * FRAME_HEADER_BYTES + 5);
    // the records found at open are gone: asking for them now is a mistake, not an empty list
    expect(() => store.recovered).toThrow(/replaced by rewrite/);
    const reopened = backend.open(); // a rewrite is durable without a sync
    expect(reopened.recovered).toEqual([bytes(2, 2), bytes(3, 3), bytes(9)]);
  });

  it('rewrites a record given as a head and a tail as one payload, the tail read from the old content', () => {
    const store = backend.open();
    const value = store.append(bytes(7, 7, 7));
    store.sync();
    // One scratch head reused for every record, as a writer in a loop would: each is written before the next is pulled.
    const head = new Uint8Array(2);
    function* records() {
      head.set([1, 1]);
      yield [head, store.read(value, 3)] as const;
      yield bytes(4);
      head.set([2, 2]);
      yield [head, new Uint8Array(0)] as const;
    }
    const placed: number[] = [];
    store.rewrite(records(), (offset) => placed.push(offset));
    expect(placed).toEqual([FRAME_HEADER_BYTES, 2 * FRAME_HEADER_BYTES + 5, 3 * FRAME_HEADER_BYTES + 6]);
    expect([...store.read(placed[0]!, 5)]).toEqual([1, 1, 7, 7, 7]);
    expect(backend.open().recovered).toEqual([bytes(1, 1, 7, 7, 7), bytes(4), bytes(2, 2)]);
  });

  it('leaves the old content when the iterator fails half way', () => {
    const store = backend.open();
    store.append(bytes(1));
    store.sync();
    function* failing() {
      yield bytes(5);
      throw new Error('out of luck');
    }
    expect(() => store.rewrite(failing())).toThrow(/out of luck/);
    expect(backend.open().recovered).toEqual([bytes(1)]);
    store.append(bytes(2));
    store.sync();
    expect(backend.open().recovered).toEqual([bytes(1), bytes(2)]);
  });
});
