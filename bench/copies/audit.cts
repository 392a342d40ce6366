// The copy audit: preloaded with `node --require` into the main thread and every worker thread
// (workers inherit --require), it counts the bytes each thread moves in large copies, so a
// benchmark can say how many times an entry's bytes were copied on their way through the log.
//
// It wraps the JavaScript copy primitives the code base and its codec use: %TypedArray%.set
// and .slice, and Buffer#copy (which Node implements with a set captured before any preload, so it
// is wrapped on its own). Copies Node makes inside its native code (a write to a file, a
// postMessage) are I/O, not counted. Copies shorter than SYNOD_COPY_AUDIT_MIN_BYTES (default 1 KiB)
// are headers and counters, not entries, and are left out.
//
// Each thread publishes its totals at Symbol.for('synod.copyAudit'); ThreadStats reports them with
// every actor's counters (threadCopiedBytes, threadCopies).
const minBytes = Number(process.env.SYNOD_COPY_AUDIT_MIN_BYTES ?? 1024);
const totals = { bytes: 0, copies: 0 };
(globalThis as Record<symbol, unknown>)[Symbol.for('synod.copyAudit')] = totals;

function count(bytes: number): void {
  if (bytes < minBytes) return;
  totals.bytes += bytes;
  totals.copies++;
}

type TypedArrayPrototype = {
  set(this: Uint8Array, source: ArrayLike<number>, offset?: number): void;
  slice(this: Uint8Array, start?: number, end?: number): Uint8Array;
};
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as TypedArrayPrototype;
const originalSet = typedArrayPrototype.set;
const originalSlice = typedArrayPrototype.slice;
typedArrayPrototype.set = function set(this: Uint8Array, source: ArrayLike<number>, offset?: number): void {
  count(ArrayBuffer.isView(source) ? source.byteLength : source.length * this.BYTES_PER_ELEMENT);
  originalSet.call(this, source, offset);
};
typedArrayPrototype.slice = function slice(this: Uint8Array, start?: number, end?: number): Uint8Array {
  const copy = originalSlice.call(this, start, end);
  count(copy.byteLength);
  return copy;
};
const originalCopy = Buffer.prototype.copy;
Buffer.prototype.copy = function copy(this: Buffer, target: Uint8Array, targetStart?: number, sourceStart?: number, sourceEnd?: number): number {
  const copied = originalCopy.call(this, target, targetStart, sourceStart, sourceEnd);
  count(copied);
  return copied;
};
