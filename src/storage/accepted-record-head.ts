// The head of an acceptor's ACCEPTED record, written by hand so that the slot's value goes from
// the message into the store in one copy (RecordStore.append(head, value)) instead of being
// packed by msgpackr first and copied again. The bytes are the msgpack of
// [ACCEPTED, slot, ballot, <bin header>] with the value as the bin's body: any msgpack decoder
// reads the record (replay uses msgpackr), so the format on disk is unchanged.

/** The largest head: fixarray, fixint tag, two float64s and a bin32 header. */
export const ACCEPTED_RECORD_HEAD_BYTES_MAX = 1 + 1 + 9 + 9 + 5;

const MSGPACK_FIXARRAY_4 = 0x94;
const MSGPACK_UINT8 = 0xcc;
const MSGPACK_UINT16 = 0xcd;
const MSGPACK_UINT32 = 0xce;
const MSGPACK_FLOAT64 = 0xcb;
const MSGPACK_BIN8 = 0xc4;
const MSGPACK_BIN16 = 0xc5;
const MSGPACK_BIN32 = 0xc6;
const UINT32_MAX = 0xffff_ffff;

const scratch = new Uint8Array(ACCEPTED_RECORD_HEAD_BYTES_MAX);
const view = new DataView(scratch.buffer);
/** scratch[0, n) for every head length n, made once: a view per record was garbage on every acceptance. */
const headViews = Array.from({ length: ACCEPTED_RECORD_HEAD_BYTES_MAX + 1 }, (_, n) => scratch.subarray(0, n));

/**
 * The head of the record [tag, slot, ballot, value] for a value of `valueBytes` bytes: a view of
 * a buffer the next call overwrites (RecordStore.append copies it at once). `tag` is a positive
 * fixint (below 128); slot and ballot are non-negative safe integers the caller checked; above
 * 2^32 they are float64s, exact for safe integers, as msgpackr writes them.
 */
export function acceptedRecordHead(tag: number, slot: number, ballot: number, valueBytes: number): Uint8Array {
  scratch[0] = MSGPACK_FIXARRAY_4;
  scratch[1] = tag;
  let at = writeUnsigned(2, slot);
  at = writeUnsigned(at, ballot);
  if (valueBytes <= 0xff) {
    scratch[at] = MSGPACK_BIN8;
    scratch[at + 1] = valueBytes;
    at += 2;
  } else if (valueBytes <= 0xffff) {
    scratch[at] = MSGPACK_BIN16;
    view.setUint16(at + 1, valueBytes);
    at += 3;
  } else {
    scratch[at] = MSGPACK_BIN32;
    view.setUint32(at + 1, valueBytes);
    at += 5;
  }
  return headViews[at]!;
}

/** msgpack's shortest form of a non-negative integer (big-endian, as msgpack is). */
function writeUnsigned(at: number, value: number): number {
  if (value < 0x80) {
    scratch[at] = value;
    return at + 1;
  }
  if (value <= 0xff) {
    scratch[at] = MSGPACK_UINT8;
    scratch[at + 1] = value;
    return at + 2;
  }
  if (value <= 0xffff) {
    scratch[at] = MSGPACK_UINT16;
    view.setUint16(at + 1, value);
    return at + 3;
  }
  if (value <= UINT32_MAX) {
    scratch[at] = MSGPACK_UINT32;
    view.setUint32(at + 1, value);
    return at + 5;
  }
  scratch[at] = MSGPACK_FLOAT64;
  view.setFloat64(at + 1, value);
  return at + 9;
}
