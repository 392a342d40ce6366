// The head of an acceptor's ACCEPTED record, written by hand so that the slot's value goes from
// the message into the store in one copy (RecordStore.append(head, value)) instead of being
// packed by msgpackr first and copied again. The bytes are the msgpack of
// [ACCEPTED, slot, ballot, <bin header>] with the value as the bin's body: any msgpack decoder
// reads the record (replay uses msgpackr), so the format on disk is unchanged.

/** The largest head: fixarray, fixint tag, two float64s and a bin32 header. */
export const ACCEPTED_RECORD_HEAD_BYTES_MAX = 1 + 1 + 9 + 9 + 5;
/**
 * The largest head acceptedRecordHeadOfLength writes: array16, and a tag, slot and ballot each as
 * a float64 at most, and a bin32 header.
 */
export const ACCEPTED_RECORD_HEAD_PADDED_BYTES_MAX = 3 + 9 + 9 + 9 + 5;

const MSGPACK_FIXARRAY_4 = 0x94;
const MSGPACK_ARRAY16 = 0xdc;
const MSGPACK_UINT8 = 0xcc;
const MSGPACK_UINT16 = 0xcd;
const MSGPACK_UINT32 = 0xce;
const MSGPACK_FLOAT64 = 0xcb;
const MSGPACK_BIN8 = 0xc4;
const MSGPACK_BIN16 = 0xc5;
const MSGPACK_BIN32 = 0xc6;
const UINT32_MAX = 0xffff_ffff;
/** Encoded widths of a non-negative integer, shortest first: fixint, uint8, uint16, uint32, float64. */
const UNSIGNED_WIDTHS = [1, 2, 3, 5, 9] as const;
/** Encoded widths of the 4-element array header: fixarray, array16. */
const ARRAY_HEADER_WIDTHS = [1, 3] as const;

const scratch = new Uint8Array(ACCEPTED_RECORD_HEAD_PADDED_BYTES_MAX);
const view = new DataView(scratch.buffer);
/** scratch[0, n) for every head length n, made once: a view per record was garbage on every acceptance. */
const headViews = Array.from({ length: ACCEPTED_RECORD_HEAD_PADDED_BYTES_MAX + 1 }, (_, n) => scratch.subarray(0, n));

/**
 * The head of the record [tag, slot, ballot, value] for a value of `valueBytes` bytes: a view of
 * a buffer the next call overwrites (RecordStore.append copies it at once). `tag` is a positive
 * fixint (below 128); slot and ballot are non-negative safe integers the caller checked; above
 * 2^32 they are float64s, exact for safe integers, as msgpackr writes them.
 */
export function acceptedRecordHead(tag: number, slot: number, ballot: number, valueBytes: number): Uint8Array {
  return writeHead(1, tag, 0, slot, widthIndex(slot), ballot, widthIndex(ballot), valueBytes);
}

/**
 * The same record's head, written in wider (still valid msgpack) forms so that its length is
 * `lengthMod8` modulo 8: a shared store puts the value right after it at an address aligned like
 * the value's own, which V8 copies word by word, where a misaligned copy out of or into shared
 * memory goes byte by byte (about 7x slower; see FastDecoder's copyCoAligned). msgpackr, and so
 * replay, reads every form the same. Widened, in this order of search: the array header (fixarray
 * or array16), the tag, the slot and the ballot (each in any of its forms from the shortest to a
 * float64, exact for safe integers); the bin header stays the shortest. Undefined if no mix of
 * forms gives that length (a slot and a ballot both past 2^32 leave two lengths out of eight).
 */
export function acceptedRecordHeadOfLength(tag: number, slot: number, ballot: number, valueBytes: number, lengthMod8: number): Uint8Array | undefined {
  const binBytes = binHeaderBytes(valueBytes);
  const slotMin = widthIndex(slot);
  const ballotMin = widthIndex(ballot);
  for (const arrayBytes of ARRAY_HEADER_WIDTHS) {
    for (let t = widthIndex(tag); t < UNSIGNED_WIDTHS.length; t++) {
      for (let s = slotMin; s < UNSIGNED_WIDTHS.length; s++) {
        for (let b = ballotMin; b < UNSIGNED_WIDTHS.length; b++) {
          const length = arrayBytes + UNSIGNED_WIDTHS[t]! + UNSIGNED_WIDTHS[s]! + UNSIGNED_WIDTHS[b]! + binBytes;
          if ((length & 7) === lengthMod8) return writeHead(arrayBytes, tag, t, slot, s, ballot, b, valueBytes);
        }
      }
    }
  }
  return undefined;
}

/** Writes the head with the array header of `arrayBytes` and each integer in form UNSIGNED_WIDTHS[index]; the bin header is the shortest. */
function writeHead(arrayBytes: number, tag: number, tagForm: number, slot: number, slotForm: number, ballot: number, ballotForm: number, valueBytes: number): Uint8Array {
  let at = 0;
  if (arrayBytes === 1) scratch[at++] = MSGPACK_FIXARRAY_4;
  else {
    scratch[at] = MSGPACK_ARRAY16;
    view.setUint16(at + 1, 4);
    at += 3;
  }
  at = writeUnsignedAs(at, tag, tagForm);
  at = writeUnsignedAs(at, slot, slotForm);
  at = writeUnsignedAs(at, ballot, ballotForm);
  if (valueBytes <= 0xff) {
    scratch[at] = MSGPACK_BIN8;
    scratch[at + 1] = valueBytes;
  } else if (valueBytes <= 0xffff) {
    scratch[at] = MSGPACK_BIN16;
    view.setUint16(at + 1, valueBytes);
  } else {
    scratch[at] = MSGPACK_BIN32;
    view.setUint32(at + 1, valueBytes);
  }
  return headViews[at + binHeaderBytes(valueBytes)]!;
}

function binHeaderBytes(valueBytes: number): number {
  return valueBytes <= 0xff ? 2 : valueBytes <= 0xffff ? 3 : 5;
}

/** The index in UNSIGNED_WIDTHS of the shortest form of `value` (msgpack's, and msgpackr's, choice). */
function widthIndex(value: number): number {
  return value < 0x80 ? 0 : value <= 0xff ? 1 : value <= 0xffff ? 2 : value <= UINT32_MAX ? 3 : 4;
}

/** `value` in the form UNSIGNED_WIDTHS[index] (at least its shortest), big-endian as msgpack is. */
function writeUnsignedAs(at: number, value: number, index: number): number {
  switch (index) {
    case 0:
      scratch[at] = value;
      return at + 1;
    case 1:
      scratch[at] = MSGPACK_UINT8;
      scratch[at + 1] = value;
      return at + 2;
    case 2:
      scratch[at] = MSGPACK_UINT16;
      view.setUint16(at + 1, value);
      return at + 3;
    case 3:
      scratch[at] = MSGPACK_UINT32;
      view.setUint32(at + 1, value);
      return at + 5;
    default:
      scratch[at] = MSGPACK_FLOAT64;
      view.setFloat64(at + 1, value);
      return at + 9;
  }
}
