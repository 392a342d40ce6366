import { crc32 } from 'node:zlib';

/**
 * One stored record: `[payloadBytes: u32 LE | crc32: u32 LE | payload]`. The CRC covers the
 * length field and the payload, so a corrupted length is caught like a corrupted payload.
 */
export const FRAME_HEADER_BYTES = 8;
/** A record larger than this is treated as corruption (no real record comes near it). */
export const FRAME_PAYLOAD_BYTES_MAX = 256 * 1024 * 1024;

export function frameChecksum(bytes: Uint8Array, payloadStart: number, payloadEnd: number): number {
  const lengthBytes = bytes.subarray(payloadStart - FRAME_HEADER_BYTES, payloadStart - FRAME_HEADER_BYTES + 4);
  return crc32(bytes.subarray(payloadStart, payloadEnd), crc32(lengthBytes));
}

/** Writes a frame for `payload` into `target` at `offset`; returns the offset after it. */
export function writeFrame(target: Uint8Array, offset: number, payload: Uint8Array): number {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  view.setUint32(offset, payload.byteLength, true);
  target.set(payload, offset + FRAME_HEADER_BYTES);
  const checksum = frameChecksum(target, offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + payload.byteLength);
  view.setUint32(offset + 4, checksum, true);
  return offset + FRAME_HEADER_BYTES + payload.byteLength;
}

export type ScanResult =
  | { kind: 'clean'; records: Uint8Array[]; end: number }
  /** The last frame is incomplete or fails its checksum with nothing valid after it: a write cut short by a crash. */
  | { kind: 'torn'; records: Uint8Array[]; end: number }
  /** A frame fails its checksum and valid data follows: damage, not a crash mid-write. */
  | { kind: 'corrupt'; records: Uint8Array[]; offset: number; reason: string };

/** Reads frames from `bytes[0, length)`; copies each payload out. */
export function scanFrames(bytes: Uint8Array, length: number): ScanResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < length) {
    if (length - offset < FRAME_HEADER_BYTES) return { kind: 'torn', records, end: offset };
    const payloadBytes = view.getUint32(offset, true);
    const payloadStart = offset + FRAME_HEADER_BYTES;
    const payloadEnd = payloadStart + payloadBytes;
    const fits = payloadBytes <= FRAME_PAYLOAD_BYTES_MAX && payloadEnd <= length;
    if (!fits || view.getUint32(offset + 4, true) !== frameChecksum(bytes, payloadStart, payloadEnd)) {
      // A bad frame with nothing valid after it is the write a crash cut short; with valid
      // frames after it, it is damage, and reading on would silently skip data.
      if (!followedByValidFrame(bytes, view, offset + 1, length)) return { kind: 'torn', records, end: offset };
      return { kind: 'corrupt', records, offset, reason: fits ? 'checksum mismatch' : `record length ${payloadBytes} runs past the end` };
    }
    // A copy, and a plain Uint8Array even when `bytes` is a Buffer (whose slice() is a view).
    const record = new Uint8Array(payloadBytes);
    record.set(bytes.subarray(payloadStart, payloadEnd));
    records.push(record);
    offset = payloadEnd;
  }
  return { kind: 'clean', records, end: offset };
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
