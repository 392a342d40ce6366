// What a slot holds, and where every byte of it lives: the one value format of synod, written
// once by the client and moved as bytes by every other hop (the way src/mailbox/layout.ts owns
// the ring's bytes). Proposers read the few fields they need at fixed offsets; acceptors store
// and return the bytes unchanged, so no store can forget a field; learners decode once.
//
// A command (all integers little-endian):
//
//   byte 0   clientId   float64, a non-negative safe integer: who issued it
//   byte 8   seq        float64, a positive safe integer: the client's sequence number
//   byte 16  count      uint32, >= 1: log indexes the command takes (a sequencer's reservation)
//   byte 20  dataBytes  uint32: length of data
//   byte 24  data       dataBytes bytes, unaligned
//
// A slot value is its commands back to back, in delivery order, with nothing in between; the
// empty value is the no-op a new leader writes into a true hole. A run of commands from one
// buffer is therefore a value as it is: slot assembly is a subarray or one copy, never a decode.

/** A command as an object: what tests, the simulator and deliveries use. */
export interface Command {
  /** Who issued the command; with `seq` it identifies the command across retries. */
  readonly clientId: number;
  /** Per-client sequence number, starting at 1 and increasing by one per new command. */
  readonly seq: number;
  readonly data: Uint8Array;
  /**
   * Log indexes this command takes: 1 when omitted. A command with count k reserves k
   * consecutive indexes at once (how a sequencer hands out many numbers per command); its
   * delivery's logIndex is the first of them.
   */
  readonly count?: number;
}

/** A slot's value: encoded commands back to back (see the layout above). Empty means no-op. */
export type Value = Uint8Array;

export const COMMAND_CLIENT_ID_OFFSET = 0;
export const COMMAND_SEQ_OFFSET = 8;
export const COMMAND_COUNT_OFFSET = 16;
export const COMMAND_DATA_BYTES_OFFSET = 20;
export const COMMAND_HEADER_BYTES = 24;
/** Largest count one command may carry (uint32 field; far above any real reservation). */
export const COMMAND_COUNT_MAX = 0xffff_ffff;

export const NOOP: Value = new Uint8Array(0);

export function isNoop(value: Value): boolean {
  return value.byteLength === 0;
}

/** Bytes one command with `dataBytes` of data takes in a value. */
export function commandBytes(dataBytes: number): number {
  return COMMAND_HEADER_BYTES + dataBytes;
}

/** A DataView over exactly `bytes` (the fields of a value are read through one of these). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Writes one command at `offset` of `target` (viewed by `view`, which must cover the same bytes);
 * returns the offset after it. The caller has checked the fields (see checkCommandFields).
 */
export function writeCommand(
  target: Uint8Array,
  view: DataView,
  offset: number,
  clientId: number,
  seq: number,
  count: number,
  data: Uint8Array,
): number {
  const length = data.byteLength;
  const at = writeCommandHeader(view, offset, clientId, seq, count, length);
  // Small entries by a loop: set() costs more in fixed overhead than a few dozen byte copies.
  if (length <= SMALL_DATA_BYTES) for (let i = 0; i < length; i++) target[at + i] = data[i]!;
  else target.set(data, at);
  return at + length;
}

/**
 * Writes one command's header at `offset` (viewed by `view`); returns the offset of its data, for
 * a caller that copies the `dataBytes` of data there itself (into shared memory, co-aligned).
 */
export function writeCommandHeader(view: DataView, offset: number, clientId: number, seq: number, count: number, dataBytes: number): number {
  view.setFloat64(offset + COMMAND_CLIENT_ID_OFFSET, clientId, true);
  view.setFloat64(offset + COMMAND_SEQ_OFFSET, seq, true);
  view.setUint32(offset + COMMAND_COUNT_OFFSET, count, true);
  view.setUint32(offset + COMMAND_DATA_BYTES_OFFSET, dataBytes, true);
  return offset + COMMAND_HEADER_BYTES;
}

/** Data up to this many bytes is copied by a loop rather than set() (measured: bench micro). */
const SMALL_DATA_BYTES = 64;

export function commandClientId(view: DataView, at: number): number {
  return view.getFloat64(at + COMMAND_CLIENT_ID_OFFSET, true);
}

export function commandSeq(view: DataView, at: number): number {
  return view.getFloat64(at + COMMAND_SEQ_OFFSET, true);
}

export function commandCount(view: DataView, at: number): number {
  return view.getUint32(at + COMMAND_COUNT_OFFSET, true);
}

export function commandDataBytes(view: DataView, at: number): number {
  return view.getUint32(at + COMMAND_DATA_BYTES_OFFSET, true);
}

/** Offset of the command after the one at `at`. */
export function nextCommandAt(view: DataView, at: number): number {
  return at + COMMAND_HEADER_BYTES + commandDataBytes(view, at);
}

/** Throws TypeError/RangeError naming the field unless the fields make a valid command. */
export function checkCommandFields(clientId: number, seq: number, count: number, data: unknown): void {
  if (!Number.isSafeInteger(clientId) || clientId < 0) throw new RangeError(`command clientId must be a non-negative safe integer, got ${String(clientId)}`);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`command seq must be a positive safe integer, got ${String(seq)}`);
  if (!Number.isInteger(count) || count < 1 || count > COMMAND_COUNT_MAX) {
    throw new RangeError(`command count must be an integer from 1 to ${COMMAND_COUNT_MAX}, got ${String(count)}`);
  }
  if (!(data instanceof Uint8Array)) throw new TypeError(`command data must be a Uint8Array, got ${typeof data}`);
}

/** Encodes commands into one value (the simulator's and the tests' way in; the log client writes its own). */
export function encodeValue(commands: readonly Command[]): Value {
  let bytes = 0;
  for (const command of commands) bytes += commandBytes(command.data.byteLength);
  const value = new Uint8Array(bytes);
  const view = viewOf(value);
  let offset = 0;
  for (const command of commands) {
    const count = command.count ?? 1;
    checkCommandFields(command.clientId, command.seq, count, command.data);
    offset = writeCommand(value, view, offset, command.clientId, command.seq, count, command.data);
  }
  return value;
}

/** Counts the commands of a value and checks that they tile it exactly; throws RangeError if not. */
export function countCommands(value: Value): number {
  const view = viewOf(value);
  // Read once: a value may be a view of a value slab, a growable SharedArrayBuffer, whose views'
  // byteLength V8 11 (Node 20) reads through a generic IC call rather than inline.
  const end = value.byteLength;
  let commands = 0;
  let at = 0;
  while (at < end) {
    if (end - at < COMMAND_HEADER_BYTES) throw new RangeError(`value of ${end} bytes ends inside a command header at byte ${at}`);
    const next = nextCommandAt(view, at);
    if (next > end) throw new RangeError(`value of ${end} bytes: the command at byte ${at} runs to byte ${next}`);
    const clientId = commandClientId(view, at);
    const seq = commandSeq(view, at);
    const count = commandCount(view, at);
    if (!Number.isSafeInteger(clientId) || clientId < 0 || !Number.isSafeInteger(seq) || seq < 1 || count < 1) {
      throw new RangeError(`value: the command at byte ${at} has clientId ${clientId}, seq ${seq}, count ${count}`);
    }
    commands++;
    at = next;
  }
  return commands;
}

/**
 * The commands of a value as objects, with `count` always set and `data` a view into `value`
 * (no copy: keep the value alive and unmodified while the data is in use).
 */
export function decodeValue(value: Value): Command[] {
  countCommands(value);
  const view = viewOf(value);
  const commands: Command[] = [];
  for (let at = 0; at < value.byteLength; at = nextCommandAt(view, at)) {
    const dataStart = at + COMMAND_HEADER_BYTES;
    commands.push({
      clientId: commandClientId(view, at),
      seq: commandSeq(view, at),
      count: commandCount(view, at),
      data: value.subarray(dataStart, dataStart + commandDataBytes(view, at)),
    });
  }
  return commands;
}
