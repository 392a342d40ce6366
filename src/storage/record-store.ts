import { SynodErrorCode, withCode } from '../error-codes.js';
import type { FrameVisitor } from './frame.js';

/**
 * An append-only store of opaque records that survives the failure it is built for: a file
 * survives the process; shared memory survives the worker thread (the process is the failure
 * domain of the in-memory mode).
 *
 * Appends are buffered; `sync()` is the durability point: once it returns, every record
 * appended before it will be there after a crash. Callers persist before they reply: append,
 * sync, then send.
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
   * A copy of the `length` store bytes at `offset` (a payload offset from append, forEachRecord
   * or rewrite, plus a position inside that payload). Appended records are readable at once,
   * before sync(). RangeError outside [0, sizeBytes].
   */
  read(offset: number, length: number): Uint8Array;
  sync(): void;
  /**
   * Atomically replaces the whole content with `payloads` (compaction): a crash leaves either
   * the old or the new content. Consumed one payload at a time, so each one need only be valid
   * until the next is pulled, and the iterator may read() the old content while it runs.
   * `placed(payloadOffset)` is told where each payload landed, before the next one is pulled.
   * Durable when it returns; a crash before then leaves the old content.
   */
  rewrite(payloads: Iterable<Uint8Array>, placed?: (payloadOffset: number) => void): void;
  /** Bytes the store occupies now (for deciding when to compact). */
  readonly sizeBytes: number;
  close(): void;
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
