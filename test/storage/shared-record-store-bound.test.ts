import { describe, expect, it } from 'vitest';
import {
  FRAME_HEADER_BYTES,
  SHARED_STORE_BYTES_MAX,
  SharedRecordStore,
  createSharedStoreMemory,
  frameChecksum,
  packSharedStoreControl,
  unpackSharedStoreControl,
} from 'synod/storage';

// A store committed up to its very last byte (2^32, the largest memoryBytesMax), without
// allocating gigabytes: the half grows to 4 GiB of address space, and only the frame headers are
// written (the payloads are the zero pages the OS hands out on first read, never made resident).
// Opening checks every frame's CRC over those zeros: a few seconds.

/** Lays frames of zero payloads of these sizes at the start of `half`; returns where they end. */
function layZeroFrames(half: SharedArrayBuffer, payloadSizes: readonly number[]): number {
  const bytes = new Uint8Array(half);
  const view = new DataView(half);
  let offset = 0;
  for (const payloadBytes of payloadSizes) {
    const payloadStart = offset + FRAME_HEADER_BYTES;
    view.setUint32(offset, payloadBytes, true);
    view.setUint32(offset + 4, frameChecksum(bytes, payloadStart, payloadStart + payloadBytes), true);
    offset = payloadStart + payloadBytes;
  }
  return offset;
}

describe('SharedRecordStore at its size limit', () => {
  it('commits and recovers a half filled to exactly 2^32 bytes, past the 2^31 an Int32 word wraps at', () => {
    const memory = createSharedStoreMemory(SHARED_STORE_BYTES_MAX);
    const half = memory.halves[1];
    half.grow(SHARED_STORE_BYTES_MAX);
    const last = new Uint8Array(16).fill(9);
    const tail = FRAME_HEADER_BYTES + last.byteLength;
    // 15 frames of 256 MiB, and one that ends the bulk `tail` bytes before the limit.
    const bulk = SHARED_STORE_BYTES_MAX - tail;
    const frameBytes = 2 ** 28;
    const sizes = new Array<number>(15).fill(frameBytes);
    sizes.push(bulk - 15 * (FRAME_HEADER_BYTES + frameBytes) - FRAME_HEADER_BYTES);
    expect(layZeroFrames(half, sizes)).toBe(bulk);
    Atomics.store(new BigInt64Array(memory.control), 0, packSharedStoreControl(bulk, 1));

    const store = new SharedRecordStore(memory);
    expect(store.recoveredCount).toBe(16);
    expect(store.sizeBytes).toBe(bulk);
    expect(store.append(last)).toBe(SHARED_STORE_BYTES_MAX - last.byteLength);
    expect(store.sizeBytes).toBe(SHARED_STORE_BYTES_MAX);
    expect(() => store.append(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    store.sync();
    expect(unpackSharedStoreControl(Atomics.load(new BigInt64Array(memory.control), 0))).toEqual({
      committedBytes: SHARED_STORE_BYTES_MAX,
      liveHalf: 1,
    });

    // A successor (a restarted actor) finds every record, the last one at the top of the half.
    const successor = new SharedRecordStore(memory);
    expect(successor.recoveredCount).toBe(17);
    expect(successor.sizeBytes).toBe(SHARED_STORE_BYTES_MAX);
    expect(successor.read(SHARED_STORE_BYTES_MAX - last.byteLength, last.byteLength)).toEqual(last);
  }, 120_000);

  it('refuses a control word that commits more than its half holds, without reading past it', () => {
    const memory = createSharedStoreMemory();
    Atomics.store(new BigInt64Array(memory.control), 0, packSharedStoreControl(2 ** 31 + 8, 0));
    expect(() => new SharedRecordStore(memory)).toThrow(`shared record store damaged: ${2 ** 31 + 8} bytes committed, but its live half holds 65536`);
  });
});
