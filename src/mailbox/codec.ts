import { Packr, Unpackr, REUSE_BUFFER_MODE, RESET_BUFFER_MODE, isNativeAccelerationEnabled } from 'msgpackr';
import { copyRange } from './copy-range.js';
import { FAST_DECODE_UNSUPPORTED, FastDecoder } from './fast-decoder.js';
import { FAST_ENCODE_NO_ROOM, FAST_ENCODE_UNSUPPORTED, FastEncoder } from './fast-encoder.js';
import type { ValueSlabWriter } from './value-slab.js';

/** Bytes produced by MessageCodec.encode(): valid in `buffer[start, end)` until the next encode on this thread. */
export interface EncodedMessage {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
}

/**
 * Buffer#copy as a function over any Uint8Array. Kept for callers of the public API; the mailbox
 * itself uses copyRange(), because on Node 20 Buffer#copy with a sub-range allocates a view per
 * call (measured: garbage per message and about 70 ns for a 32-byte copy).
 */
export const copyBytes = Buffer.prototype.copy as (
  this: Uint8Array,
  target: Uint8Array,
  targetStart: number,
  sourceStart: number,
  sourceEnd: number,
) => number;

type ReusedBuffer = Buffer & { start: number; end: number };

/** Scratch sizes for the fast encoder: start small, double on demand, and past the largest leave the message to msgpackr. */
const ENCODE_SCRATCH_BYTES_INITIAL = 4096;
const ENCODE_SCRATCH_BYTES_MAX = 1 << 20;

/**
 * msgpack for mailbox records, one instance per thread (use threadCodec()).
 *
 * Two encoders, one wire format. FastEncoder handles the usual message shapes (plain objects and
 * arrays of numbers, strings, booleans, null, undefined and Uint8Arrays) and writes exactly the
 * bytes msgpackr would; everything else goes to msgpackr. Likewise FastDecoder reads the formats
 * FastEncoder writes straight from the ring slot, and anything else (or anything malformed) is
 * decoded by msgpackr, whose value or error is then the answer. Why: msgpackr's general machinery
 * was most of the per-message cost of a small message (see fast-encoder.ts).
 *
 * Outbox.trySend() goes one step further and has FastEncoder write straight into the ring slot
 * (encodeInto(), after measure() where the free space at the tail is short); encode() and its
 * scratch buffer serve the senders that wait for room (send(), sendAsync()).
 * Non-Uint8Array typed arrays are left to msgpackr, which (2.1.3, these settings) writes them as a
 * bin of byteLength bytes filled by element conversion: lossy, with stale bytes at the end.
 *
 * msgpackr settings (the fallback, and the reference the fast path's tests compare against):
 * - `useRecords: false`: msgpackr's record extension numbers object shapes per Packr, so a
 *   receiver with several senders would mix up their numbering; plain maps are self-describing.
 * - No `sequential` mode, for the same reason.
 * - Encoding reuses one scratch buffer (REUSE_BUFFER_MODE | RESET_BUFFER_MODE): no allocation per
 *   message beyond what the value itself needs; the sender copies the bytes into the ring.
 * - msgpackr decoding first copies the record out of shared memory into a private scratch buffer. Measured
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
  private readonly fastEncoder = new FastEncoder();
  private readonly fastDecoder = new FastDecoder();
  private encodeScratch: Buffer = Buffer.alloc(ENCODE_SCRATCH_BYTES_INITIAL);
  /** Reused options object: a fresh `{ start, end }` per message would be garbage on the hot path. */
  private readonly range = { start: 0, end: 0 };
  private readonly encoded: { buffer: Buffer; start: number; end: number } = { buffer: Buffer.alloc(0), start: 0, end: 0 };

  encode(message: unknown): EncodedMessage {
    const encoded = this.encoded;
    for (;;) {
      const end = this.fastEncoder.encode(message, this.encodeScratch, 0, this.encodeScratch.byteLength);
      if (end >= 0) {
        encoded.buffer = this.encodeScratch;
        encoded.start = 0;
        encoded.end = end;
        return encoded;
      }
      if (end !== FAST_ENCODE_NO_ROOM || this.encodeScratch.byteLength >= ENCODE_SCRATCH_BYTES_MAX) break;
      this.encodeScratch = Buffer.alloc(this.encodeScratch.byteLength * 2);
    }
    return this.encodeWithMsgpackr(message);
  }

  /**
   * Writes `message` as msgpack straight into `target[start, limit)` (a ring slot) when the fast
   * encoder handles it. Returns the end offset, FAST_ENCODE_NO_ROOM if it did not fit, or
   * FAST_ENCODE_UNSUPPORTED if only msgpackr can encode it (use encodeWithMsgpackr()). With
   * `alignLargeBinary`, also FAST_ENCODE_MISALIGNED: encode again alignmentPad bytes further on.
   */
  encodeInto(message: unknown, target: Uint8Array, start: number, limit: number, alignLargeBinary = false, slab?: ValueSlabWriter, replay = false): number {
    return this.fastEncoder.encode(message, target, start, limit, alignLargeBinary, slab, replay);
  }

  /** After encodeInto() said FAST_ENCODE_MISALIGNED: how many bytes further on to encode (1 to 7). */
  get alignmentPad(): number {
    return this.fastEncoder.alignmentPad;
  }

  /** The exact bytes encodeInto() writes for `message`, or FAST_ENCODE_UNSUPPORTED (only msgpackr encodes it). */
  measure(message: unknown, slab?: ValueSlabWriter): number {
    return this.fastEncoder.measure(message, slab);
  }

  /** The data area of the value slab that references in the records decoded next point into (the sender's; undefined: none). */
  set receiveSlab(data: Uint8Array | undefined) {
    this.fastDecoder.slab = data;
  }

  /** References decode as views of the slab (set with receiveSlab, per link): see FastDecoder.slabViews. */
  set receiveSlabViews(views: boolean) {
    this.fastDecoder.slabViews = views;
  }

  /** References decoded as views so far. */
  get slabViewsTaken(): number {
    return this.fastDecoder.slabViewsTaken;
  }

  /** msgpackr alone, for every value (the fallback of encode(); public for tests and comparisons). */
  encodeWithMsgpackr(message: unknown): EncodedMessage {
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
    const value = this.fastDecoder.decode(bytes, start, end);
    return value !== FAST_DECODE_UNSUPPORTED ? value : this.decodeWithMsgpackr(bytes, start, end);
  }

  /**
   * As decode(), with binary fields as views of `bytes` where it can (the fast path; msgpackr's
   * fallback copies): for a receiver that handles the record before its ring reuses the bytes.
   */
  decodeInPlace(bytes: Uint8Array, start: number, end: number): unknown {
    const value = this.fastDecoder.decodeWithViews(bytes, start, end);
    return value !== FAST_DECODE_UNSUPPORTED ? value : this.decodeWithMsgpackr(bytes, start, end);
  }

  /** msgpackr alone, for every record (the fallback of decode(); public for tests and comparisons). */
  decodeWithMsgpackr(bytes: Uint8Array, start: number, end: number): unknown {
    const length = end - start;
    if (length > this.scratch.byteLength) this.scratch = new Uint8Array(Math.max(length, this.scratch.byteLength * 2));
    copyRange(bytes, start, end, this.scratch, 0);
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
