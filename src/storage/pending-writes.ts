import { writeSync, writevSync } from 'node:fs';
import { FRAME_HEADER_BYTES, sealFrame, sealFrameWithTail } from './frame.js';

/** A kept value at least this long is written from where it lies; a shorter one is copied (a copy costs less than one more piece to write). */
export const KEPT_VALUE_MIN_BYTES = 4096;
/** Pieces per writev call: well under any system's IOV_MAX (1024 on Linux). */
const PIECES_PER_WRITE_MAX = 512;

/**
 * The frames a file store has appended and not yet written: bytes in a buffer of its own, and
 * between them, values written from the caller's own array (appendKeeping), not copied. Offsets
 * here are the frames' bytes in order, as the file will hold them (`bytes` of them); the buffer
 * holds `bufferBytes` of those, the kept values the rest.
 *
 * Why: an acceptor with `storage.dir` keeps each accepted value in memory (the copy it decoded
 * out of the leader's slab) and copied it again into this buffer to write it: two copies of
 * every entry where one will do, since the kernel copies from wherever the bytes lie.
 */
export class PendingWrites {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  /** Bytes of `buffer` in use. */
  private bufferBytes = 0;
  /** Pending bytes in all: the buffer's and the kept values'. */
  bytes = 0;
  /** Kept values, in order: each goes after buffer[0, at) (`at` in the buffer). */
  private readonly keptAt: number[] = [];
  private readonly kept: Uint8Array[] = [];
  /** A contiguous copy of everything pending, made only to read it (view()) while values are kept. */
  private joined: Uint8Array | undefined;

  /** The buffer reserve() returns offsets in. */
  get target(): Uint8Array {
    return this.buffer;
  }

  /** Room in the buffer for a frame of `payloadBytesMax`; returns where its payload goes in `target`. */
  reserve(payloadBytesMax: number): number {
    const frameBytes = FRAME_HEADER_BYTES + payloadBytesMax;
    if (this.bufferBytes + frameBytes > this.buffer.byteLength) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.byteLength * 2, this.bufferBytes + frameBytes));
      this.buffer.copy(grown, 0, 0, this.bufferBytes);
      this.buffer = grown;
    }
    return this.bufferBytes + FRAME_HEADER_BYTES;
  }

  /** Seals the frame of `payloadBytes` written at the reserved place; returns its payload's offset among the pending bytes. */
  sealReserved(payloadBytes: number): number {
    const payloadAt = this.bytes + FRAME_HEADER_BYTES;
    const end = sealFrame(this.buffer, this.bufferBytes, payloadBytes);
    this.bytes += end - this.bufferBytes;
    this.bufferBytes = end;
    this.joined = undefined;
    return payloadAt;
  }

  /**
   * A frame of `head` then `value`, with `value` written from where it lies when the pending bytes
   * are: the caller must not change it before then. Returns its payload's offset among the pending bytes.
   */
  appendKeeping(head: Uint8Array, value: Uint8Array): number {
    const at = this.reserve(head.byteLength);
    this.buffer.set(head, at);
    const end = sealFrameWithTail(this.buffer, at - FRAME_HEADER_BYTES, head.byteLength, value);
    const payloadAt = this.bytes + FRAME_HEADER_BYTES;
    this.bytes += end - this.bufferBytes + value.byteLength;
    this.bufferBytes = end;
    this.keptAt.push(end);
    this.kept.push(value);
    this.joined = undefined;
    return payloadAt;
  }

  /** The pending bytes in one array (valid until the next change): the buffer itself unless values are kept. */
  view(): Uint8Array {
    if (this.kept.length === 0) return this.buffer;
    if (this.joined === undefined) {
      const joined = new Uint8Array(this.bytes);
      let from = 0;
      let to = 0;
      for (let i = 0; i < this.kept.length; i++) {
        joined.set(this.buffer.subarray(from, this.keptAt[i]!), to);
        to += this.keptAt[i]! - from;
        from = this.keptAt[i]!;
        joined.set(this.kept[i]!, to);
        to += this.kept[i]!.byteLength;
      }
      joined.set(this.buffer.subarray(from, this.bufferBytes), to);
      this.joined = joined;
    }
    return this.joined;
  }

  /**
   * Writes every pending byte to `fd` from file offset `position` (positional: after a failure,
   * the next call writes the same bytes at the same place again). Nothing pending changes.
   */
  writeTo(fd: number, position: number): void {
    if (this.kept.length === 0) {
      let written = 0;
      while (written < this.bytes) written += writeSync(fd, this.buffer, written, this.bytes - written, position + written);
      return;
    }
    const pieces: Uint8Array[] = [];
    let from = 0;
    for (let i = 0; i < this.kept.length; i++) {
      if (this.keptAt[i]! > from) pieces.push(this.buffer.subarray(from, this.keptAt[i]!));
      pieces.push(this.kept[i]!);
      from = this.keptAt[i]!;
    }
    if (this.bufferBytes > from) pieces.push(this.buffer.subarray(from, this.bufferBytes));
    let at = position;
    let first = 0;
    while (first < pieces.length) {
      const batch = pieces.slice(first, first + PIECES_PER_WRITE_MAX);
      let written = writevSync(fd, batch, at);
      at += written;
      // A short write: skip the pieces written whole, cut the one written in part.
      while (written > 0 && written >= pieces[first]!.byteLength) written -= pieces[first++]!.byteLength;
      if (written > 0) pieces[first] = pieces[first]!.subarray(written);
    }
  }

  /** Everything pending was written. */
  clear(): void {
    this.bufferBytes = 0;
    this.bytes = 0;
    this.keptAt.length = 0;
    this.kept.length = 0;
    this.joined = undefined;
  }
}
