import { MessageCodec } from '../../src/mailbox/index.js';

/** Every transport carries messages of this many bytes: msgpack-encoded for synod, raw for the bare ring. */
export const MESSAGE_BYTES = 32;

export const KIND_DATA = 1;
export const KIND_STOP = 0;

/**
 * The benchmark message: a kind, a sequence number the receiver checks, and filler bytes that
 * bring the msgpack encoding to exactly MESSAGE_BYTES. postMessage carries the same object.
 */
export interface BenchMessage {
  k: number;
  s: number;
  d: Uint8Array;
}

/**
 * Sequence numbers stay in [2^16, 2^32) so msgpack always encodes them as a 5-byte uint32:
 * smaller values would shrink the message, and the size must not drift during a run.
 */
export const FIRST_SEQUENCE = 0x1_0000;

export function nextSequence(sequence: number): number {
  return sequence === 0xffff_ffff ? FIRST_SEQUENCE : sequence + 1;
}

/** Filler length that makes the encoding exactly MESSAGE_BYTES (15 with msgpackr 2.1: it writes maps as map16). */
export const FILLER_BYTES = fillerBytesFor(MESSAGE_BYTES);

export function createBenchMessage(kind: number = KIND_DATA): BenchMessage {
  return { k: kind, s: FIRST_SEQUENCE, d: new Uint8Array(FILLER_BYTES).fill(0xa5) };
}

/** The encoded size of `message` as the mailbox would send it. */
export function encodedBytes(message: BenchMessage): number {
  const { start, end } = new MessageCodec().encode(message);
  return end - start;
}

/** Throws unless the benchmark message really encodes to MESSAGE_BYTES; a silent size drift would falsify every figure. */
export function assertMessageBytes(message: BenchMessage): void {
  const bytes = encodedBytes(message);
  if (bytes !== MESSAGE_BYTES) throw new Error(`benchmark message encodes to ${bytes} bytes, expected ${MESSAGE_BYTES}`);
}

function fillerBytesFor(targetBytes: number): number {
  // Measured, not computed by hand: the codec's framing (map16 vs fixmap, bin8) is msgpackr's choice.
  const withoutFiller = encodedBytes({ k: KIND_DATA, s: FIRST_SEQUENCE, d: new Uint8Array(0) });
  const filler = targetBytes - withoutFiller;
  if (filler < 0) throw new Error(`a benchmark message cannot be as small as ${targetBytes} bytes`);
  return filler;
}

/** Bare-ring records: MESSAGE_BYTES raw bytes, the sequence number little-endian in bytes 0-3, the kind in byte 4. */
export const RAW_KIND_OFFSET = 4;

export function createRawPayload(kind: number = KIND_DATA): Uint8Array {
  const payload = new Uint8Array(MESSAGE_BYTES).fill(0xa5);
  writeRawSequence(payload, FIRST_SEQUENCE);
  payload[RAW_KIND_OFFSET] = kind;
  return payload;
}

export function writeRawSequence(payload: Uint8Array, sequence: number): void {
  payload[0] = sequence;
  payload[1] = sequence >>> 8;
  payload[2] = sequence >>> 16;
  payload[3] = sequence >>> 24;
}

export function readRawSequence(bytes: Uint8Array, start: number): number {
  return (bytes[start]! | (bytes[start + 1]! << 8) | (bytes[start + 2]! << 16) | (bytes[start + 3]! << 24)) >>> 0;
}
