import { Packr, Unpackr, REUSE_BUFFER_MODE, RESET_BUFFER_MODE } from 'msgpackr';

// msgpack for the payloads of acceptor records, and of learner records in their legacy format
// (learner-record.ts writes its own binary format now, and reads these). Records are flat arrays (a kind tag
// or header numbers, then fields), never maps: no key strings on disk, and no msgpackr record
// extension (`useRecords: false`), whose shape numbering lives in one Packr's memory and would
// not survive a restart. Ballots and slots above 2^32 are written as float64, which is exact for
// safe integers and decodes back to a number.
const packr = new Packr({ useRecords: false });
// No copyBuffers: binary fields decode as views into the record, so command data shares memory
// with the record the store recovered instead of doubling it, and a legacy learner record's data
// can be located inside the store by its view's offset (learner-record.ts relies on this).
const unpackr = new Unpackr({ useRecords: false });

type ReusedBuffer = Buffer & { start: number; end: number };

/**
 * Encodes `fields` into msgpackr's scratch buffer, which every Packr in this thread shares (the
 * mailbox codec's too): the result is valid only until the next pack anywhere in the thread, which
 * suits RecordStore.append (it copies the payload before returning).
 */
export function encodeRecord(fields: readonly unknown[]): Uint8Array {
  const buffer = packr.pack(fields, REUSE_BUFFER_MODE | RESET_BUFFER_MODE) as ReusedBuffer;
  return buffer.subarray(buffer.start, buffer.end);
}

/** Decodes one record into its field array; `what` names the record in errors. */
export function decodeRecord(payload: Uint8Array, what: string): unknown[] {
  let fields: unknown;
  try {
    fields = unpackr.unpack(payload);
  } catch (error) {
    throw new Error(`${what}: not a valid msgpack record (${(error as Error).message})`);
  }
  if (!Array.isArray(fields)) throw new Error(`${what}: expected an array record, got ${typeof fields}`);
  return fields;
}

/** A field that must be a non-negative safe integer (a slot, ballot, index, client id or seq). */
export function integerField(fields: readonly unknown[], index: number, what: string): number {
  const value = fields[index];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${what}: field ${index} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

export function bytesField(fields: readonly unknown[], index: number, what: string): Uint8Array {
  const value = fields[index];
  if (!(value instanceof Uint8Array)) throw new Error(`${what}: field ${index} must be binary, got ${typeof value}`);
  return value;
}
