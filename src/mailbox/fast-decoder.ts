import { ALIGNED_COPY_MIN_BYTES, SMALL_COPY_BYTES, copyRange, isSharedBytes } from './copy-range.js';
import { FLOAT64_BYTE_ORDER } from './fast-encoder.js';
import { MAX_SHAPE_KEYS, ObjectShapes, type ShapeNode } from './object-shapes.js';
import { VALUE_REF_EXT_TYPE } from './value-slab.js';

/**
 * A msgpack decoder for the formats FastEncoder writes, reading straight from the ring slot and
 * producing what msgpackr's Unpackr({ useRecords: false, copyBuffers: true }) produces for them:
 * maps with string keys as plain objects ('__proto__' renamed '__proto_', as msgpackr does),
 * binaries as fresh Uint8Arrays copied out of the slot, fixext 1 type 0 as undefined. One format
 * is its own: fixext 8 of VALUE_REF_EXT_TYPE, a binary in the sender's value slab (value-slab.ts),
 * read as the bytes it references.
 *
 * Why: the receiver's profile showed msgpackr decode plus the copy of every record into a
 * private buffer (needed because msgpackr's native string extractor fails on shared memory) as
 * its biggest costs. This decoder never hands shared memory to native code: strings are built
 * in JavaScript (short ASCII ones) or decoded from a private copy with TextDecoder (WHATWG UTF-8,
 * the same replacement rules msgpackr follows).
 *
 * Anything else (float32, 64-bit integers, other extensions, non-string map keys, nesting
 * deeper than MAX_DEPTH) or any malformed record (running past `end`, or stopping short of it)
 * returns FAST_DECODE_UNSUPPORTED, and the caller decodes the record with msgpackr, whose
 * answer (value or error) is then the answer.
 */
export const FAST_DECODE_UNSUPPORTED: unique symbol = Symbol('fast decode unsupported');

const MAX_DEPTH = 32;
/** ASCII strings up to this many bytes are built by fromCharCode; longer go through TextDecoder. */
const SHORT_STRING_BYTES = 16;
const KEY_CACHE_ENTRIES = 4096;
/** Keys up to this long are interned through the key cache (a record's keys repeat message after message). */
const KEY_CACHE_MAX_BYTES = 32;
/** Keys up to this long are cached by their bytes packed into two Int32s. */
const PACKED_KEY_MAX_BYTES = 8;

interface CachedKey {
  readonly bytes: Uint8Array;
  readonly key: string;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);

const EMPTY = new Uint8Array(0);
/** Binary fields up to this long are copied by a byte loop; longer ones by slice (see readBinary). */
const SHORT_BINARY_BYTES = 16;
const typedArraySlice = Uint8Array.prototype.slice as (this: Uint8Array, start: number, end: number) => Uint8Array;

/**
 * A copy of `source[start, start + length)` whose bytes sit at the same address modulo 8 as they do
 * in `source` (the view starts 0-7 bytes into its own buffer).
 *
 * Why: V8 copies to or from shared memory with relaxed atomic words, and falls back to bytes when
 * source and target are not aligned alike. Measured here (Node 20, 64 KiB out of a
 * SharedArrayBuffer): 4.7-5.0 us co-aligned, 34-42 us by slice() (a fresh buffer starts 8-aligned,
 * the field anywhere), so 7 in 8 fields took the slow copy.
 */
export function copyCoAligned(source: Uint8Array, start: number, length: number): Uint8Array {
  const shift = (source.byteOffset + start) & 7;
  // Memory not zeroed first (its every byte is written next): `new ArrayBuffer` zeroes it, 2.4% of
  // the process's samples at 64 KiB entries (perf: memset), 1.3 us of a 64 KiB copy's 5.8 here.
  // allocUnsafeSlow: an ArrayBuffer of its own (never the shared pool's), read as a plain Uint8Array.
  const copy = new Uint8Array(Buffer.allocUnsafeSlow(length + shift).buffer, shift, length);
  copy.set(source.subarray(start, start + length));
  return copy;
}

export class FastDecoder {
  private source: Uint8Array = EMPTY;
  private position = 0;
  private end = 0;
  private failed = false;
  private readonly keyCache: (CachedKey | undefined)[] = new Array(KEY_CACHE_ENTRIES).fill(undefined);
  private readonly packedKeyLength = new Int8Array(KEY_CACHE_ENTRIES).fill(-1);
  private readonly packedKeyLow = new Int32Array(KEY_CACHE_ENTRIES);
  private readonly packedKeyHigh = new Int32Array(KEY_CACHE_ENTRIES);
  private readonly packedKeyString: string[] = new Array<string>(KEY_CACHE_ENTRIES).fill('');
  private readonly shapes = new ObjectShapes();
  private readonly keysAtDepth: string[][] = [];
  private readonly valuesAtDepth: unknown[][] = [];
  /** Private copy for TextDecoder, which refuses views of shared memory. */
  private textScratch = new Uint8Array(256);
  /** Binary fields as views of the source (decodeWithViews), not copies. */
  private binaryViews = false;
  /**
   * The data area of the value slab of the record's sender (value-slab.ts), where its references
   * point; undefined on a link without one, where a reference is an error. Set by the Inbox per link.
   */
  slab: Uint8Array | undefined = undefined;
  /**
   * References read as views of the slab, not copies, while binaries in the record itself are
   * still copied: for a receiver that keeps the slab's bytes where they are (slab-hold.ts). Set by
   * the Inbox per link.
   */
  slabViews = false;
  /** References read as views so far (the Inbox tells by it whether a record's message keeps any). */
  slabViewsTaken = 0;

  /**
   * As decode(), but every binary field is a view of `source`, not a copy: valid only while the
   * caller keeps those bytes as they are (a receiver handling a record still in its ring).
   */
  decodeWithViews(source: Uint8Array, start: number, end: number): unknown {
    this.binaryViews = true;
    try {
      return this.decode(source, start, end);
    } finally {
      this.binaryViews = false;
    }
  }

  /** The value encoded in exactly `source[start, end)`, or FAST_DECODE_UNSUPPORTED. */
  decode(source: Uint8Array, start: number, end: number): unknown {
    this.source = source;
    this.position = start;
    this.end = end;
    this.failed = false;
    // Messages are maps (map16, as the encoder writes them, or fixmap): straight to readMap,
    // without the dispatch of read().
    const token = start < end ? source[start]! : 0xc1;
    let value: unknown;
    if (token === 0xde && start + 3 <= end) {
      this.position = start + 3;
      value = this.readMap((source[start + 1]! << 8) | source[start + 2]!, 0);
    } else if (token >= 0x80 && token < 0x90) {
      this.position = start + 1;
      value = this.readMap(token - 0x80, 0);
    } else {
      value = this.read(0);
    }
    this.source = EMPTY;
    return this.failed || this.position !== end ? FAST_DECODE_UNSUPPORTED : value;
  }

  private fail(): undefined {
    this.failed = true;
    this.position = this.end; // stops every loop above at its next bounds check
    return undefined;
  }

  /** True if `bytes` more can be read; a record that claims more than it has is malformed. */
  private has(bytes: number): boolean {
    return this.position + bytes <= this.end;
  }

  private read(depth: number): unknown {
    if (!this.has(1)) return this.fail();
    const source = this.source;
    const token = source[this.position++]!;
    if (token < 0x80) return token;
    if (token < 0x90) return this.readMap(token - 0x80, depth);
    if (token < 0xa0) return this.readArray(token - 0x90, depth);
    if (token < 0xc0) return this.readString(token - 0xa0);
    if (token >= 0xe0) return token - 0x100;
    switch (token) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.has(1) ? this.readBinary(this.readUint(1)) : this.fail();
      case 0xc5:
        return this.has(2) ? this.readBinary(this.readUint(2)) : this.fail();
      case 0xc6:
        return this.has(4) ? this.readBinary(this.readUint(4)) : this.fail();
      case 0xcb:
        return this.readFloat64();
      case 0xcc:
        return this.has(1) ? this.readUint(1) : this.fail();
      case 0xcd:
        return this.has(2) ? this.readUint(2) : this.fail();
      case 0xce:
        return this.has(4) ? this.readUint(4) : this.fail();
      case 0xd0:
        return this.has(1) ? (this.readUint(1) << 24) >> 24 : this.fail();
      case 0xd1:
        return this.has(2) ? (this.readUint(2) << 16) >> 16 : this.fail();
      case 0xd2:
        return this.has(4) ? this.readUint(4) | 0 : this.fail();
      case 0xd4:
        // fixext 1 of type 0: msgpackr's undefined. Other extensions go to msgpackr.
        if (!this.has(2) || source[this.position] !== 0) return this.fail();
        this.position += 2;
        return undefined;
      case 0xd7:
        // fixext 8 of VALUE_REF_EXT_TYPE: a binary in the sender's value slab. Other extensions go to msgpackr.
        if (!this.has(9) || source[this.position] !== VALUE_REF_EXT_TYPE) return this.fail();
        this.position++;
        return this.readReference(this.readUint(4), this.readUint(4));
      case 0xd9:
        return this.has(1) ? this.readString(this.readUint(1)) : this.fail();
      case 0xda:
        return this.has(2) ? this.readString(this.readUint(2)) : this.fail();
      case 0xdb:
        return this.has(4) ? this.readString(this.readUint(4)) : this.fail();
      case 0xdc:
        return this.has(2) ? this.readArray(this.readUint(2), depth) : this.fail();
      case 0xdd:
        return this.has(4) ? this.readArray(this.readUint(4), depth) : this.fail();
      case 0xde:
        return this.has(2) ? this.readMap(this.readUint(2), depth) : this.fail();
      case 0xdf:
        return this.has(4) ? this.readMap(this.readUint(4), depth) : this.fail();
      default:
        return this.fail();
    }
  }

  /** A big-endian unsigned integer of 1, 2 or 4 bytes (bounds already checked). */
  private readUint(bytes: number): number {
    const source = this.source;
    let p = this.position;
    let value = 0;
    for (let i = 0; i < bytes; i++) value = value * 256 + source[p++]!;
    this.position = p;
    return value;
  }

  private readFloat64(): number | undefined {
    if (!this.has(8)) return this.fail();
    const source = this.source;
    const p = this.position;
    for (let i = 0; i < 8; i++) float64Bytes[FLOAT64_BYTE_ORDER[i]!] = source[p + i]!;
    this.position = p + 8;
    return float64[0];
  }

  /**
   * A fresh, independent Uint8Array copy of the next `length` bytes.
   *
   * Measured on Node 20 (copy out of a SharedArrayBuffer-backed Uint8Array): `new Uint8Array(n)`
   * costs about 30 ns, a byte loop 1-2 ns a byte after it, while `Uint8Array.prototype.slice` costs
   * about 50 ns at any size up to 64 bytes. So a loop for short fields, slice for longer ones
   * (only on a plain Uint8Array source: slice builds its result with the source's species, and
   * a Buffer's would be a Buffer).
   */
  private readBinary(length: number): Uint8Array | undefined {
    const start = this.position;
    if (start + length > this.end) return this.fail();
    const source = this.source;
    this.position = start + length;
    if (this.binaryViews) return source.subarray(start, start + length);
    if (length >= ALIGNED_COPY_MIN_BYTES && isSharedBytes(source)) return copyCoAligned(source, start, length);
    if (length > SHORT_BINARY_BYTES && source.constructor === Uint8Array) return typedArraySlice.call(source, start, start + length);
    const copy = new Uint8Array(length);
    if (length <= SMALL_COPY_BYTES) {
      // Four bytes a round: measured about 10% off the whole receive path of the benchmark
      // message against a plain byte loop (fewer loop checks; a DataView word read was no better).
      let i = 0;
      for (; i + 4 <= length; i += 4) {
        copy[i] = source[start + i]!;
        copy[i + 1] = source[start + i + 1]!;
        copy[i + 2] = source[start + i + 2]!;
        copy[i + 3] = source[start + i + 3]!;
      }
      for (; i < length; i++) copy[i] = source[start + i]!;
    } else {
      copy.set(source.subarray(start, start + length));
    }
    return copy;
  }

  /**
   * The binary a reference points at: as a view of the slab in place, else a co-aligned copy. A
   * reference on a link without a slab, or past its end, is a broken record (never msgpackr's to
   * guess at): an error.
   */
  private readReference(offset: number, length: number): Uint8Array {
    const slab = this.slab;
    if (slab === undefined) throw new TypeError('a record references a value slab, but its link has none');
    if (offset + length > slab.byteLength) throw new RangeError(`a value reference [${offset}, ${offset + length}) runs past its slab's ${slab.byteLength} bytes`);
    if (this.binaryViews) return slab.subarray(offset, offset + length);
    if (this.slabViews) {
      this.slabViewsTaken++;
      return slab.subarray(offset, offset + length);
    }
    return copyCoAligned(slab, offset, length);
  }

  private readString(length: number): string | undefined {
    if (!this.has(length)) return this.fail();
    const source = this.source;
    const start = this.position;
    if (length <= SHORT_STRING_BYTES) {
      let text = '';
      for (let i = 0; i < length; i++) {
        const byte = source[start + i]!;
        if (byte >= 0x80) return this.readUtf8(start, length);
        text += String.fromCharCode(byte);
      }
      this.position = start + length;
      return text;
    }
    return this.readUtf8(start, length);
  }

  private readUtf8(start: number, length: number): string {
    if (this.textScratch.byteLength < length) this.textScratch = new Uint8Array(Math.max(length, this.textScratch.byteLength * 2));
    copyRange(this.source, start, start + length, this.textScratch, 0);
    this.position = start + length;
    return textDecoder.decode(this.textScratch.subarray(0, length));
  }

  private readArray(length: number, depth: number): unknown[] | undefined {
    // Every element takes at least one byte: a count beyond that is malformed, not an allocation.
    if (depth >= MAX_DEPTH || !this.has(length)) return this.fail();
    const array = new Array<unknown>(length);
    for (let i = 0; i < length; i++) array[i] = this.read(depth + 1);
    return this.failed ? undefined : array;
  }

  private readMap(length: number, depth: number): Record<string, unknown> | undefined {
    if (depth >= MAX_DEPTH || !this.has(2 * length)) return this.fail();
    if (length > MAX_SHAPE_KEYS) return this.readMapKeyByKey(length, depth);
    // Keys and values of this level go to per-depth scratch arrays (a nested map uses the next
    // level's), then the object is built in one go if its key sequence has a compiled shape.
    const keys = (this.keysAtDepth[depth] ??= []);
    const values = (this.valuesAtDepth[depth] ??= []);
    const source = this.source;
    const end = this.end;
    let shape: ShapeNode | undefined = this.shapes.root;
    for (let i = 0; i < length; i++) {
      let key: string | undefined;
      let p = this.position;
      const keyLength = (p < end ? source[p]! : 0) - 0xa0;
      if (keyLength >= 0 && keyLength <= PACKED_KEY_MAX_BYTES && p + 1 + keyLength <= end) {
        // A short fixstr key (never '__proto__', which is 9 bytes): pack its bytes, and if they are
        // the ones this shape node saw last, take its transition without looking the key up.
        p++;
        let low = 0;
        let high = 0;
        for (let j = 0; j < keyLength; j++) {
          if (j < 4) low |= source[p + j]! << (j << 3);
          else high |= source[p + j]! << ((j - 4) << 3);
        }
        if (shape !== undefined && shape.lastKeyPackedLength === keyLength && shape.lastKeyPackedLow === low && shape.lastKeyPackedHigh === high) {
          key = shape.lastKey!;
          shape = shape.lastChild;
          this.position = p + keyLength;
        } else {
          key = this.lookupPackedKey(p, keyLength, low, high);
          if (key === undefined) return this.fail();
          const parent: ShapeNode | undefined = shape;
          shape = shape?.child(key, this.shapes);
          if (shape !== undefined) parent!.rememberPackedKey(keyLength, low, high);
        }
      } else {
        key = this.readKey();
        if (key === undefined) return this.fail();
        if (key === '__proto__') key = '__proto_';
        shape = shape?.child(key, this.shapes);
      }
      keys[i] = key;
      // The commonest values inline (positive fixint, uint32, bin8); everything else through read().
      p = this.position;
      const token = p < end ? source[p]! : 0xc1;
      if (token < 0x80) {
        this.position = p + 1;
        values[i] = token;
      } else if (token === 0xce && p + 5 <= end) {
        this.position = p + 5;
        values[i] = ((source[p + 1]! << 24) | (source[p + 2]! << 16) | (source[p + 3]! << 8) | source[p + 4]!) >>> 0;
      } else if (token === 0xc4 && p + 2 <= end) {
        this.position = p + 2;
        values[i] = this.readBinary(source[p + 1]!);
      } else {
        values[i] = this.read(depth + 1);
      }
    }
    let object = this.failed ? undefined : shape?.create(values, this.shapes);
    if (object === undefined && !this.failed) {
      object = {};
      for (let i = 0; i < length; i++) object[keys[i]!] = values[i];
    }
    // Let go of the values (a large binary must not live on in a scratch array).
    for (let i = 0; i < length; i++) values[i] = undefined;
    return object;
  }

  private readMapKeyByKey(length: number, depth: number): Record<string, unknown> | undefined {
    const object: Record<string, unknown> = {};
    for (let i = 0; i < length; i++) {
      let key = this.readKey();
      if (key === undefined) return this.fail();
      if (key === '__proto__') key = '__proto_';
      object[key] = this.read(depth + 1);
    }
    return this.failed ? undefined : object;
  }

  /** A string key, interned through the key cache when short; undefined for any other key type. */
  private readKey(): string | undefined {
    if (!this.has(1)) return undefined;
    const source = this.source;
    const token = source[this.position]!;
    if (token >= 0xa0 && token < 0xc0) {
      const length = token - 0xa0;
      const start = this.position + 1;
      if (length > KEY_CACHE_MAX_BYTES || start + length > this.end) return this.readKeyUncached(token);
      if (length <= PACKED_KEY_MAX_BYTES) return this.readPackedKey(start, length);
      const slot = ((length << 5) ^ (length > 0 ? source[start]! << 4 : 0) ^ (length > 1 ? source[start + length - 1]! : 0)) & (KEY_CACHE_ENTRIES - 1);
      const cached = this.keyCache[slot];
      if (cached !== undefined && cached.bytes.length === length) {
        const bytes = cached.bytes;
        let same = true;
        for (let i = 0; i < length; i++) {
          if (bytes[i] !== source[start + i]) {
            same = false;
            break;
          }
        }
        if (same) {
          this.position = start + length;
          return cached.key;
        }
      }
      this.position = start;
      const key = this.readString(length);
      if (key === undefined) return undefined;
      const bytes = new Uint8Array(length);
      copyRange(source, start, start + length, bytes, 0);
      this.keyCache[slot] = { bytes, key };
      return key;
    }
    return this.readKeyUncached(token);
  }

  /**
   * A key of at most 8 bytes, looked up by its bytes packed into two integers: two integer
   * compares instead of a byte loop over a cached copy (the receiver's profile had key lookup at
   * a sixth of its time before this).
   */
  private readPackedKey(start: number, length: number): string | undefined {
    const source = this.source;
    let low = 0;
    let high = 0;
    for (let i = 0; i < length; i++) {
      if (i < 4) low |= source[start + i]! << (i << 3);
      else high |= source[start + i]! << ((i - 4) << 3);
    }
    return this.lookupPackedKey(start, length, low, high);
  }

  /** readPackedKey() with the bytes already packed. */
  private lookupPackedKey(start: number, length: number, low: number, high: number): string | undefined {
    const slot = (Math.imul(low ^ Math.imul(high, 0x9e3779b1) ^ length, 0x85ebca6b) >>> 20) & (KEY_CACHE_ENTRIES - 1);
    if (this.packedKeyLength[slot] === length && this.packedKeyLow[slot] === low && this.packedKeyHigh[slot] === high) {
      this.position = start + length;
      return this.packedKeyString[slot];
    }
    this.position = start;
    const key = this.readString(length);
    if (key === undefined) return undefined;
    this.packedKeyLength[slot] = length;
    this.packedKeyLow[slot] = low;
    this.packedKeyHigh[slot] = high;
    this.packedKeyString[slot] = key;
    return key;
  }

  private readKeyUncached(token: number): string | undefined {
    if (token < 0xa0 || (token >= 0xc0 && token !== 0xd9 && token !== 0xda && token !== 0xdb)) return undefined;
    const key = this.read(0);
    return typeof key === 'string' ? key : undefined;
  }
}

