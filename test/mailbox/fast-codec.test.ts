import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { FAST_DECODE_UNSUPPORTED, FAST_ENCODE_NO_ROOM, FAST_ENCODE_UNSUPPORTED, FastDecoder, FastEncoder } from 'synod/mailbox';
import { ALIGNED_COPY_MIN_BYTES } from '../../src/mailbox/copy-range.js';

// The reference: msgpackr configured as MessageCodec configures it.
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, copyBuffers: true });

function msgpackrBytes(value: unknown): Uint8Array {
  return Uint8Array.from(packr.pack(value));
}

/** Byte equality as one boolean (vitest compares typed arrays element by element: slow for 64 KiB). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(Buffer.compare(actual, expected) === 0 ? 'same' : `${Buffer.from(actual).toString('hex', 0, 64)} vs ${Buffer.from(expected).toString('hex', 0, 64)}`).toBe('same');
}

function fastBytes(value: unknown): Uint8Array {
  const target = new Uint8Array(1 << 20);
  const end = new FastEncoder().encode(value, target, 0, target.length);
  expect(end).toBeGreaterThanOrEqual(0);
  return target.slice(0, end);
}

/** Decodes from a SharedArrayBuffer-backed view at an odd offset, as from a ring slot. */
function fastDecodeFromShared(bytes: Uint8Array, decoder = new FastDecoder()): unknown {
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 11));
  shared.set(bytes, 7);
  return decoder.decode(shared, 7, 7 + bytes.length);
}

/**
 * `value` as msgpackr carries it. Its two losses on this subset: -0 is written as the integer 0,
 * and a string that is not well-formed UTF-16 (a lone surrogate) cannot be UTF-8, so it arrives
 * with replacement characters; for those strings only equality with msgpackr is required.
 */
function asCarried(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (typeof value === 'string') return value.isWellFormed() ? value : unpackr.unpack(packr.pack(value));
  if (Array.isArray(value)) return value.map(asCarried);
  if (value !== null && typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [asCarried(k) as string, asCarried(v)]));
  }
  return value;
}

// Edge integers around every msgpack integer width, and the doubles msgpackr writes as float64.
const edgeNumbers = [
  0, -0, 1, -1, 31, 32, -32, -33, 127, 128, 255, 256, -128, -129, 65535, 65536, -32768, -32769,
  2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53,
  0.5, -1.5, Math.PI, Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON, NaN, Infinity, -Infinity,
];
const number = fc.oneof(fc.constantFrom(...edgeNumbers), fc.integer(), fc.double(), fc.maxSafeInteger());

// Strings of every msgpack length class (fixstr < 32 bytes, str8 < 256, str16 < 65536) and both
// encoder paths (fewer or more than 64 UTF-16 units), from ASCII to astral planes and lone surrogates.
const unit = fc.constantFrom<'grapheme-ascii' | 'grapheme' | 'binary'>('grapheme-ascii', 'grapheme', 'binary');
// (Large values are rare, weight 1 in 40: comparing them dominates the run time.)
const string = fc.oneof(
  { arbitrary: unit.chain((u) => fc.string({ unit: u, maxLength: 40 })), weight: 24 },
  { arbitrary: unit.chain((u) => fc.string({ unit: u, minLength: 60, maxLength: 300 })), weight: 8 },
  {
    arbitrary: fc.constantFrom('', 'a', '\u00e9', '\u20ac', '\u{1F600}', '\ud800', '\udc00x', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(255), 'x'.repeat(256)),
    weight: 7,
  },
  { arbitrary: fc.constantFrom('y'.repeat(65535), 'y'.repeat(65536), '\u00e9'.repeat(40_000)), weight: 1 },
);

// bin8 and bin16 here; bin16's upper edge and bin32 in their own test (vitest compares byte arrays
// element by element, which would make 64 KiB binaries most of this file's run time).
const binary = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.constantFrom(0, 255, 256, 1000).map((n) => new Uint8Array(n).fill(n & 0xff)), weight: 1 },
);

const leaf = fc.oneof(number, string, fc.boolean(), fc.constant(null), fc.constant(undefined), binary);

// Keys exclude '__proto__' (fast-check would make it the prototype); it has its own test below.
const key = fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__');

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6, noNullPrototype: true }),
  ),
}));

describe('fast msgpack codec: parity with msgpackr', () => {
  it('writes exactly the bytes msgpackr writes', () => {
    fc.assert(
      fc.property(value, (v) => {
        expectSameBytes(fastBytes(v), msgpackrBytes(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes, from shared memory, exactly what msgpackr decodes, and that is the value sent', () => {
    const decoder = new FastDecoder(); // one decoder throughout, so its key cache and shapes are exercised
    fc.assert(
      fc.property(value, (v) => {
        const bytes = fastBytes(v);
        const reference = unpackr.unpack(bytes);
        const decoded = fastDecodeFromShared(bytes, decoder);
        expect(decoded).not.toBe(FAST_DECODE_UNSUPPORTED);
        expect(decoded).toStrictEqual(reference);
        expect(decoded).toStrictEqual(asCarried(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('builds objects of a recurring shape correctly before and after their shape is compiled', () => {
    const decoder = new FastDecoder();
    for (let i = 0; i < 50; i++) {
      const message = { k: i, s: 0x1_0000 + i, d: new Uint8Array([i, 1, 2]), nested: { a: [i], b: 'x' } };
      expect(fastDecodeFromShared(fastBytes(message), decoder)).toStrictEqual(message);
    }
    // Same keys, other order, and a prefix of the shape: each is its own shape.
    expect(fastDecodeFromShared(fastBytes({ s: 1, k: 2, d: null, nested: 0 }), decoder)).toStrictEqual({ s: 1, k: 2, d: null, nested: 0 });
    expect(fastDecodeFromShared(fastBytes({ k: 1 }), decoder)).toStrictEqual({ k: 1 });
  });

  it('decodes binary fields of every short and medium length as independent plain Uint8Arrays', () => {
    const decoder = new FastDecoder();
    for (let length = 0; length <= 80; length++) {
      const d = new Uint8Array(length).map((_, i) => (i * 7 + length) & 0xff);
      const bytes = fastBytes({ k: 1, d });
      const sources = [new Uint8Array(new SharedArrayBuffer(bytes.length + 5)), new Uint8Array(bytes.length + 5), Buffer.alloc(bytes.length + 5)];
      for (const source of sources) {
        source.set(bytes, 5);
        const decoded = decoder.decode(source, 5, 5 + bytes.length) as { k: number; d: Uint8Array };
        expect(decoded).toStrictEqual(unpackr.unpack(bytes));
        expect(decoded.d.constructor).toBe(Uint8Array);
        expect(decoded.d.buffer).toBeInstanceOf(ArrayBuffer);
        expect(decoded.d.byteOffset).toBe(0);
        expect(decoded.d.buffer.byteLength).toBe(length);
        source.fill(0xee); // the slot is reused: the decoded copy must not change
        expect(decoded.d).toStrictEqual(d);
      }
    }
  });

  it('copies a long binary out of shared memory to the same address modulo 8, at every offset, independent of the slot', () => {
    const decoder = new FastDecoder();
    for (const length of [ALIGNED_COPY_MIN_BYTES - 1, ALIGNED_COPY_MIN_BYTES, 70_000]) {
      const d = new Uint8Array(length).map((_, i) => (i * 13) & 0xff);
      const bytes = fastBytes({ k: 1, d });
      for (let at = 0; at < 8; at++) {
        const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 16), 8);
        const plain = new Uint8Array(bytes.length + 16);
        for (const source of [shared, plain]) {
          source.set(bytes, at);
          const decoded = decoder.decode(source, at, at + bytes.length) as { k: number; d: Uint8Array };
          expect(decoded).toStrictEqual(unpackr.unpack(bytes));
          expect(decoded.d.buffer).toBeInstanceOf(ArrayBuffer);
          // A buffer of its own (not a slice of a shared pool, as Buffer.allocUnsafe's small ones are).
          expect(decoded.d.buffer.byteLength).toBe(decoded.d.byteOffset + length);
          const fieldAt = source.byteOffset + at + bytes.length - length; // the field is the record's tail
          // Co-aligned out of shared memory from ALIGNED_COPY_MIN_BYTES on (a copy V8 makes word by word); at offset 0 otherwise.
          const aligned = source === shared && length >= ALIGNED_COPY_MIN_BYTES;
          expect(decoded.d.byteOffset).toBe(aligned ? fieldAt & 7 : 0);
          source.fill(0xee);
          expect(decoded.d).toStrictEqual(d);
        }
      }
    }
  });

  it('keeps shapes that share key prefixes apart, whichever was decoded last', () => {
    const decoder = new FastDecoder();
    const messages = [
      { k: 1, s: 2, d: 3 },
      { k: 1, s: 2, e: 3 },
      { k: 1, t: 2 },
      { k: 1, s: 2, d: 3, longerKey12: 4 },
      { k: 1, s: 2, dd: 3 },
      { 'k\u00e9': 1, s: 2 },
      { k: 1 },
    ];
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < messages.length; i++) {
        const message = messages[(i * (round + 1)) % messages.length]!;
        expect(fastDecodeFromShared(fastBytes(message), decoder)).toStrictEqual(message);
      }
    }
  });

  it("renames a '__proto__' key as msgpackr does, without touching the prototype", () => {
    const v = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    const bytes = fastBytes(v);
    expectSameBytes(bytes, msgpackrBytes(v));
    const decoded = fastDecodeFromShared(bytes) as Record<string, unknown>;
    expect(decoded).toStrictEqual(unpackr.unpack(bytes));
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(decoded['__proto_']).toEqual({ polluted: true });
  });

  it('writes and reads the largest str16 and bin16, and a str32 and a bin32', () => {
    const v = { s16: 'q'.repeat(65535), b16: new Uint8Array(65535).fill(6), s: 'q'.repeat(70_000), b: new Uint8Array(70_000).fill(7) };
    const bytes = fastBytes(v);
    expectSameBytes(bytes, msgpackrBytes(v));
    expect(fastDecodeFromShared(bytes)).toStrictEqual(v);
  });
});

describe('fast msgpack codec: limits and refusals', () => {
  it('says NO_ROOM, never writes past the limit, for any limit short of the encoding', () => {
    fc.assert(
      fc.property(value, fc.nat(), (v, cut) => {
        const full = fastBytes(v);
        const limit = full.length === 0 ? 0 : cut % full.length;
        const target = new Uint8Array(full.length + 16).fill(0xee);
        expect(new FastEncoder().encode(v, target, 0, limit)).toBe(FAST_ENCODE_NO_ROOM);
        expect(target.subarray(limit).every((byte) => byte === 0xee)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('measures exactly what it writes, and writes it into exactly that many bytes', () => {
    fc.assert(
      fc.property(value, fc.nat(64), (v, at) => {
        const encoder = new FastEncoder();
        const bytes = encoder.measure(v);
        expect(bytes).toBe(fastBytes(v).length);
        // The limit at the very end of the value: every room check must be exact there.
        const target = new Uint8Array(at + bytes + 16).fill(0xee);
        expect(encoder.encode(v, target, at, at + bytes)).toBe(at + bytes);
        expectSameBytes(target.subarray(at, at + bytes), msgpackrBytes(v));
        expect(target.subarray(at + bytes).every((byte) => byte === 0xee)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('measures at the size classes: lone surrogates, long strings, every header width', () => {
    const encoder = new FastEncoder();
    const cases: unknown[] = [
      '\ud800', 'a\udc00b', '\ud83d\ude00', 'x'.repeat(31), 'x'.repeat(32), 'é'.repeat(16), 'é'.repeat(200) + '\ud800',
      'y'.repeat(255), 'y'.repeat(256), 'z'.repeat(65_535), 'z'.repeat(65_536), new Uint8Array(255), new Uint8Array(256),
      new Uint8Array(65_535), new Uint8Array(65_536), Array.from({ length: 15 }, () => 1), Array.from({ length: 16 }, () => 1),
      Array.from({ length: 65_536 }, () => 0), -33, -129, -32_769, 2 ** 32, 0.5, undefined, null, true,
    ];
    for (const v of cases) expect(encoder.measure(v)).toBe(msgpackrBytes(v).length);
  });

  it('refuses to measure what only msgpackr encodes', () => {
    const encoder = new FastEncoder();
    for (const v of [new Map(), new Date(0), 10n, { ok: 1, bad: new Set() }, [1, new Int16Array(2)]]) expect(encoder.measure(v)).toBe(FAST_ENCODE_UNSUPPORTED);
  });

  it('refuses what only msgpackr encodes', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    const unsupported = [
      new Map([[1, 2]]),
      new Set([1]),
      new Date(0),
      10n,
      new Int16Array([1, 2]),
      new Float64Array([1.5]),
      new ArrayBuffer(4),
      new Point(1),
      Object.create(null) as object,
      () => 1,
      Symbol('s'),
      { ok: 1, bad: new Map() },
      [1, 2, new Date(0)],
      deep,
    ];
    for (const v of unsupported) expect(new FastEncoder().encode(v, new Uint8Array(1024), 0, 1024)).toBe(FAST_ENCODE_UNSUPPORTED);
  });

  it('refuses what it does not decode, and every malformed record', () => {
    const decoder = new FastDecoder();
    const refused = [
      msgpackrBytes(new Date(0)), // timestamp extension
      msgpackrBytes(10n), // int64
      Uint8Array.of(0xca, 0x3f, 0xc0, 0x00, 0x00), // float32
      Uint8Array.of(0xcf, 0, 0, 0, 0, 0, 0, 0, 1), // uint64
      Uint8Array.of(0x81, 0x01, 0x02), // map with an integer key
      Uint8Array.of(0xc1), // never used
      Uint8Array.of(0x92, 0x01), // array short of an element
      Uint8Array.of(0xa5, 0x61), // string short of its bytes
      Uint8Array.of(0x01, 0x02), // a value and a stray byte
      Uint8Array.of(), // nothing
    ];
    for (const bytes of refused) expect(fastDecodeFromShared(bytes, decoder)).toBe(FAST_DECODE_UNSUPPORTED);
  });
});
