import { closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { readFully, scanFileFrames } from './file-frame-scan.js';
import { FRAME_HEADER_BYTES, sealFrame, walkFrames, writeFrame, type FrameVisitor } from './frame.js';
import { isStorageError } from './storage-error.js';
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
 * Reads are preads at the offset. Records appended since the last flush() or sync() sit in the
 * pending buffer, and read() serves their bytes from there: reading never forces a write, so it
 * cannot change what a crash keeps, and the group commit stays the caller's to time.
 */
export class FileRecordStore implements RecordStore {
  readonly recoveredCount: number;
  private recoveredRecords: Uint8Array[] | undefined;
  /** End of the records found at open; undefined once a rewrite replaced them. */
  private recoveredEnd: number | undefined;
  private fd: number;
  private fileBytes: number;
  private pending = Buffer.allocUnsafe(64 * 1024);
  private pendingBytes = 0;
  /** Written to the file but not yet fdatasynced (a failed fdatasync leaves this set: the next sync retries it). */
  private dataUnsynced = false;
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
    return this.fileBytes + this.pendingBytes;
  }

  forEachRecord(visit: FrameVisitor): void {
    this.assertOpen();
    this.scanFile(this.fileBytes, visit);
    walkFrames(this.pending, this.pendingBytes, visit, this.fileBytes);
  }

  append(payload: Uint8Array, tail?: Uint8Array): number {
    return appendByReserving(this, payload, tail);
  }

  reserve(payloadBytesMax: number): number {
    this.assertOpen();
    this.reservedBytes = NOTHING_RESERVED;
    const frameBytes = FRAME_HEADER_BYTES + payloadBytesMax;
    if (this.pendingBytes + frameBytes > this.pending.byteLength) {
      const grown = Buffer.allocUnsafe(Math.max(this.pending.byteLength * 2, this.pendingBytes + frameBytes));
      this.pending.copy(grown, 0, 0, this.pendingBytes);
      this.pending = grown;
    }
    this.reservedBytes = payloadBytesMax;
    return this.pendingBytes + FRAME_HEADER_BYTES;
  }

  get reservedTarget(): Uint8Array {
    return this.pending;
  }

  appendReserved(payloadBytes: number): number {
    this.assertOpen();
    checkReserved(payloadBytes, this.reservedBytes);
    this.reservedBytes = NOTHING_RESERVED;
    const payloadOffset = this.fileBytes + this.pendingBytes + FRAME_HEADER_BYTES;
    this.pendingBytes = sealFrame(this.pending, this.pendingBytes, payloadBytes);
    if (this.fsync === 'always') {
      // A disk error leaves the record pending, and sync() (the caller's commit point, which it
      // calls before replying) reports it: append never fails half-way through a caller's batch.
      try {
        this.sync();
      } catch (error) {
        if (!isStorageError(error)) throw error;
      }
    }
    return payloadOffset;
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
      bytes.set(this.pending.subarray(pendingAt, pendingAt + length - fromFile), fromFile);
    }
    return bytes;
  }

  flush(): void {
    this.assertOpen();
    if (this.pendingBytes === 0) return;
    // Positional writes from the end of what the file holds: after a failed write (a full
    // disk), the next flush or sync writes the same bytes at the same place again.
    let written = 0;
    while (written < this.pendingBytes) {
      written += writeSync(this.fd, this.pending, written, this.pendingBytes - written, this.fileBytes + written);
    }
    this.fileBytes += this.pendingBytes;
    this.pendingBytes = 0;
    this.dataUnsynced = this.fsync !== 'never';
  }

  sync(): void {
    this.flush();
    if (this.dataUnsynced) {
      fdatasyncSync(this.fd);
      this.dataUnsynced = false;
    }
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
    this.recoveredEnd = undefined;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.sync();
    } finally {
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
