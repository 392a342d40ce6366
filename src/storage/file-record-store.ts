import { closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { readFully, scanFileFrames } from './file-frame-scan.js';
import { FRAME_HEADER_BYTES, walkFrames, writeFrame, type FrameVisitor } from './frame.js';
import { PendingWrites, KEPT_VALUE_MIN_BYTES } from './pending-writes.js';
import { SparseTail } from './sparse-tail.js';
import { isStorageError } from './storage-error.js';
import type { WakeSignal } from '../mailbox/doorbell.js';
import { BackgroundSync, syncError } from './background-sync.js';
import { CorruptLogError, FSYNC_MODES, NOTHING_RESERVED, appendByReserving, checkReadRange, checkReserved, headOf, tailOf, type FsyncMode, type RecordStore, type RewriteRecord } from './record-store.js';

/**
 * A RecordStore in one append-only file. At open it checks every frame, reading through a small
 * window (nothing is kept: `recovered` is read again, on first use, by whoever wants it); a torn
 * tail (the last write cut short by a crash) is cut off, while a damaged frame with valid data
 * after it is a CorruptLogError naming the file and offset: we never skip data silently.
 *
 * fsync: 'always' writes and fdatasyncs every record as it is appended; 'batch' writes and
 * fdatasyncs once per sync() (group commit: the caller syncs once for everything it appended
 * since, before replying to any of it); 'never' writes at sync() and leaves flushing to the OS.
 * flush() writes without the fdatasync: the records then outlive this process (the kernel
 * holds them), not a crash of the machine.
 *
 * Reads are preads at the offset. Records appended since the last flush() or sync() are pending
 * (pending-writes.ts: a buffer, and the values appendKeeping() kept where they lie), and read()
 * serves their bytes from there: reading never forces a write, so it
 * cannot change what a crash keeps, and the group commit stays the caller's to time.
 *
 * With fsync 'batch', syncInBackground() lets the fdatasync run on a helper thread
 * (background-sync.ts): startSync() writes what is pending and starts a sync without waiting,
 * and syncedMark() says how far the syncs that returned reach. Marks count the writes: every
 * flush that wrote something takes the next one (writtenMark), and a sync that returned makes
 * every mark up to the one it started at durable.
 *
 * With fsync 'batch' or 'always', the file's length is kept ahead of its records (sparse-tail.ts:
 * a hole, cut off at close), so that an fdatasync has no new length to commit.
 */
export class FileRecordStore implements RecordStore {
  readonly recoveredCount: number;
  private recoveredRecords: Uint8Array[] | undefined;
  /** End of the records found at open; undefined once a rewrite replaced them. */
  private recoveredEnd: number | undefined;
  private fd: number;
  private fileBytes: number;
  private tail: SparseTail;
  /** Appended, not yet written: frames in a buffer, and values kept where they lie (appendKeeping). */
  private readonly pending = new PendingWrites();
  /** Marks of the writes: the last one written to the file, and the last one fdatasynced (a failed fdatasync leaves it behind: the next sync retries). */
  private writtenMarkValue = 0;
  private syncedMarkValue = 0;
  /** The helper that fdatasyncs off this thread (syncInBackground), made at its first sync, and the mark its sync in flight started at (-1: none). */
  private background: BackgroundSync | undefined;
  private backgroundSpec: { readonly wake: WakeSignal; readonly module?: URL; readonly data?: unknown } | undefined;
  private backgroundMark = -1;
  /** Syncs run on the helper thread so far. */
  backgroundSyncs = 0;
  /** Payload bytes reserve() made room for at the end of `pending`, or NOTHING_RESERVED. */
  private reservedBytes = NOTHING_RESERVED;
  private closed = false;

  constructor(
    readonly path: string,
    readonly fsync: FsyncMode,
  ) {
    if (!FSYNC_MODES.includes(fsync)) throw new RangeError(`fsync must be one of ${FSYNC_MODES.join(', ')}, got ${String(fsync)}`);
    mkdirSync(dirname(path), { recursive: true });
    const existed = existsSync(path);
    this.fd = openSync(path, existed ? 'r+' : 'w+');
    try {
      const scan = scanFileFrames(this.fd, fstatSync(this.fd).size);
      if (scan.kind === 'corrupt') throw new CorruptLogError(path, scan.offset, scan.reason);
      this.recoveredCount = scan.count;
      this.recoveredEnd = this.fileBytes = scan.end;
      if (scan.kind === 'torn') {
        ftruncateSync(this.fd, scan.end);
        fsyncSync(this.fd);
      }
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
    this.tail = this.tailOf(this.fd, this.fileBytes);
    if (!existed) syncDirectory(path);
  }

  get recovered(): readonly Uint8Array[] {
    if (this.recoveredRecords === undefined) {
      this.assertOpen();
      if (this.recoveredEnd === undefined) throw new Error(`record store ${this.path}: the records recovered at open were replaced by rewrite()`);
      const records: Uint8Array[] = [];
      this.scanFile(this.recoveredEnd, (payload) => records.push(payload.slice()));
      this.recoveredRecords = records;
    }
    return this.recoveredRecords;
  }

  get sizeBytes(): number {
    return this.fileBytes + this.pending.bytes;
  }

  forEachRecord(visit: FrameVisitor): void {
    this.assertOpen();
    this.scanFile(this.fileBytes, visit);
    walkFrames(this.pending.view(), this.pending.bytes, visit, this.fileBytes);
  }

  append(payload: Uint8Array, tail?: Uint8Array): number {
    return appendByReserving(this, payload, tail);
  }

  reserve(payloadBytesMax: number): number {
    this.assertOpen();
    this.reservedBytes = NOTHING_RESERVED;
    const at = this.pending.reserve(payloadBytesMax);
    this.reservedBytes = payloadBytesMax;
    return at;
  }

  get reservedTarget(): Uint8Array {
    return this.pending.target;
  }

  appendReserved(payloadBytes: number): number {
    this.assertOpen();
    checkReserved(payloadBytes, this.reservedBytes);
    this.reservedBytes = NOTHING_RESERVED;
    const payloadOffset = this.fileBytes + this.pending.sealReserved(payloadBytes);
    this.syncIfAlways();
    return payloadOffset;
  }

  /**
   * As append(payload, tail), but a long `tail` is written from where it lies when the record is
   * (flush, sync, rewrite or close), not copied first: the caller must not change it before then.
   * For a caller that keeps the bytes anyway (an acceptor's accepted value).
   */
  appendKeeping(payload: Uint8Array, tail: Uint8Array): number {
    if (tail.byteLength < KEPT_VALUE_MIN_BYTES) return this.append(payload, tail);
    this.assertOpen();
    this.reservedBytes = NOTHING_RESERVED;
    const payloadOffset = this.fileBytes + this.pending.appendKeeping(payload, tail);
    this.syncIfAlways();
    return payloadOffset;
  }

  private syncIfAlways(): void {
    if (this.fsync === 'always') {
      // A disk error leaves the record pending, and sync() (the caller's commit point, which it
      // calls before replying) reports it: append never fails half-way through a caller's batch.
      try {
        this.sync();
      } catch (error) {
        if (!isStorageError(error)) throw error;
      }
    }
  }

  read(offset: number, length: number): Uint8Array {
    this.assertOpen();
    checkReadRange(offset, length, this.sizeBytes);
    const bytes = new Uint8Array(length);
    // The part in the file, then the part still pending (a range may span both).
    const fromFile = Math.max(0, Math.min(length, this.fileBytes - offset));
    if (fromFile > 0) readFully(this.fd, bytes, 0, fromFile, offset);
    if (fromFile < length) {
      const pendingAt = offset + fromFile - this.fileBytes;
      bytes.set(this.pending.view().subarray(pendingAt, pendingAt + length - fromFile), fromFile);
    }
    return bytes;
  }

  flush(): void {
    this.assertOpen();
    const pendingBytes = this.pending.bytes;
    if (pendingBytes === 0) return;
    // Positional writes from the end of what the file holds: after a failed write (a full
    // disk), the next flush or sync writes the same bytes at the same place again.
    this.tail.cover(this.fileBytes + pendingBytes);
    this.pending.writeTo(this.fd, this.fileBytes);
    this.fileBytes += pendingBytes;
    this.pending.clear();
    this.writtenMarkValue++;
    // Left to the OS: as synced as it will ever be made.
    if (this.fsync === 'never') this.syncedMarkValue = this.writtenMarkValue;
  }

  sync(): void {
    this.settleBackground();
    this.flush();
    if (this.syncedMarkValue < this.writtenMarkValue) {
      const mark = this.writtenMarkValue;
      fdatasyncSync(this.fd);
      this.syncedMarkValue = mark;
    }
  }

  /**
   * From now on (fsync 'batch' only) startSync() may run the fdatasync on a helper thread, which
   * wakes the caller's thread through `wake` when a sync returns. The thread is made at the first
   * such sync (a few milliseconds, and about 8 MB of memory: a store whose caller always syncs
   * here never pays for it). Other modes ignore it: 'always' syncs at each append, 'never' never.
   * `helper`: a test's helper module (see BackgroundSync).
   */
  syncInBackground(wake: WakeSignal, helper?: { readonly module: URL; readonly data?: unknown }): void {
    this.assertOpen();
    if (this.fsync !== 'batch' || this.backgroundSpec !== undefined) return;
    this.backgroundSpec = { wake, ...helper };
  }

  /** Syncs may run on the helper thread (syncInBackground was called, for fsync 'batch') and it has not failed. */
  get syncsInBackground(): boolean {
    return this.backgroundSpec !== undefined && this.background?.broken !== true;
  }

  /** The helper thread runs and takes syncs (it is started by the first startSync() that could use it, which syncs here meanwhile). */
  get syncHelperReady(): boolean {
    return this.background?.ready === true;
  }

  /** The mark of the last write (flush) to the file. */
  get writtenMark(): number {
    return this.writtenMarkValue;
  }

  /**
   * Writes what is pending (a disk that refuses the write throws here, as flush() does) and makes
   * sure a sync toward it runs: on the helper thread if there is one and it is free (otherwise the
   * next one starts when it returns, see syncedMark), else here and now. Returns the mark that
   * must be synced before anything that depends on these writes may leave.
   *
   * `syncHere`: sync on this thread, now (as sync()): for a caller with nothing else to do
   * meanwhile, to whom the helper's wake-up would only add a hop (and on a machine with fewer
   * cores than threads, a wait for a core) before it could reply.
   */
  startSync(syncHere = false): number {
    this.flush();
    if (!syncHere && this.syncsInBackground && this.background === undefined) {
      // The first time: the helper starts now, and until it runs this thread syncs (replies held
      // for the milliseconds a thread takes to start would have proposers resending their Accepts).
      const spec = this.backgroundSpec!;
      try {
        this.background = new BackgroundSync(spec.wake, spec.module, spec.data);
      } catch {
        // No thread to be had (a process at its thread limit): this store syncs here, for good.
        this.backgroundSpec = undefined;
      }
    }
    const background = this.background;
    if (syncHere || background === undefined || !background.ready) {
      this.sync();
      return this.writtenMarkValue;
    }
    if (this.backgroundMark < 0 && this.syncedMarkValue < this.writtenMarkValue) {
      this.backgroundMark = this.writtenMarkValue;
      background.request(this.fd);
      this.backgroundSyncs++;
    }
    return this.writtenMarkValue;
  }

  /**
   * How far the syncs that returned reach (every write with a mark up to it is durable). Takes
   * the outcome of a background sync that returned, and starts the next one if writes came since.
   * A failed sync throws its disk error once (as sync() would); what it was to cover stays unsynced
   * and the next look starts a sync again.
   */
  syncedMark(): number {
    const background = this.background;
    if (background === undefined) return this.syncedMarkValue;
    if (this.backgroundMark >= 0) {
      if (background.inFlight) {
        // A helper that died never answers: its sync is done here instead.
        if (background.broken) this.syncAfterBrokenHelper();
        return this.syncedMarkValue;
      }
      this.takeBackgroundOutcome();
    }
    // Writes since the sync that returned (or that failed): the next sync starts now, not at the
    // caller's next write, which may never come while it waits for these.
    if (this.syncedMarkValue < this.writtenMarkValue) this.startSync();
    return this.syncedMarkValue;
  }

  /** Waits for a background sync in flight and takes its outcome (a failure is thrown). */
  private settleBackground(): void {
    const background = this.background;
    if (background === undefined || this.backgroundMark < 0) return;
    if (!background.waitFinished()) {
      this.syncAfterBrokenHelper();
      return;
    }
    this.takeBackgroundOutcome();
  }

  private takeBackgroundOutcome(): void {
    const mark = this.backgroundMark;
    this.backgroundMark = -1;
    const errno = this.background!.errno;
    if (errno !== 0) throw syncError(errno, this.path);
    if (mark > this.syncedMarkValue) this.syncedMarkValue = mark;
  }

  /** The helper is gone with a sync in flight: this thread syncs in its place (and from now on, startSync() syncs here). */
  private syncAfterBrokenHelper(): void {
    this.backgroundMark = -1;
    const mark = this.writtenMarkValue;
    fdatasyncSync(this.fd);
    this.syncedMarkValue = mark;
  }

  rewrite(payloads: Iterable<RewriteRecord>, placed?: (payloadOffset: number) => void): void {
    this.assertOpen();
    this.reservedBytes = NOTHING_RESERVED;
    this.sync();
    // Write the new content beside the old, make it durable, then swap names: a crash at any
    // point leaves one complete version under the real name. The old file stays open (and
    // readable by the iterator) until the swap.
    const temporary = `${this.path}.rewrite`;
    const out = new FrameFileWriter(openSync(temporary, 'w'));
    try {
      for (const record of payloads) {
        const payloadOffset = out.write(headOf(record), tailOf(record));
        placed?.(payloadOffset);
      }
      out.finish();
    } catch (error) {
      out.abandon();
      rmSync(temporary, { force: true });
      throw error;
    }
    renameSync(temporary, this.path);
    syncDirectory(this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'r+');
    this.fileBytes = out.bytes;
    this.tail = this.tailOf(this.fd, out.bytes);
    this.recoveredEnd = undefined;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.sync();
    } finally {
      // sync() waited for the helper's sync in flight, unless it threw first: the helper ends after it.
      this.background?.close();
      this.tail.cut(this.fileBytes);
      closeSync(this.fd);
      this.closed = true;
    }
  }

  /** Visits the file's frames below `end`, which open checked: a failure now is damage since. */
  private scanFile(end: number, visit: FrameVisitor): void {
    const scan = scanFileFrames(this.fd, end, visit);
    if (scan.kind === 'corrupt') throw new CorruptLogError(this.path, scan.offset, scan.reason);
    if (scan.kind === 'torn') throw new CorruptLogError(this.path, scan.end, 'a frame checked at open is damaged now');
  }

  /** No hole for fsync 'never': it has no fdatasync to spare a new length. */
  private tailOf(fd: number, recordsBytes: number): SparseTail {
    return new SparseTail(fd, recordsBytes, this.fsync === 'never' ? 0 : undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`record store ${this.path} is closed`);
  }
}

/** Frames written to a new file through a buffer; fsynced and closed by finish(). */
class FrameFileWriter {
  /** Bytes written so far (buffered included): the new file's size. */
  bytes = 0;
  private buffer = Buffer.allocUnsafe(1024 * 1024);
  private buffered = 0;
  private open = true;

  constructor(private readonly fd: number) {}

  /** Writes one frame of `payload` then `tail`; returns the file offset of its payload. */
  write(payload: Uint8Array, tail: Uint8Array): number {
    const payloadBytes = payload.byteLength + tail.byteLength;
    const frameBytes = FRAME_HEADER_BYTES + payloadBytes;
    if (this.buffered + frameBytes > this.buffer.byteLength) {
      this.flush();
      if (frameBytes > this.buffer.byteLength) this.buffer = Buffer.allocUnsafe(frameBytes);
    }
    this.buffered = writeFrame(this.buffer, this.buffered, payload, tail);
    this.bytes += frameBytes;
    return this.bytes - payloadBytes;
  }

  finish(): void {
    this.flush();
    fsyncSync(this.fd);
    this.close();
  }

  /** Closes the file after a failure (it is removed by the caller). */
  abandon(): void {
    if (this.open) this.close();
  }

  private close(): void {
    this.open = false;
    closeSync(this.fd);
  }

  private flush(): void {
    const position = this.bytes - this.buffered;
    let written = 0;
    while (written < this.buffered) written += writeSync(this.fd, this.buffer, written, this.buffered - written, position + written);
    this.buffered = 0;
  }
}

/** fsync the directory, so a newly created or renamed file's name is durable too. */
function syncDirectory(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
