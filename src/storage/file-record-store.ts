import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { FRAME_HEADER_BYTES, scanFrames, writeFrame } from './frame.js';
import { CorruptLogError, FSYNC_MODES, type FsyncMode, type RecordStore } from './record-store.js';

/**
 * A RecordStore in one append-only file. At open it reads every frame; a torn tail (the last
 * write cut short by a crash) is cut off, while a damaged frame with valid data after it is a
 * CorruptLogError naming the file and offset: we never skip data silently.
 *
 * fsync: 'always' writes and fdatasyncs every record as it is appended; 'batch' writes and
 * fdatasyncs once per sync() (group commit: the caller syncs once for everything it appended
 * since, before replying to any of it); 'never' writes at sync() and leaves flushing to the OS.
 */
export class FileRecordStore implements RecordStore {
  readonly recovered: readonly Uint8Array[];
  private fd: number;
  private fileBytes: number;
  private pending = Buffer.allocUnsafe(64 * 1024);
  private pendingBytes = 0;
  private closed = false;

  constructor(
    readonly path: string,
    readonly fsync: FsyncMode,
  ) {
    if (!FSYNC_MODES.includes(fsync)) throw new RangeError(`fsync must be one of ${FSYNC_MODES.join(', ')}, got ${String(fsync)}`);
    mkdirSync(dirname(path), { recursive: true });
    const existed = existsSync(path);
    const content = existed ? readFileSync(path) : Buffer.alloc(0);
    const scan = scanFrames(content, content.byteLength);
    if (scan.kind === 'corrupt') throw new CorruptLogError(path, scan.offset, scan.reason);
    this.recovered = scan.records;
    this.fd = openSync(path, existed ? 'r+' : 'w+');
    this.fileBytes = scan.end;
    if (scan.kind === 'torn') {
      ftruncateSync(this.fd, scan.end);
      fsyncSync(this.fd);
    }
    if (!existed) syncDirectory(path);
  }

  get sizeBytes(): number {
    return this.fileBytes + this.pendingBytes;
  }

  append(payload: Uint8Array): void {
    this.assertOpen();
    const frameBytes = FRAME_HEADER_BYTES + payload.byteLength;
    if (this.pendingBytes + frameBytes > this.pending.byteLength) {
      const grown = Buffer.allocUnsafe(Math.max(this.pending.byteLength * 2, this.pendingBytes + frameBytes));
      this.pending.copy(grown, 0, 0, this.pendingBytes);
      this.pending = grown;
    }
    this.pendingBytes = writeFrame(this.pending, this.pendingBytes, payload);
    if (this.fsync === 'always') this.sync();
  }

  sync(): void {
    this.assertOpen();
    if (this.pendingBytes === 0) return;
    let written = 0;
    while (written < this.pendingBytes) {
      written += writeSync(this.fd, this.pending, written, this.pendingBytes - written, this.fileBytes + written);
    }
    this.fileBytes += this.pendingBytes;
    this.pendingBytes = 0;
    if (this.fsync !== 'never') fdatasyncSync(this.fd);
  }

  rewrite(payloads: readonly Uint8Array[]): void {
    this.assertOpen();
    this.sync();
    const size = payloads.reduce((sum, payload) => sum + FRAME_HEADER_BYTES + payload.byteLength, 0);
    const content = Buffer.allocUnsafe(size);
    let offset = 0;
    for (const payload of payloads) offset = writeFrame(content, offset, payload);
    // Write the new content beside the old, make it durable, then swap names: a crash at any
    // point leaves one complete version under the real name.
    const temporary = `${this.path}.rewrite`;
    const fd = openSync(temporary, 'w');
    try {
      let written = 0;
      while (written < size) written += writeSync(fd, content, written, size - written, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    syncDirectory(this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'r+');
    this.fileBytes = size;
  }

  close(): void {
    if (this.closed) return;
    this.sync();
    closeSync(this.fd);
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`record store ${this.path} is closed`);
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
