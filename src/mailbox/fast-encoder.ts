import { ALIGNED_COPY_MIN_BYTES, copyRange, isSharedBytes } from './copy-range.js';
import { VALUE_REF_BYTES, VALUE_REF_EXT_TYPE, VALUE_REF_MIN_BYTES, type ValueSlabWriter } from './value-slab.js';

/**
 * A msgpack encoder for the shapes mailbox messages usually have, writing the very bytes that
 * msgpackr's Packr({ useRecords: false }) writes for them, so a receiver cannot tell which
 * encoder ran and the fallback changes nothing but speed. Given a sender's value slab, it writes
 * binaries of VALUE_REF_MIN_BYTES or more as references into it instead (value-slab.ts).
 *
 * Why: profiled on the mailbox benchmark, msgpackr's pack() was about 60 % of the sender's time
 * for a 32-byte message (its general machinery: option checks, buffer management, the extension
 * lookup for a Uint8Array). This encoder handles:
 *   plain objects (constructor Object) and arrays (constructor Array) of these values, nested;
 *   numbers, strings, booleans, null, undefined, Uint8Array and Buffer.
 * Anything else (Map, Set, Date, bigint, other typed arrays, class instances, objects with a null
 * prototype, nesting deeper than MAX_DEPTH, maps of 2^16 keys or more) returns
 * FAST_ENCODE_UNSUPPORTED, and the caller encodes the whole message with msgpackr instead.
 *
 * Byte-for-byte parity with msgpackr (checked by a property test), including its choices:
 * objects always as map16 (the key count is patched in afterwards), integers in the smallest
 * int/uint form up to 32 bits and float64 beyond (so -0 becomes 0, as msgpackr does), strings
 * of fewer than 64 UTF-16 units by msgpackr's own byte loop (which writes a lone surrogate as
 * three bytes) and longer ones by the platform's UTF-8 encoder (which writes U+FFFD for it).
 */
export const FAST_ENCODE_UNSUPPORTED = -1;
/** The value is supported but does not fit before `limit`: retry with more room. */
export const FAST_ENCODE_NO_ROOM = -2;
/**
 * Asked to align (encode()'s `alignLargeBinary`): the value's first binary field of
 * ALIGNED_COPY_MIN_BYTES or more would land in shared memory at another address modulo 8 than
 * its source, which V8 copies byte by byte (or copyRange through a bounce: the bytes moved twice).
 * Encode again `alignmentPad` bytes further on, and that field lands co-aligned.
 */
export const FAST_ENCODE_MISALIGNED = -3;

/** Deeper values go to msgpackr, which recurses without a limit of its own. */
export const MAX_DEPTH = 32;
/** Strings this long (UTF-16 units) or longer use TextEncoder, as msgpackr does from 64 (0x40). */
const LONG_STRING_UNITS = 0x40;

const textEncoder = new TextEncoder();
/** Binary fields up to this long are copied by an inline loop (see writeBinary). */
const SHORT_BINARY_BYTES = 16;

const EMPTY = new Uint8Array(0);

export class FastEncoder {
  // The target and its limit live in fields; the write position is passed and returned (a
  // negative return is a FAST_ENCODE_* status), which keeps it in a register across the calls.
  private target: Uint8Array = EMPTY;
  private limit = 0;
  /** Whether the next large binary field may ask for alignment (FAST_ENCODE_MISALIGNED); only the first one does. */
  private alignLargeBinary = false;
  /** After FAST_ENCODE_MISALIGNED: the bytes (1 to 7) to start further on. */
  alignmentPad = 0;
  /** The sender's value slab, during an encode or measure that may send large binaries by reference (value-slab.ts). */
  private slab: ValueSlabWriter | undefined = undefined;
  /**
   * Each large binary's reference (its offset in the slab, or -1: inline), in the order the walk
   * meets them: an encode that replays them writes exactly what the measure or the encode before
   * it decided, whatever the slab's room is by then (a size that changed between the two would
   * break the record).
   */
  private readonly references: number[] = [];
  private referenceCount = 0;
  private referenceIndex = 0;

  /**
   * Writes `value` as msgpack into `target[start, limit)`. Returns the end offset, or
   * FAST_ENCODE_UNSUPPORTED / FAST_ENCODE_NO_ROOM (bytes may have been written either way).
   * With a `slab`, binaries of VALUE_REF_MIN_BYTES or more go by reference where it has room;
   * `replay`: as the last encode() or measure() with that slab decided.
   */
  encode(value: unknown, target: Uint8Array, start: number, limit: number, alignLargeBinary = false, slab?: ValueSlabWriter, replay = false): number {
    this.target = target;
    this.limit = limit;
    this.alignLargeBinary = alignLargeBinary;
    this.startReferences(slab, replay);
    return this.write(value, start, 0);
  }

  private startReferences(slab: ValueSlabWriter | undefined, replay: boolean): void {
    this.slab = slab;
    if (!replay) this.referenceCount = 0;
    this.referenceIndex = 0;
  }

  /** The next large binary's reference: the one decided for it before (replay), else placed now. */
  private referenceFor(value: Uint8Array): number {
    const index = this.referenceIndex++;
    if (index < this.referenceCount) return this.references[index]!;
    const offset = this.slab!.place(value);
    this.references[index] = offset;
    this.referenceCount = index + 1;
    return offset;
  }

  /**
   * The exact number of bytes encode() writes for `value`, or FAST_ENCODE_UNSUPPORTED, without
   * writing anything: a sender that knows the size claims exactly that much of a ring and encodes
   * in place (see Outbox.trySend), where it would otherwise encode into a scratch buffer and copy.
   * encode() into exactly this many bytes always succeeds (its room checks are exact at the limit).
   */
  measure(value: unknown, slab?: ValueSlabWriter): number {
    this.startReferences(slab, false);
    return this.measureValue(value, 0);
  }

  private measureValue(value: unknown, depth: number): number {
    if (typeof value === 'number') return numberBytes(value);
    if (typeof value === 'object') {
      if (value === null) return 1;
      if (depth >= MAX_DEPTH) return FAST_ENCODE_UNSUPPORTED;
      if (Array.isArray(value)) {
        if (value.constructor !== Array) return FAST_ENCODE_UNSUPPORTED;
        let bytes = lengthHeaderBytes(value.length, 0x10);
        for (let i = 0; i < value.length; i++) {
          const item = this.measureValue(value[i], depth + 1);
          if (item < 0) return item;
          bytes += item;
        }
        return bytes;
      }
      const constructor = (value as object).constructor;
      if (constructor === Object) return this.measureObject(value as Record<string, unknown>, depth + 1);
      if (constructor === Uint8Array || constructor === Buffer) {
        const length = (value as Uint8Array).length;
        if (this.slab !== undefined && length >= VALUE_REF_MIN_BYTES && this.referenceFor(value as Uint8Array) >= 0) return VALUE_REF_BYTES;
        return binaryHeaderBytes(length) + length;
      }
      return FAST_ENCODE_UNSUPPORTED;
    }
    if (typeof value === 'string') return stringBytes(value);
    if (typeof value === 'boolean') return 1;
    if (value === undefined) return 3;
    return FAST_ENCODE_UNSUPPORTED;
  }

  private measureObject(value: Record<string, unknown>, depth: number): number {
    let bytes = 3;
    let count = 0;
    // The same key filter as writeObject().
    for (const key in value) {
      if (typeof value.hasOwnProperty !== 'function' || value.hasOwnProperty(key)) {
        const item = this.measureValue(value[key], depth);
        if (item < 0) return item;
        bytes += stringBytes(key) + item;
        count++;
      }
    }
    return count > 0xffff ? FAST_ENCODE_UNSUPPORTED : bytes;
  }

  private write(value: unknown, p: number, depth: number): number {
    if (typeof value === 'number') return this.writeNumber(value, p);
    if (typeof value === 'object') {
      if (value === null) return this.writeByte(0xc0, p);
      if (depth >= MAX_DEPTH) return FAST_ENCODE_UNSUPPORTED;
      if (Array.isArray(value)) return value.constructor === Array ? this.writeArray(value, p, depth + 1) : FAST_ENCODE_UNSUPPORTED;
      const constructor = (value as object).constructor;
      if (constructor === Object) return this.writeObject(value as Record<string, unknown>, p, depth + 1);
      if (constructor === Uint8Array || constructor === Buffer) return this.writeBinary(value as Uint8Array, p);
      return FAST_ENCODE_UNSUPPORTED;
    }
    if (typeof value === 'string') return this.writeString(value, p);
    if (typeof value === 'boolean') return this.writeByte(value ? 0xc3 : 0xc2, p);
    if (value === undefined) {
      // msgpackr's undefined: fixext 1, type 0, data 0.
      if (p + 3 > this.limit) return FAST_ENCODE_NO_ROOM;
      const target = this.target;
      target[p] = 0xd4;
      target[p + 1] = 0;
      target[p + 2] = 0;
      return p + 3;
    }
    return FAST_ENCODE_UNSUPPORTED; // bigint, symbol, function
  }

  private writeByte(byte: number, p: number): number {
    if (p + 1 > this.limit) return FAST_ENCODE_NO_ROOM;
    this.target[p] = byte;
    return p + 1;
  }

  private writeNumber(value: number, p: number): number {
    if (p + 9 > this.limit && p + numberBytes(value) > this.limit) return FAST_ENCODE_NO_ROOM;
    const target = this.target;
    if (value >>> 0 === value) {
      if (value < 0x80) {
        target[p++] = value;
      } else if (value < 0x100) {
        target[p++] = 0xcc;
        target[p++] = value;
      } else if (value < 0x10000) {
        target[p++] = 0xcd;
        target[p++] = value >>> 8;
        target[p++] = value;
      } else {
        target[p++] = 0xce;
        target[p++] = value >>> 24;
        target[p++] = value >>> 16;
        target[p++] = value >>> 8;
        target[p++] = value;
      }
    } else if (value >> 0 === value) {
      if (value >= -0x20) {
        target[p++] = value; // negative fixint: the byte is the two's complement
      } else if (value >= -0x80) {
        target[p++] = 0xd0;
        target[p++] = value;
      } else if (value >= -0x8000) {
        target[p++] = 0xd1;
        target[p++] = value >> 8;
        target[p++] = value;
      } else {
        target[p++] = 0xd2;
        target[p++] = value >> 24;
        target[p++] = value >> 16;
        target[p++] = value >> 8;
        target[p++] = value;
      }
    } else {
      target[p++] = 0xcb;
      float64[0] = value;
      // msgpack is big-endian.
      for (let i = 0; i < 8; i++) target[p++] = float64Bytes[FLOAT64_BYTE_ORDER[i]!]!;
    }
    return p;
  }

  private writeString(value: string, start: number): number {
    const units = value.length;
    // Same header guess as msgpackr, from the unit count; widened below if the bytes need it.
    const headerBytes = units < 0x20 ? 1 : units < 0x100 ? 2 : units < 0x10000 ? 3 : 5;
    // The widest header (5) plus the most bytes a unit can take (3): room for any widening below;
    // with less, the exact size decides (so an encode into exactly measure() bytes succeeds).
    if (start + 5 + units * 3 > this.limit && start + stringBytes(value) > this.limit) return FAST_ENCODE_NO_ROOM;
    const target = this.target;
    let p = start + headerBytes;
    if (units < LONG_STRING_UNITS) {
      for (let i = 0; i < units; i++) {
        let c1 = value.charCodeAt(i);
        let c2: number;
        if (c1 < 0x80) {
          target[p++] = c1;
        } else if (c1 < 0x800) {
          target[p++] = (c1 >> 6) | 0xc0;
          target[p++] = (c1 & 0x3f) | 0x80;
        } else if ((c1 & 0xfc00) === 0xd800 && ((c2 = value.charCodeAt(i + 1)) & 0xfc00) === 0xdc00) {
          c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
          i++;
          target[p++] = (c1 >> 18) | 0xf0;
          target[p++] = ((c1 >> 12) & 0x3f) | 0x80;
          target[p++] = ((c1 >> 6) & 0x3f) | 0x80;
          target[p++] = (c1 & 0x3f) | 0x80;
        } else {
          target[p++] = (c1 >> 12) | 0xe0;
          target[p++] = ((c1 >> 6) & 0x3f) | 0x80;
          target[p++] = (c1 & 0x3f) | 0x80;
        }
      }
    } else {
      p += textEncoder.encodeInto(value, target.subarray(p, this.limit)).written;
    }
    const length = p - start - headerBytes;
    if (length < 0x20) {
      // fixstr; the guess was 1 too (fewer than 32 bytes means fewer than 32 units).
      target[start] = 0xa0 | length;
      return p;
    }
    const needed = length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
    if (needed > headerBytes) {
      // Only ever wider than guessed, never narrower: a string has at least as many UTF-8 bytes
      // as UTF-16 units.
      target.copyWithin(start + needed, start + headerBytes, p);
      p += needed - headerBytes;
    }
    if (needed === 2) {
      target[start] = 0xd9;
      target[start + 1] = length;
    } else if (needed === 3) {
      target[start] = 0xda;
      target[start + 1] = length >>> 8;
      target[start + 2] = length;
    } else {
      target[start] = 0xdb;
      target[start + 1] = length >>> 24;
      target[start + 2] = length >>> 16;
      target[start + 3] = length >>> 8;
      target[start + 4] = length;
    }
    return p;
  }

  private writeBinary(value: Uint8Array, p: number): number {
    const length = value.length; // not byteLength: measured slower on Node 20, and equal for bytes
    if (this.slab !== undefined && length >= VALUE_REF_MIN_BYTES) {
      if (p + VALUE_REF_BYTES > this.limit) return FAST_ENCODE_NO_ROOM;
      const offset = this.referenceFor(value);
      if (offset >= 0) return this.writeReference(offset, length, p);
    }
    if (p + binaryHeaderBytes(length) + length > this.limit) return FAST_ENCODE_NO_ROOM;
    const target = this.target;
    if (length < 0x100) {
      target[p++] = 0xc4;
      target[p++] = length;
    } else if (length < 0x10000) {
      target[p++] = 0xc5;
      target[p++] = length >>> 8;
      target[p++] = length;
    } else {
      target[p++] = 0xc6;
      target[p++] = length >>> 24;
      target[p++] = length >>> 16;
      target[p++] = length >>> 8;
      target[p++] = length;
    }
    if (this.alignLargeBinary && length >= ALIGNED_COPY_MIN_BYTES) {
      this.alignLargeBinary = false;
      const pad = (value.byteOffset - target.byteOffset - p) & 7;
      if (pad !== 0 && isSharedBytes(target)) {
        this.alignmentPad = pad;
        return FAST_ENCODE_MISALIGNED;
      }
    }
    if (length <= SHORT_BINARY_BYTES) {
      // Short fields by an inline loop, four bytes a round, rather than copyRange()'s set().
      let i = 0;
      for (; i + 4 <= length; i += 4) {
        target[p + i] = value[i]!;
        target[p + i + 1] = value[i + 1]!;
        target[p + i + 2] = value[i + 2]!;
        target[p + i + 3] = value[i + 3]!;
      }
      for (; i < length; i++) target[p + i] = value[i]!;
    } else {
      copyRange(value, 0, length, target, p);
    }
    return p + length;
  }

  /** A reference to `length` bytes at `offset` of the sender's slab: fixext 8 (value-slab.ts). */
  private writeReference(offset: number, length: number, p: number): number {
    const target = this.target;
    target[p] = 0xd7;
    target[p + 1] = VALUE_REF_EXT_TYPE;
    target[p + 2] = offset >>> 24;
    target[p + 3] = offset >>> 16;
    target[p + 4] = offset >>> 8;
    target[p + 5] = offset;
    target[p + 6] = length >>> 24;
    target[p + 7] = length >>> 16;
    target[p + 8] = length >>> 8;
    target[p + 9] = length;
    return p + VALUE_REF_BYTES;
  }

  private writeArray(value: unknown[], p: number, depth: number): number {
    const length = value.length;
    if (p + lengthHeaderBytes(length, 0x10) > this.limit) return FAST_ENCODE_NO_ROOM;
    const target = this.target;
    if (length < 0x10) {
      target[p++] = 0x90 | length;
    } else if (length < 0x10000) {
      target[p++] = 0xdc;
      target[p++] = length >>> 8;
      target[p++] = length;
    } else {
      target[p++] = 0xdd;
      target[p++] = length >>> 24;
      target[p++] = length >>> 16;
      target[p++] = length >>> 8;
      target[p++] = length;
    }
    for (let i = 0; i < length && p >= 0; i++) p = this.write(value[i], p, depth);
    return p;
  }

  private writeObject(value: Record<string, unknown>, p: number, depth: number): number {
    if (p + 3 > this.limit) return FAST_ENCODE_NO_ROOM;
    const countAt = p + 1;
    this.target[p] = 0xde; // map16, count patched in below (as msgpackr does)
    p += 3;
    let count = 0;
    // msgpackr's own key filter, kept verbatim: inherited enumerable keys are skipped unless the
    // object hides hasOwnProperty behind something that is not a function.
    for (const key in value) {
      if (typeof value.hasOwnProperty !== 'function' || value.hasOwnProperty(key)) {
        p = this.writeString(key, p);
        if (p < 0) return p;
        p = this.write(value[key], p, depth);
        if (p < 0) return p;
        count++;
      }
    }
    // msgpackr throws for this; let it, from the fallback.
    if (count > 0xffff) return FAST_ENCODE_UNSUPPORTED;
    this.target[countAt] = count >>> 8;
    this.target[countAt + 1] = count;
    return p;
  }
}

/** Bytes writeNumber() writes for `value`. */
function numberBytes(value: number): number {
  if (value >>> 0 === value) return value < 0x80 ? 1 : value < 0x100 ? 2 : value < 0x10000 ? 3 : 5;
  if (value >> 0 === value) return value >= -0x20 ? 1 : value >= -0x80 ? 2 : value >= -0x8000 ? 3 : 5;
  return 9;
}

/** Bytes of an array's header (fixarray below `fixLimit`, then array16, array32). */
function lengthHeaderBytes(length: number, fixLimit: number): number {
  return length < fixLimit ? 1 : length < 0x10000 ? 3 : 5;
}

/** Bytes of a bin header (bin8, bin16, bin32). */
function binaryHeaderBytes(length: number): number {
  return length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

/**
 * Bytes writeString() writes for `value`: its UTF-8 length (a lone surrogate takes three bytes on
 * both of writeString's paths: the byte loop's three-byte form, TextEncoder's U+FFFD) and the
 * header that length needs.
 */
function stringBytes(value: string): number {
  const units = value.length;
  let length: number;
  if (units < LONG_STRING_UNITS) {
    length = 0;
    for (let i = 0; i < units; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x80) length += 1;
      else if (c < 0x800) length += 2;
      else if ((c & 0xfc00) === 0xd800 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        length += 4;
        i++;
      } else length += 3;
    }
  } else {
    length = Buffer.byteLength(value, 'utf8');
  }
  return (length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5) + length;
}

// float64 -> big-endian bytes through one shared 8-byte scratch, without a DataView per number.
const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** FLOAT64_BYTE_ORDER[i] is the index in float64Bytes of the i-th big-endian byte. */
export const FLOAT64_BYTE_ORDER: readonly number[] = LITTLE_ENDIAN ? [7, 6, 5, 4, 3, 2, 1, 0] : [0, 1, 2, 3, 4, 5, 6, 7];
