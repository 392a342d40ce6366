import { SynodErrorCode, withCode } from '../error-codes.js';
import { checkFramePayloadBytes, type FrameVisitor } from './frame.js';

/**
 * A record for RecordStore.rewrite(): its payload, or the payload as a head and the bytes after
 * it, written one after the other (the head a writer made, the tail bytes it holds already, such
 * as a value in the store being rewritten: not first copied together).
 */
export type RewriteRecord = Uint8Array | readonly [head: Uint8Array, tail: Uint8Array];

const NO_TAIL = new Uint8Array(0);

/** A RewriteRecord's head and tail (an empty tail for a record in one part). */
export function headOf(record: RewriteRecord): Uint8Array {
  return record instanceof Uint8Array ? record : record[0];
}

export function tailOf(record: RewriteRecord): Uint8Array {
  return record instanceof Uint8Array ? NO_TAIL : record[1];
}

/**
 * An append-only store of opaque records that survives the failure it is built for: a file
 * survives the process; shared memory survives the worker thread (the process is the failure
 * domain of the in-memory mode).
 *
 * Appends are buffered; `sync()` is the durability point: once it returns, every record
 * appended before it will be there after a crash. Callers persist before they reply: append,
 * sync, then send (a learner, whose entries a majority of acceptors synced before it heard of
 * them, replies after flush() and syncs before it lets acceptors drop them: learner-node.ts).
 */
export interface RecordStore {
  /**
   * The records found at open, oldest first, as copies. Materialised on first use (a learner's
   * log never asks, and reads its records through forEachRecord instead); readable only before
   * the first rewrite(), which replaces them.
   */
  readonly recovered: readonly Uint8Array[];
  /** How many records were found at open (recovered.length, without materialising them). */
  readonly recoveredCount: number;
  /**
   * Visits every record now in the store, oldest first, appended ones included (synced or not).
   * The payload is a view valid only during the call; payloadOffset is its store offset (see read).
   */
  forEachRecord(visit: FrameVisitor): void;
  /**
   * Appends a copy of `payload`, followed by `tail` if given, as one record (buffered until
   * sync()); returns the store offset of its first byte. The two parts let a caller write a header
   * of its own before bytes it does not own without copying them together first.
   */
  append(payload: Uint8Array, tail?: Uint8Array): number;
  /**
   * As append(payload, tail), but the store may keep `tail` where it lies and write it from there
   * at its next flush, sync, rewrite or close, instead of copying it now: the caller must not
   * change it before then. Absent: callers append() (a store in memory copies once anyway).
   */
  appendKeeping?(payload: Uint8Array, tail: Uint8Array): number;
  /**
   * A store in shared memory: the address modulo 8 (the offset from an 8-aligned base) where the
   * next record's payload will start, so a writer can place its bytes where V8 copies them word by
   * word. Absent for a store that writes through a private buffer.
   */
  sharedPayloadAddress?(): number;
  /**
   * A store in memory: makes the memory its next records will fill resident now, up to
   * `aheadBytes` past its end and at most `budgetBytes` per call, so the kernel's page faults (it
   * zeroes each fresh page) are paid in an idle moment rather than inside the next append. Returns
   * whether it touched anything. Absent where the kernel's page cache holds the records (a file).
   */
  prefault?(aheadBytes: number, budgetBytes: number): boolean;
  /**
   * Room for one record of at most `payloadBytesMax` bytes, written in place: returns the offset
   * in `reservedTarget` where its payload goes. Write the payload there, then appendReserved()
   * makes it a record. A record written in place is not copied again (a learner's batch of large
   * entries). Nothing else may be appended between the two; a reservation not appended is
   * forgotten by the next append or reserve.
   */
  reserve(payloadBytesMax: number): number;
  /** Where reserve()'s payload goes: valid until the next append, reserve or rewrite. */
  readonly reservedTarget: Uint8Array;
  /** Appends the record of `payloadBytes` (at most the reserved bytes) written in place; returns its store offset, as append() does. */
  appendReserved(payloadBytes: number): number;
  /**
   * A copy of the `length` store bytes at `offset` (a payload offset from append, forEachRecord
   * or rewrite, plus a position inside that payload). Appended records are readable at once,
   * before sync(). RangeError outside [0, sizeBytes].
   */
  read(offset: number, length: number): Uint8Array;
  /**
   * A store in shared memory: a view (no copy) of the `length` store bytes at `offset`, as read()
   * would copy them. Valid until the next rewrite(), which moves every record: a holder of views
   * takes new ones from rewrite()'s `placed`. Absent for a store whose bytes are not in memory.
   */
  payloadView?(offset: number, length: number): Uint8Array;
  /**
   * Writes what was appended where a crash of this process keeps it (a file: the kernel's page
   * cache), without sync()'s promise across a crash of the machine. A disk that refuses the write
   * (full) throws here as sync() would, and the next flush or sync writes the same bytes again.
   * Absent where nothing lies between an append and sync() (shared memory, whose sync() is one
   * atomic store): callers then sync().
   */
  flush?(): void;
  sync(): void;
  /**
   * A commit point that does not wait (a file whose fdatasync runs on a helper thread): writes
   * what was appended, makes sure a sync toward it runs, and returns the mark that sync must reach
   * before anything depending on these writes may leave. With `syncHere`, the sync runs on the
   * caller's thread before it returns (for a caller that has nothing to do meanwhile). Absent:
   * callers sync().
   */
  startSync?(syncHere?: boolean): number;
  /** With startSync(): how far the syncs that returned reach (throws a failed sync's disk error, once). */
  syncedMark?(): number;
  /**
   * Atomically replaces the whole content with `payloads` (compaction): a crash leaves either
   * the old or the new content. Consumed one payload at a time, so each one need only be valid
   * until the next is pulled, and the iterator may read() the old content while it runs.
   * `placed(payloadOffset)` is told where each payload landed, before the next one is pulled.
   * Durable when it returns; a crash before then leaves the old content.
   */
  rewrite(payloads: Iterable<RewriteRecord>, placed?: (payloadOffset: number) => void): void;
  /** Bytes the store occupies now (for deciding when to compact). */
  readonly sizeBytes: number;
  close(): void;
}

/** A store's reservedBytes when no reserve() is open. */
export const NOTHING_RESERVED = -1;

/**
 * Every store's append(), in terms of its reserve(): room for the record, its bytes written in
 * place, then its frame. One way to write a record, whether the caller had it whole or built it in
 * place. A record over the frame limit is refused before any room is taken.
 */
export function appendByReserving(store: RecordStore, payload: Uint8Array, tail?: Uint8Array): number {
  const payloadBytes = payload.byteLength + (tail?.byteLength ?? 0);
  checkFramePayloadBytes(payloadBytes);
  const at = store.reserve(payloadBytes);
  const target = store.reservedTarget;
  target.set(payload, at);
  if (tail !== undefined && tail.byteLength > 0) target.set(tail, at + payload.byteLength);
  return store.appendReserved(payloadBytes);
}

/** The check every store makes in appendReserved(). */
export function checkReserved(payloadBytes: number, reservedBytes: number): void {
  if (!Number.isSafeInteger(payloadBytes) || payloadBytes < 0 || payloadBytes > reservedBytes) {
    throw new RangeError(`a record written in place must take 0 to the ${reservedBytes} bytes reserved, got ${String(payloadBytes)}`);
  }
}

export type FsyncMode = 'always' | 'batch' | 'never';
export const FSYNC_MODES: readonly FsyncMode[] = ['always', 'batch', 'never'];

/** A record log that is damaged in the middle: data would be lost by reading past it, so we refuse. */
export class CorruptLogError extends Error {
  readonly code = SynodErrorCode.CorruptLog;
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(withCode(`corrupt record in ${file} at byte offset ${offset}: ${reason}`, SynodErrorCode.CorruptLog));
    this.name = 'CorruptLogError';
  }
}

/** Throws RangeError unless [offset, offset + length) lies within a store of `sizeBytes` bytes. */
export function checkReadRange(offset: number, length: number, sizeBytes: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > sizeBytes) {
    throw new RangeError(`read of ${length} bytes at offset ${offset} is outside the store's ${sizeBytes} bytes`);
  }
}
