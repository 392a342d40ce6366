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
  /** The records found at open, oldest first. */
  readonly recovered: readonly Uint8Array[];
  append(payload: Uint8Array): void;
  sync(): void;
  /** Atomically replaces the whole content with `payloads` (compaction): a crash leaves either the old or the new content. */
  rewrite(payloads: readonly Uint8Array[]): void;
  /** Bytes the store occupies now (for deciding when to compact). */
  readonly sizeBytes: number;
  close(): void;
}

export type FsyncMode = 'always' | 'batch' | 'never';
export const FSYNC_MODES: readonly FsyncMode[] = ['always', 'batch', 'never'];

/** A record log that is damaged in the middle: data would be lost by reading past it, so we refuse. */
export class CorruptLogError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`corrupt record in ${file} at byte offset ${offset}: ${reason}`);
    this.name = 'CorruptLogError';
  }
}
