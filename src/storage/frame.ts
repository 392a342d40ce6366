import { crc32 } from 'node:zlib';

/**
 * One stored record: `[payloadBytes: u32 LE | crc32: u32 LE | payload]`. The CRC covers the
 * length field and the payload, so a corrupted length is caught like a corrupted payload.
 */
export const FRAME_HEADER_BYTES = 8;
/**
 * A record larger than this is treated as corruption. The u32 length field holds up to 2^32 - 1;
 * the bound is lower so that a damaged length is caught, but never below the largest record a
 * log writes: one acceptance or one delivered entry of the largest message of the largest ring
 * (2^29 bytes; src/protocol/limits.ts asserts that it fits). It was 256 MiB, which refused the large
 * entries a 1 GiB ring allows.
 */
export const FRAME_PAYLOAD_BYTES_MAX = 2 ** 30;

/** The length field's bytes, copied here for its CRC: a view per frame was garbage on every write. */
const lengthScratch = new Uint8Array(4);

export function frameChecksum(bytes: Uint8Array, payloadStart: number, payloadEnd: number): number {
  const lengthAt = payloadStart - FRAME_HEADER_BYTES;
  for (let i = 0; i < 4; i++) lengthScratch[i] = bytes[lengthAt + i]!;
  return crc32(bytes.subarray(payloadStart, payloadEnd), crc32(lengthScratch));
}

/** Writes `value` (a uint32) little-endian at `offset`: by bytes, not through a DataView made per frame. */
function writeUint32LE(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 0xff;
  target[offset + 1] = (value >>> 8) & 0xff;
  target[offset + 2] = (value >>> 16) & 0xff;
  target[offset + 3] = value >>> 24;
}

const NO_BYTES = new Uint8Array(0);

/**
 * Writes a frame whose payload is `payload` followed by `tail` (a record in two parts: a caller
 * puts its own header before bytes it does not own, such as a slot's value, without first copying
 * them together) into `target` at `offset`; returns the offset after it.
 */
export function writeFrame(target: Uint8Array, offset: number, payload: Uint8Array, tail: Uint8Array = NO_BYTES, seal: FrameSealer = sealFrame): number {
  const payloadBytes = payload.byteLength + tail.byteLength;
  checkFramePayloadBytes(payloadBytes);
  const payloadStart = offset + FRAME_HEADER_BYTES;
  target.set(payload, payloadStart);
  if (tail.byteLength > 0) target.set(tail, payloadStart + payload.byteLength);
  return seal(target, offset, payloadBytes);
}

/** sealFrame, or sealUncheckedFrame for a store whose frames carry no checksum. */
export type FrameSealer = (target: Uint8Array, offset: number, payloadBytes: number) => number;

/**
 * Makes a frame of the `payloadBytes` bytes already written at `offset + FRAME_HEADER_BYTES` (a
 * record written in place: RecordStore.reserve): writes its length and checksum, and returns the
 * offset after it.
 */
export function sealFrame(target: Uint8Array, offset: number, payloadBytes: number): number {
  checkFramePayloadBytes(payloadBytes);
  writeUint32LE(target, offset, payloadBytes);
  const payloadStart = offset + FRAME_HEADER_BYTES;
  writeUint32LE(target, offset + 4, frameChecksum(target, payloadStart, payloadStart + payloadBytes));
  return payloadStart + payloadBytes;
}

/**
 * As sealFrame, for a frame whose payload is the `headBytes` already written at
 * `offset + FRAME_HEADER_BYTES`, then `tail`, which the caller writes after them elsewhere (a
 * file store writes a kept value from where it lies: pending-writes.ts). Returns the offset after
 * the head.
 */
export function sealFrameWithTail(target: Uint8Array, offset: number, headBytes: number, tail: Uint8Array): number {
  const payloadBytes = headBytes + tail.byteLength;
  checkFramePayloadBytes(payloadBytes);
  writeUint32LE(target, offset, payloadBytes);
  const payloadStart = offset + FRAME_HEADER_BYTES;
  // The CRC runs on across the parts: the same word as over the payload in one piece.
  writeUint32LE(target, offset + 4, crc32(tail, frameChecksum(target, payloadStart, payloadStart + headBytes)));
  return payloadStart + headBytes;
}

/**
 * The checksum word of a frame sealed without one (sealUncheckedFrame). Only shared-memory stores
 * write such frames, and only walkTrustedFrames reads them.
 */
export const UNCHECKED_FRAME_CHECKSUM = 0;

/**
 * As sealFrame, but the checksum word is UNCHECKED_FRAME_CHECKSUM: for a store in shared memory,
 * whose commit word is its only crash boundary (a worker dies before or after the atomic store
 * that commits, and every committed byte was written before it) and which no one else writes. A
 * CRC there guarded against nothing that can happen, and cost four passes over every entry (each
 * acceptor and the learner): a quarter of the CPU a 64 KiB entry took.
 */
export function sealUncheckedFrame(target: Uint8Array, offset: number, payloadBytes: number): number {
  checkFramePayloadBytes(payloadBytes);
  writeUint32LE(target, offset, payloadBytes);
  writeUint32LE(target, offset + 4, UNCHECKED_FRAME_CHECKSUM);
  return offset + FRAME_HEADER_BYTES + payloadBytes;
}

/** A longer record would read back as corruption at the next open: refused before it is written. */
export function checkFramePayloadBytes(payloadBytes: number): void {
  if (payloadBytes > FRAME_PAYLOAD_BYTES_MAX) throw new RangeError(`record of ${payloadBytes} bytes is over the ${FRAME_PAYLOAD_BYTES_MAX}-byte limit`);
}

/**
 * Called for each valid frame of a scan: `payload` is a VIEW into the scanned bytes, valid only
 * during the call (copy what you keep); `payloadOffset` is where the payload starts in the store.
 */
export type FrameVisitor = (payload: Uint8Array, payloadOffset: number) => void;

/** How a scan ended, without the records (see walkFrames). */
export type FrameScanEnd =
  | { kind: 'clean'; end: number; count: number }
  /** The last frame is incomplete or fails its checksum with nothing valid after it: a write cut short by a crash. */
  | { kind: 'torn'; end: number; count: number }
  /** A frame fails its checksum and valid data follows: damage, not a crash mid-write. */
  | { kind: 'corrupt'; offset: number; reason: string; count: number };

export type ScanResult =
  | { kind: 'clean'; records: Uint8Array[]; end: number }
  | { kind: 'torn'; records: Uint8Array[]; end: number }
  | { kind: 'corrupt'; records: Uint8Array[]; offset: number; reason: string };

/** Reads frames from `bytes[0, length)`; copies each payload out. */
export function scanFrames(bytes: Uint8Array, length: number): ScanResult {
  const records: Uint8Array[] = [];
  // A copy, and a plain Uint8Array even when `bytes` is a Buffer (whose slice() is a view).
  const scan = walkFrames(bytes, length, (payload) => records.push(new Uint8Array(payload)));
  return scan.kind === 'corrupt' ? { kind: 'corrupt', records, offset: scan.offset, reason: scan.reason } : { kind: scan.kind, records, end: scan.end };
}

/**
 * Checks the frames of `bytes[0, length)` in order and hands each valid one to `visit` as a view
 * (no copy), stopping at the first bad one; `base` is the store offset of bytes[0].
 */
export function walkFrames(bytes: Uint8Array, length: number, visit?: FrameVisitor, base = 0): FrameScanEnd {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  let offset = 0;
  while (offset < length) {
    if (length - offset < FRAME_HEADER_BYTES) return { kind: 'torn', end: base + offset, count };
    const payloadBytes = view.getUint32(offset, true);
    const payloadStart = offset + FRAME_HEADER_BYTES;
    const payloadEnd = payloadStart + payloadBytes;
    const fits = payloadBytes <= FRAME_PAYLOAD_BYTES_MAX && payloadEnd <= length;
    if (!fits || view.getUint32(offset + 4, true) !== frameChecksum(bytes, payloadStart, payloadEnd)) {
      return { ...badFrameVerdict(bytes, offset, length, base), count };
    }
    visit?.(bytes.subarray(payloadStart, payloadEnd), base + payloadStart);
    count++;
    offset = payloadEnd;
  }
  return { kind: 'clean', end: base + offset, count };
}

/**
 * Visits the frames of `bytes[0, length)` that this process wrote itself (a shared-memory store's,
 * whose frames carry no checksum: sealUncheckedFrame): it follows their lengths, and throws if
 * they do not end exactly at `length`, which no crash can cause in memory (only a bug). Returns
 * how many frames it visited.
 */
export function walkTrustedFrames(bytes: Uint8Array, length: number, visit?: FrameVisitor): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  let count = 0;
  while (offset < length) {
    const payloadStart = offset + FRAME_HEADER_BYTES;
    const payloadBytes = payloadStart <= length ? view.getUint32(offset, true) : 0;
    const payloadEnd = payloadStart + payloadBytes;
    if (payloadStart > length || payloadBytes > FRAME_PAYLOAD_BYTES_MAX || payloadEnd > length) {
      throw new Error(`trusted frames do not end at byte ${length}: a frame at ${offset} runs past it`);
    }
    visit?.(bytes.subarray(payloadStart, payloadEnd), payloadStart);
    count++;
    offset = payloadEnd;
  }
  return count;
}

/**
 * What a frame that fails at `bytes[offset]` means, given everything after it up to `length`: a
 * bad frame with nothing valid after it is the write a crash cut short (torn); with valid frames
 * after it, it is damage, and reading on would silently skip data (corrupt). `base` is the store
 * offset of bytes[0].
 */
export function badFrameVerdict(
  bytes: Uint8Array,
  offset: number,
  length: number,
  base = 0,
): { kind: 'torn'; end: number } | { kind: 'corrupt'; offset: number; reason: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!followedByValidFrame(bytes, view, offset + 1, length)) return { kind: 'torn', end: base + offset };
  const payloadBytes = view.getUint32(offset, true);
  const fits = payloadBytes <= FRAME_PAYLOAD_BYTES_MAX && offset + FRAME_HEADER_BYTES + payloadBytes <= length;
  return { kind: 'corrupt', offset: base + offset, reason: fits ? 'checksum mismatch' : `record length ${payloadBytes} runs past the end` };
}

/** Whether any later offset starts a frame with a valid checksum (so the damage is not a torn tail). */
function followedByValidFrame(bytes: Uint8Array, view: DataView, from: number, length: number): boolean {
  for (let offset = from; offset + FRAME_HEADER_BYTES <= length; offset++) {
    const payloadBytes = view.getUint32(offset, true);
    const payloadEnd = offset + FRAME_HEADER_BYTES + payloadBytes;
    if (payloadBytes === 0 || payloadEnd > length) continue;
    if (view.getUint32(offset + 4, true) === frameChecksum(bytes, offset + FRAME_HEADER_BYTES, payloadEnd)) return true;
  }
  return false;
}
