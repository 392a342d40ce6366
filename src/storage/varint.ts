// Unsigned LEB128 varints for the learner's records: 7 bits a byte, low bits first, the high bit
// set on every byte but the last. A 16-byte entry's clientId, seq, count and length take 4 to 8
// bytes this way instead of 24 as fixed-width fields, which is most of what an entry costs the
// store beyond its data. Values are safe integers (up to 2^53 - 1, so at most 8 bytes); the
// arithmetic avoids 32-bit bit operations above 2^31.

/** Most bytes one varint of a safe integer takes (ceil(53 / 7)). */
export const VARINT_BYTES_MAX = 8;

/** Writes `value` (a non-negative safe integer, checked by the caller) at `at`; returns the offset after it. */
export function writeVarint(target: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    target[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  target[at++] = value;
  return at;
}

/** Bytes writeVarint takes for `value`. */
export function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    bytes++;
  }
  return bytes;
}

/**
 * Writes `value` in exactly `bytes` bytes (from its shortest form to VARINT_BYTES_MAX): the
 * shortest form's last byte gets the continuation bit, and 0x80 bytes then a 0x00 follow, which
 * add nothing to the value. Lets a writer place the bytes after it where it wants them.
 */
export function writeVarintOfLength(target: Uint8Array, at: number, value: number, bytes: number): number {
  const shortest = varintBytes(value);
  if (bytes < shortest || bytes > VARINT_BYTES_MAX) throw new RangeError(`a varint of ${value} takes ${shortest} to ${VARINT_BYTES_MAX} bytes, not ${bytes}`);
  const end = writeVarint(target, at, value);
  if (bytes === shortest) return end;
  target[end - 1] = target[end - 1]! | 0x80;
  for (let i = shortest; i < bytes - 1; i++) target[at + i] = 0x80;
  target[at + bytes - 1] = 0x00;
  return at + bytes;
}

/**
 * Reads varints from a byte range in sequence. `what` names the record in errors: a varint that
 * runs past the end or above 2^53 - 1 is damage (or a bug), never silently truncated.
 */
export class VarintReader {
  at: number;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    readonly what: string,
  ) {
    this.at = start;
  }

  get done(): boolean {
    return this.at >= this.end;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let read = 0; read < VARINT_BYTES_MAX; read++) {
      if (this.at >= this.end) throw new Error(`${this.what}: a number runs past the end of the record at byte ${this.at}`);
      const byte = this.bytes[this.at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) throw new Error(`${this.what}: a number above 2^53 - 1 ends at byte ${this.at}`);
        return value;
      }
      scale *= 0x80;
    }
    throw new Error(`${this.what}: a number longer than ${VARINT_BYTES_MAX} bytes ends at byte ${this.at}`);
  }

  /** Skips `bytes` bytes (an entry's data), checking they are inside the record. */
  skip(bytes: number): void {
    if (bytes > this.end - this.at) throw new Error(`${this.what}: ${bytes} bytes of data at byte ${this.at} run past the end of the record`);
    this.at += bytes;
  }
}
