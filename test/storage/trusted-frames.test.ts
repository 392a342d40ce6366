// A shared-memory store's frames carry no checksum (its commit word is its only crash boundary):
// open and its replays (forEachRecord) follow frame lengths only (walkTrustedFrames). What that
// must still catch: frames that do not end where the store says its bytes end, which in memory
// only a bug can cause.
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, SharedRecordStore, createSharedStoreMemory, walkTrustedFrames, writeFrame } from 'synod/storage';

const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(100).fill(9)];

function framed(): { bytes: Uint8Array; length: number } {
  const bytes = new Uint8Array(256);
  let length = 0;
  for (const payload of payloads) length = writeFrame(bytes, length, payload);
  return { bytes, length };
}

describe('walkTrustedFrames', () => {
  it('visits every payload with its offset, as walkFrames does', () => {
    const { bytes, length } = framed();
    const seen: Array<[number[], number]> = [];
    expect(walkTrustedFrames(bytes, length, (payload, offset) => seen.push([[...payload], offset]))).toBe(payloads.length);
    expect(seen.map(([payload]) => payload)).toEqual(payloads.map((payload) => [...payload]));
    expect(seen.map(([, offset]) => offset)).toEqual([FRAME_HEADER_BYTES, 2 * FRAME_HEADER_BYTES + 3, 3 * FRAME_HEADER_BYTES + 3]);
  });

  it('throws when the frames run past the end or stop inside a header', () => {
    const { bytes, length } = framed();
    expect(() => walkTrustedFrames(bytes, length - 1, () => undefined)).toThrow(/do not end at byte/);
    expect(() => walkTrustedFrames(bytes, length + 3, () => undefined)).toThrow(/do not end at byte/);
  });

  it('is what a store replays through: a record damaged after open is not checked again, but a bad length is caught', () => {
    const memory = createSharedStoreMemory();
    const store = new SharedRecordStore(memory);
    for (const payload of payloads) store.append(payload);
    store.sync();
    const reopened = new SharedRecordStore(memory);
    let count = 0;
    reopened.forEachRecord(() => count++);
    expect(count).toBe(payloads.length);
    // A length word overwritten behind the store's back (a bug): the replay refuses to go on.
    new DataView(memory.halves[0]).setUint32(0, 1000, true);
    expect(() => reopened.forEachRecord(() => undefined)).toThrow(/do not end at byte/);
  });
});
