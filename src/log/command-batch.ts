import { COMMAND_HEADER_BYTES, viewOf, writeCommand } from '../paxos/index.js';

/** Bytes of a fresh slab (more for a turn that needs more). */
const SLAB_BYTES = 64 * 1024;

/**
 * The commands one client thread sends one proposer in one turn of its event loop, written once
 * in the value layout (src/paxos/value.ts) as they are made: the proposer cuts slots out of these
 * bytes as they are. Cut into messages of at most `messageBytesMax` bytes at command boundaries,
 * so a turn of any size never builds a message too large for a mailbox.
 *
 * Commands are written into slabs that are never written twice: a byte range written stays as it
 * is for as long as anyone holds the slab. So the copy made here is also the append's own copy of
 * its entry, which a resend sends again (AppendCore keeps `slab` and the offset add() returns),
 * whatever the caller did with its buffer since. A full slab is left to the garbage collector
 * once no unsettled append points into it.
 */
export class CommandBatchWriter {
  private buffer = new Uint8Array(SLAB_BYTES);
  private view = viewOf(this.buffer);
  /** Where this turn's commands start: the bytes before it were sent and are never written again. */
  private turnStart = 0;
  private bytes = 0;
  private messageStart = 0;
  /** Offsets where a message ends before `bytes`. */
  private readonly cuts: number[] = [];

  constructor(private readonly messageBytesMax: number) {}

  get isEmpty(): boolean {
    return this.bytes === this.turnStart;
  }

  /** The slab the last add() wrote into (its returned offset is in this one). */
  get slab(): Uint8Array {
    return this.buffer;
  }

  /**
   * Appends one command; the caller checked its fields and that it fits one message alone.
   * Returns the offset of the command's data in `slab`, which stays as written.
   */
  add(clientId: number, seq: number, count: number, data: Uint8Array): number {
    const size = COMMAND_HEADER_BYTES + data.byteLength;
    if (this.bytes > this.messageStart && this.bytes - this.messageStart + size > this.messageBytesMax) {
      this.cuts.push(this.bytes);
      this.messageStart = this.bytes;
    }
    if (this.bytes + size > this.buffer.byteLength) this.nextSlab(this.bytes - this.turnStart + size);
    this.bytes = writeCommand(this.buffer, this.view, this.bytes, clientId, seq, count, data);
    return this.bytes - data.byteLength;
  }

  /** Hands each message's commands to `send` (a view, valid only during the call), then empties. */
  drain(send: (commands: Uint8Array) => void): void {
    let start = this.turnStart;
    for (const cut of this.cuts) {
      send(this.buffer.subarray(start, cut));
      start = cut;
    }
    if (this.bytes > start) send(this.buffer.subarray(start, this.bytes));
    this.cuts.length = 0;
    this.turnStart = this.messageStart = this.bytes;
    // After a burst that needed a huge slab, start small again: the big one stays only as long as
    // the appends written into it are unsettled.
    if (this.buffer.byteLength > 4 * Math.max(SLAB_BYTES, this.messageBytesMax)) {
      this.buffer = new Uint8Array(SLAB_BYTES);
      this.view = viewOf(this.buffer);
      this.turnStart = this.messageStart = this.bytes = 0;
    }
  }

  /**
   * Moves this turn's commands to a fresh slab with room for `bytesNeeded`. The old slab keeps
   * its bytes: appends of this turn that point into it still read what they wrote.
   */
  private nextSlab(bytesNeeded: number): void {
    const slab = new Uint8Array(Math.max(SLAB_BYTES, 2 * bytesNeeded));
    slab.set(this.buffer.subarray(this.turnStart, this.bytes));
    const shift = this.turnStart;
    for (let i = 0; i < this.cuts.length; i++) this.cuts[i]! -= shift;
    this.messageStart -= shift;
    this.bytes -= shift;
    this.turnStart = 0;
    this.buffer = slab;
    this.view = viewOf(slab);
  }
}
