// The records of a learner's log (see learner-log.ts), written and read here only.
//
// Every record starts with a kind byte, then unsigned LEB128 varints (varint.ts) and raw data:
//
//   BATCH    0x01 nextSlot firstLogIndex { clientId seq count dataBytes data }*
//            one batch of deliveries and the learner's nextSlot after it (what record() writes)
//   START    0x02 firstIndex nextSlot
//            the log starts at firstIndex (everything below was trimmed); first record only
//   SESSIONS 0x03 { clientId seq logIndex }*
//            client sessions as of the trim that wrote them (replace what is known of those clients)
//   ENTRIES  0x04 firstLogIndex { count dataBytes data }*
//            entries kept by a trim: data only, their sessions are in the SESSIONS records
//
// The lists run to the end of the record. count is the log indexes a command takes: 1 for an
// ordinary entry, k for a reservation of k consecutive indexes, of which the k - 1 after the
// first read as empty (a trim also folds runs of empty entries into the entry before them).
// A data field is the entry's bytes as they are: the log's offset index points into records,
// and reads copy the bytes straight out of the store.
//
// A trim rewrites the store as START, SESSIONS..., ENTRIES...; batches recorded after it follow.
//
// The LEGACY format, written before this one and still replayed: one msgpack array per batch,
//   [nextSlot, firstLogIndex, clientId, seq, data, count, clientId, seq, data, count, ...]
// msgpack arrays start with a byte in 0x90-0x9f (fixarray), 0xdc or 0xdd (array 16/32), which
// no kind above uses, so one store may hold both (an old log that went on under new code).

import { ALIGNED_COPY_MIN_BYTES, copyRange, isSharedBytes } from '../mailbox/copy-range.js';
import { decodeRecord, integerField } from './record-codec.js';
import { VARINT_BYTES_MAX, VarintReader, varintBytes, writeVarint, writeVarintOfLength } from './varint.js';

const BATCH = 0x01;
const START = 0x02;
const SESSIONS = 0x03;
const ENTRIES = 0x04;

/** Bytes of a record head at most: the kind and two varints. */
const HEAD_BYTES_MAX = 1 + 2 * VARINT_BYTES_MAX;
/** Bytes of a command's varints at most (clientId, seq, count, dataBytes). */
const COMMAND_HEAD_BYTES_MAX = 4 * VARINT_BYTES_MAX;
const SESSION_BYTES_MAX = 3 * VARINT_BYTES_MAX;

const WRITER_BYTES_INITIAL = 64 * 1024;

const LEGACY_HEAD_FIELDS = 2;
const LEGACY_COMMAND_FIELDS = 4;

/** Upper bound of the bytes a BATCH of `commands` commands with `dataBytes` of data in all takes. */
export function batchBytesMax(commands: number, dataBytes: number): number {
  return HEAD_BYTES_MAX + commands * COMMAND_HEAD_BYTES_MAX + dataBytes;
}

/** Upper bound for an ENTRIES record of `entries` entries with `dataBytes` of data in all. */
export const entriesBytesMax = batchBytesMax;

/** Upper bound for a SESSIONS record of `sessions` sessions. */
export function sessionsBytesMax(sessions: number): number {
  return 1 + sessions * SESSION_BYTES_MAX;
}

/**
 * Builds one record at a time, in a reusable buffer of its own (a record is copied by
 * RecordStore.append, so the next one can overwrite it) or, for a BATCH, in place in a store
 * (batchInto: RecordStore.reserve, then appendReserved(payloadBytes)). Begin a record with
 * batchInto/start/sessions/entries, sized by the bounds above, add its items, then take
 * payload() or payloadBytes. Positions returned are offsets of the data inside the payload.
 */
export class LearnerRecordWriter {
  private own = new Uint8Array(WRITER_BYTES_INITIAL);
  /** Where the record is written: `own`, or a store's reserved room. */
  private bytes: Uint8Array = this.own;
  /** Where the record's payload starts in `bytes`. */
  private base = 0;
  private at = 0;

  /** Lets a buffer grown for a large record go (after a trim's 1 MiB records, say). */
  shrink(): void {
    if (this.own.byteLength > WRITER_BYTES_INITIAL) this.bytes = this.own = new Uint8Array(WRITER_BYTES_INITIAL);
  }

  /**
   * A BATCH written straight into `target` from `payloadAt` (room a store reserved for at most
   * batchBytesMax(...) bytes): a large entry's bytes are then copied once, from the slot's value
   * into the store, not into this writer and again into the store.
   */
  batchInto(target: Uint8Array, payloadAt: number, nextSlot: number, firstLogIndex: number): void {
    this.bytes = target;
    this.base = payloadAt;
    this.bytes[payloadAt] = BATCH;
    this.at = writeVarint(this.bytes, payloadAt + 1, nextSlot);
    this.at = writeVarint(this.bytes, this.at, firstLogIndex);
  }

  /** A command of a BATCH, its data source[dataAt, dataAt + dataBytes); returns where its data lands in the payload. */
  command(clientId: number, seq: number, count: number, source: Uint8Array, dataAt: number, dataBytes: number): number {
    this.at = writeVarint(this.bytes, this.at, clientId);
    this.at = writeVarint(this.bytes, this.at, seq);
    return this.entry(count, source, dataAt, dataBytes);
  }

  start(firstIndex: number, nextSlot: number): void {
    this.begin(START, HEAD_BYTES_MAX);
    this.at = writeVarint(this.bytes, this.at, firstIndex);
    this.at = writeVarint(this.bytes, this.at, nextSlot);
  }

  sessions(bytesMax: number): void {
    this.begin(SESSIONS, bytesMax);
  }

  session(clientId: number, seq: number, logIndex: number): void {
    this.at = writeVarint(this.bytes, this.at, clientId);
    this.at = writeVarint(this.bytes, this.at, seq);
    this.at = writeVarint(this.bytes, this.at, logIndex);
  }

  entries(firstLogIndex: number, bytesMax: number): void {
    this.begin(ENTRIES, bytesMax);
    this.at = writeVarint(this.bytes, this.at, firstLogIndex);
  }

  /** An entry of an ENTRIES record, its data source[dataAt, dataAt + dataBytes); returns where its data lands in the payload. */
  entry(count: number, source: Uint8Array, dataAt: number, dataBytes: number): number {
    // Either end in shared memory (a store in memory; a value the learner keeps in its sender's
    // slab, written into a file store's buffer): co-aligned, or the copy goes through a bounce.
    if (dataBytes >= ALIGNED_COPY_MIN_BYTES && (isSharedBytes(this.bytes) || isSharedBytes(source))) {
      this.at = this.coAlignedLengths(count, source, dataAt, dataBytes);
    } else {
      this.at = writeVarint(this.bytes, this.at, count);
      this.at = writeVarint(this.bytes, this.at, dataBytes);
    }
    const dataStart = this.at;
    // A range of a slot's value or of a store read: copied without making a view of it.
    copyRange(source, dataAt, dataAt + dataBytes, this.bytes, dataStart);
    this.at = dataStart + dataBytes;
    return dataStart - this.base;
  }

  /**
   * count and dataBytes written with as many extra varint bytes (0-7, spread over the two) as put
   * the data at an address aligned like source[dataAt] modulo 8: V8 copies into or out of shared
   * memory word by word only between alike-aligned addresses, byte by byte (about 7x slower) otherwise. A
   * varint padded with 0x80 bytes reads as the same number (VarintReader).
   */
  private coAlignedLengths(count: number, source: Uint8Array, dataAt: number, dataBytes: number): number {
    const countBytes = varintBytes(count);
    const lengthBytes = varintBytes(dataBytes);
    const dataAddress = this.bytes.byteOffset + this.at + countBytes + lengthBytes;
    let extra = (source.byteOffset + dataAt - dataAddress) & 7;
    const countExtra = Math.min(extra, VARINT_BYTES_MAX - countBytes);
    extra -= countExtra;
    const lengthExtra = Math.min(extra, VARINT_BYTES_MAX - lengthBytes);
    const at = writeVarintOfLength(this.bytes, this.at, count, countBytes + countExtra);
    return writeVarintOfLength(this.bytes, at, dataBytes, lengthBytes + lengthExtra);
  }

  /** The record built so far: a view of the buffer, valid until the next record begins. */
  payload(): Uint8Array {
    return this.bytes.subarray(this.base, this.at);
  }

  /** Bytes of the record built so far. */
  get payloadBytes(): number {
    return this.at - this.base;
  }

  private begin(kind: number, bytesMax: number): void {
    if (bytesMax > this.own.byteLength) this.own = new Uint8Array(Math.max(bytesMax, 2 * this.own.byteLength));
    this.bytes = this.own;
    this.base = 0;
    this.bytes[0] = kind;
    this.at = 1;
  }
}

/** What replaying records tells the log, in record order. dataAt is an offset in the payload. */
export interface LearnerRecordSink {
  /** A BATCH (or legacy record) begins; its commands follow. */
  batch(nextSlot: number, firstLogIndex: number): void;
  command(clientId: number, seq: number, count: number, dataAt: number, dataBytes: number): void;
  start(firstIndex: number, nextSlot: number): void;
  session(clientId: number, seq: number, logIndex: number): void;
  /** An ENTRIES record begins; its entries follow. */
  entries(firstLogIndex: number): void;
  entry(count: number, dataAt: number, dataBytes: number): void;
}

/** Decodes one record (either format) into `sink`; `what` names the record in errors. */
export function readLearnerRecord(payload: Uint8Array, sink: LearnerRecordSink, what: string): void {
  if (payload.byteLength === 0) throw new Error(`${what}: empty record`);
  const kind = payload[0]!;
  if (isMsgpackArray(kind)) return readLegacyRecord(payload, sink, what);
  const reader = new VarintReader(payload, 1, payload.byteLength, what);
  switch (kind) {
    case BATCH:
      sink.batch(reader.varint(), reader.varint());
      // Inline, no callback per command: a restarted learner replays millions of them.
      while (!reader.done) {
        const clientId = reader.varint();
        const seq = reader.varint();
        const count = readCount(reader, what);
        const dataBytes = reader.varint();
        const dataAt = reader.at;
        reader.skip(dataBytes);
        sink.command(clientId, seq, count, dataAt, dataBytes);
      }
      return;
    case START:
      sink.start(reader.varint(), reader.varint());
      if (!reader.done) throw new Error(`${what}: ${payload.byteLength - reader.at} bytes after the end of a START record`);
      return;
    case SESSIONS:
      while (!reader.done) sink.session(reader.varint(), reader.varint(), reader.varint());
      return;
    case ENTRIES:
      sink.entries(reader.varint());
      while (!reader.done) {
        const count = readCount(reader, what);
        const dataBytes = reader.varint();
        const dataAt = reader.at;
        reader.skip(dataBytes);
        sink.entry(count, dataAt, dataBytes);
      }
      return;
    default:
      throw new Error(`${what}: unknown record kind 0x${kind.toString(16)}`);
  }
}

/** A command's count of log indexes: at least one. */
function readCount(reader: VarintReader, what: string): number {
  const count = reader.varint();
  if (count < 1) throw new Error(`${what}: command count ${count} is not positive`);
  return count;
}

function isMsgpackArray(byte: number): boolean {
  return (byte >= 0x90 && byte <= 0x9f) || byte === 0xdc || byte === 0xdd;
}

/** A legacy msgpack batch: its binary fields decode as views into `payload`, which locate the data. */
function readLegacyRecord(payload: Uint8Array, sink: LearnerRecordSink, what: string): void {
  const fields = decodeRecord(payload, what);
  if (fields.length < LEGACY_HEAD_FIELDS || (fields.length - LEGACY_HEAD_FIELDS) % LEGACY_COMMAND_FIELDS !== 0) {
    throw new Error(`${what}: has ${fields.length} fields, not 2 + 4 per command`);
  }
  sink.batch(integerField(fields, 0, what), integerField(fields, 1, what));
  /** End of the last data in the payload: where an empty one is said to be, keeping positions in order. */
  let dataEnd = 0;
  for (let at = LEGACY_HEAD_FIELDS; at < fields.length; at += LEGACY_COMMAND_FIELDS) {
    const count = integerField(fields, at + 3, what);
    if (count < 1) throw new Error(`${what}: command count ${count} is not positive`);
    const data = fields[at + 2];
    if (!(data instanceof Uint8Array)) throw new Error(`${what}: field ${at + 2} must be binary, got ${typeof data}`);
    let dataAt = dataEnd;
    if (data.byteLength > 0) {
      dataAt = data.byteOffset - payload.byteOffset;
      // The index points into the store, so the data must be a view of this very record.
      if (data.buffer !== payload.buffer || dataAt < dataEnd || dataAt + data.byteLength > payload.byteLength) {
        throw new Error(`${what}: field ${at + 2} did not decode as a view into the record`);
      }
      dataEnd = dataAt + data.byteLength;
    }
    sink.command(integerField(fields, at, what), integerField(fields, at + 1, what), count, dataAt, data.byteLength);
  }
}
