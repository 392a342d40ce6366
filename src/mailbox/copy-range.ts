/**
 * Copies `source[start, end)` to `target` at `targetStart`, without allocating.
 *
 * Measured on Node 20 (32 bytes into a SharedArrayBuffer): `target.set(source)` of a whole array
 * is a plain memcpy, about 23 ns, no garbage; a JavaScript byte loop takes 35-60 ns. But for a
 * sub-range, `set` needs `source.subarray(...)` and `Buffer.prototype.copy` builds such a view
 * internally: an allocation per message. So: whole arrays by `set`; short sub-ranges (binary
 * fields read out of a ring slot, a few dozen bytes) by a loop; long ones by `set` of a view,
 * whose allocation is noise next to the copy itself.
 */
export const SMALL_COPY_BYTES = 64;

/**
 * Copies of this many bytes or more into or out of shared memory are placed so that source and
 * target share their address modulo 8 (the decoder's copy out of a ring, the stores' records):
 * V8 copies shared memory word by word only then, byte by byte (about 7x slower) otherwise.
 */
export const ALIGNED_COPY_MIN_BYTES = 1024;

export function copyRange(source: Uint8Array, start: number, end: number, target: Uint8Array, targetStart: number): void {
  const length = end - start;
  if (length >= ALIGNED_COPY_MIN_BYTES && ((source.byteOffset + start - target.byteOffset - targetStart) & 7) !== 0 && (isSharedBytes(source) || isSharedBytes(target))) {
    copyThroughBounce(source, start, end, target, targetStart);
  } else if (start === 0 && length === source.length) {
    target.set(source, targetStart);
  } else if (length <= SMALL_COPY_BYTES) {
    for (let i = 0; i < length; i++) target[targetStart + i] = source[start + i]!;
  } else {
    target.set(source.subarray(start, end), targetStart);
  }
}

/** Whether `bytes` is a view of shared memory (where V8 copies by relaxed words: see ALIGNED_COPY_MIN_BYTES). */
export function isSharedBytes(bytes: Uint8Array): boolean {
  return bytes.buffer instanceof SharedArrayBuffer;
}

/**
 * Bytes a bounce moves at a time: the bounce buffer is twice this (plus alignment room), kept for
 * life by each thread that ever bounces (128 KiB: a pool of client threads pays it per thread).
 * A 64 KiB entry goes in one piece; a larger copy costs a couple of views per piece.
 */
export const BOUNCE_CHUNK_BYTES = 64 * 1024;
/** Where a copy between unlike-aligned ends goes through; made on first use (per thread, as every module's state). */
let bounceBuffer: ArrayBuffer | undefined;

/**
 * A copy into or out of shared memory whose ends are not aligned alike, in two or three steps that
 * are each fast: shared memory to or from a private buffer placed at the shared side's alignment
 * (V8 copies word by word), and private to private at any alignment (a plain memmove). V8 copies
 * such a range byte by byte in one step: 64 KiB took 18.5 us that way, 3.7 us through the bounce
 * from a private buffer (6.2 us between two shared ones), and 7.4 us against 22.6 us out of cache
 * (Node 20, this project's 2-core VM). The bytes moved count twice (three times shared to shared)
 * in the copy audit; the time is what the bounce saves.
 */
function copyThroughBounce(source: Uint8Array, start: number, end: number, target: Uint8Array, targetStart: number): void {
  bounceBuffer ??= new ArrayBuffer(2 * (BOUNCE_CHUNK_BYTES + 8));
  const sourceShared = isSharedBytes(source);
  const targetShared = isSharedBytes(target);
  for (let at = start; at < end; at += BOUNCE_CHUNK_BYTES) {
    const bytes = Math.min(BOUNCE_CHUNK_BYTES, end - at);
    const chunk = source.subarray(at, at + bytes);
    const to = targetStart + (at - start);
    // Shared side first into the bounce at its own alignment; then a private copy shifts it.
    const fromSource = sourceShared ? new Uint8Array(bounceBuffer, (source.byteOffset + at) & 7, bytes) : chunk;
    if (sourceShared) fromSource.set(chunk);
    const toTarget = targetShared ? new Uint8Array(bounceBuffer, BOUNCE_CHUNK_BYTES + 8 + ((target.byteOffset + to) & 7), bytes) : target.subarray(to, to + bytes);
    toTarget.set(fromSource);
    if (targetShared) target.set(toTarget, to);
  }
}
