// Scanning a record file without holding it in memory: frames are read through a window of a
// few hundred KiB (grown only for a frame larger than it), checked, and handed to the visitor
// as views into the window. A store the size of the machine's memory opens in constant memory.

import { readSync } from 'node:fs';
import { FRAME_HEADER_BYTES, FRAME_PAYLOAD_BYTES_MAX, badFrameVerdict, frameChecksum, type FrameScanEnd, type FrameVisitor } from './frame.js';

const WINDOW_BYTES = 256 * 1024;

/** Reads exactly `length` bytes at file offset `position` into `target[at...]` (pread, in a loop for short reads). */
export function readFully(fd: number, target: Uint8Array, at: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const read = readSync(fd, target, at + done, length - done, position + done);
    if (read === 0) throw new Error(`unexpected end of file at byte ${position + done} (wanted ${length - done} more bytes)`);
    done += read;
  }
}

/** walkFrames for the first `fileBytes` bytes of the open file `fd`. */
export function scanFileFrames(fd: number, fileBytes: number, visit?: FrameVisitor): FrameScanEnd {
  const window = new FileWindow(fd, fileBytes);
  let count = 0;
  let offset = 0;
  while (offset < fileBytes) {
    if (fileBytes - offset < FRAME_HEADER_BYTES) return { kind: 'torn', end: offset, count };
    let bytes = window.load(offset, FRAME_HEADER_BYTES);
    const payloadBytes = new DataView(bytes.buffer, bytes.byteOffset).getUint32(window.at(offset), true);
    const payloadEnd = offset + FRAME_HEADER_BYTES + payloadBytes;
    let valid = payloadBytes <= FRAME_PAYLOAD_BYTES_MAX && payloadEnd <= fileBytes;
    if (valid) {
      bytes = window.load(offset, FRAME_HEADER_BYTES + payloadBytes);
      const start = window.at(offset) + FRAME_HEADER_BYTES;
      valid = new DataView(bytes.buffer, bytes.byteOffset).getUint32(start - 4, true) === frameChecksum(bytes, start, start + payloadBytes);
      if (valid) visit?.(bytes.subarray(start, start + payloadBytes), offset + FRAME_HEADER_BYTES);
    }
    if (!valid) {
      // The rare path (a crash's torn tail, or damage): telling them apart needs every byte after
      // the bad frame, so read the rest of the file whole, as the whole file was read before.
      const rest = new Uint8Array(fileBytes - offset);
      readFully(fd, rest, 0, rest.byteLength, offset);
      return { ...badFrameVerdict(rest, 0, rest.byteLength, offset), count };
    }
    count++;
    offset = payloadEnd;
  }
  return { kind: 'clean', end: offset, count };
}

/** A sliding read buffer over a file: load(offset, n) makes file bytes [offset, offset + n) available. */
class FileWindow {
  private bytes = new Uint8Array(WINDOW_BYTES);
  private start = 0;
  private length = 0;

  constructor(
    private readonly fd: number,
    private readonly fileBytes: number,
  ) {}

  /** The window, holding file bytes [offset, offset + n) at index at(offset). */
  load(offset: number, n: number): Uint8Array {
    if (offset >= this.start && offset + n <= this.start + this.length) return this.bytes;
    if (n > this.bytes.byteLength) this.bytes = new Uint8Array(Math.max(n, 2 * this.bytes.byteLength));
    this.start = offset;
    this.length = Math.min(this.bytes.byteLength, this.fileBytes - offset);
    readFully(this.fd, this.bytes, 0, this.length, offset);
    return this.bytes;
  }

  /** Index in the window of file offset `offset` (valid after a load covering it). */
  at(offset: number): number {
    return offset - this.start;
  }
}
