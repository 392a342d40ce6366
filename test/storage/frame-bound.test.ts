import { describe, expect, it } from 'vitest';
import { RING_CAPACITY_BYTES_MAX } from 'synod/mailbox';
import { FRAME_HEADER_BYTES, FRAME_PAYLOAD_BYTES_MAX, frameChecksum, walkFrames } from 'synod/storage';
import { logLimits } from 'synod';

describe('a frame at its size limit', () => {
  it('holds the largest record of the largest ring', () => {
    // logLimits asserts that the largest slot fits an acceptor's and a learner's record.
    const limits = logLimits(RING_CAPACITY_BYTES_MAX);
    expect(limits.slotValueBytesMax).toBeGreaterThan(2 ** 28); // more than the old 256 MiB frame bound
    expect(limits.slotValueBytesMax).toBeLessThan(FRAME_PAYLOAD_BYTES_MAX);
  });

  it('reads back a payload of exactly FRAME_PAYLOAD_BYTES_MAX bytes', () => {
    // Zero payload bytes are never written: the OS hands out zero pages, so this costs no memory.
    const frameBytes = FRAME_HEADER_BYTES + FRAME_PAYLOAD_BYTES_MAX;
    const buffer = new SharedArrayBuffer(1024, { maxByteLength: frameBytes });
    buffer.grow(frameBytes);
    const bytes = new Uint8Array(buffer);
    const view = new DataView(buffer);
    view.setUint32(0, FRAME_PAYLOAD_BYTES_MAX, true);
    view.setUint32(4, frameChecksum(bytes, FRAME_HEADER_BYTES, frameBytes), true);
    const sizes: number[] = [];
    expect(walkFrames(bytes, frameBytes, (payload) => sizes.push(payload.byteLength))).toEqual({ kind: 'clean', end: frameBytes, count: 1 });
    expect(sizes).toEqual([FRAME_PAYLOAD_BYTES_MAX]);
  }, 60_000);
});
