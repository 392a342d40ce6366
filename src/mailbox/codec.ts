import { Packr, Unpackr, REUSE_BUFFER_MODE, RESET_BUFFER_MODE, isNativeAccelerationEnabled } from 'msgpackr';

/** Bytes produced by MessageCodec.encode(): valid in `buffer[start, end)` until the next encode on this thread. */
export interface EncodedMessage {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
}

/** Buffer#copy takes a source range without making a subarray: no allocation per message. */
export const copyBytes = Buffer.prototype.copy as (
  this: Uint8Array,
  target: Uint8Array,
  targetStart: number,
  sourceStart: number,
  sourceEnd: number,
) => number;

type ReusedBuffer = Buffer & { start: number; end: number };

/**
 * msgpack for mailbox records, one instance per thread (use threadCodec()).
 *
 * - `useRecords: false`: msgpackr's record extension numbers object shapes per Packr, so a
 *   receiver with several senders would mix up their numbering; plain maps are self-describing.
 * - No `sequential` mode, for the same reason.
 * - Encoding reuses one scratch buffer (REUSE_BUFFER_MODE | RESET_BUFFER_MODE): no allocation per
 *   message beyond what the value itself needs; the sender copies the bytes into the ring.
 * - Decoding first copies the record out of shared memory into a private scratch buffer. Measured
 *   here (msgpackr 2.1, msgpackr-extract 3.0): handing a SharedArrayBuffer-backed view to unpack
 *   makes the native string extractor fail and fall back through an exception on every message
 *   with a string in it (map keys included), about 25 us each, 80 times slower than the copy;
 *   msgpackr also picks its small-message fast path by the absolute end offset, which is large
 *   deep inside a ring. From a private buffer starting at 0, both work as designed.
 * - Decoding passes an exact `end`, so a record that decodes short or long is an error, never a
 *   silent misparse; and `copyBuffers: true` copies binary fields out, because the scratch
 *   buffer (like the ring slot) is reused by the next message.
 */
export class MessageCodec {
  private readonly packr = new Packr({ useRecords: false });
  private readonly unpackr = new Unpackr({ useRecords: false, copyBuffers: true });
  /** Reused options object: a fresh `{ start, end }` per message would be garbage on the hot path. */
  private readonly range = { start: 0, end: 0 };
  private readonly encoded: { buffer: Buffer; start: number; end: number } = { buffer: Buffer.alloc(0), start: 0, end: 0 };

  encode(message: unknown): EncodedMessage {
    const buffer = this.packr.pack(message, REUSE_BUFFER_MODE | RESET_BUFFER_MODE) as ReusedBuffer;
    const encoded = this.encoded;
    encoded.buffer = buffer;
    encoded.start = buffer.start;
    encoded.end = buffer.end;
    return encoded;
  }

  // A plain Uint8Array (not a Buffer), so binary fields decode as plain Uint8Arrays.
  private scratch = new Uint8Array(4096);

  decode(bytes: Uint8Array, start: number, end: number): unknown {
    const length = end - start;
    if (length > this.scratch.byteLength) this.scratch = new Uint8Array(Math.max(length, this.scratch.byteLength * 2));
    copyBytes.call(bytes, this.scratch, 0, start, end);
    this.range.start = 0;
    this.range.end = length;
    return this.unpackr.unpack(this.scratch, this.range);
  }
}

let codecOfThisThread: MessageCodec | undefined;

/** The codec of the calling thread (msgpackr keeps per-module state, so one per thread is the safe unit). */
export function threadCodec(): MessageCodec {
  return (codecOfThisThread ??= new MessageCodec());
}

/** Whether msgpackr's native string extractor (msgpackr-extract) loaded in this thread. */
export function nativeCodecLoaded(): boolean {
  return isNativeAccelerationEnabled;
}
