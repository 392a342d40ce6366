import { COMMAND_HEADER_BYTES, viewOf, writeCommand } from '../paxos/index.js';
import { ReusedList } from '../util/reused-list.js';

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
 * whatever the caller did with its buffer since. A full slab ends the message being written (its
 * bytes are never moved: moving them was one more copy of every large entry), and is left to the
 * garbage collector once no unsettled append points into it.
 */
export class CommandBatchWriter {
  private buffer = new Uint8Array(SLAB_BYTES);
  private view = viewOf(this.buffer);
  /** Where the message being written starts in `buffer`: the bytes before it were sent or cut. */
  private messageStart = 0;
  private bytes = 0;
  /** Messages of this turn already cut, each a range of its slab. */
  private readonly cut = new ReusedList<Uint8Array>();
  /** Bytes written this turn: a fresh slab is sized by it. */
  private turnBytes = 0;

  constructor(private readonly messageBytesMax: number) {}

  get isEmpty(): boolean {
    return this.turnBytes === 0;
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
    if (this.bytes > this.messageStart && this.bytes - this.messageStart + size > this.messageBytesMax) this.cutMessage();
    if (this.bytes + size > this.buffer.byteLength) this.nextSlab(size);
    this.bytes = writeCommand(this.buffer, this.view, this.bytes, clientId, seq, count, data);
    this.turnBytes += size;
    return this.bytes - data.byteLength;
  }

  /** Hands each message's commands to `send` (a view, valid only during the call), then empties. */
  drain(send: (commands: Uint8Array) => void): void {
    for (let i = 0; i < this.cut.length; i++) send(this.cut.get(i));
    this.cut.clear();
    if (this.bytes > this.messageStart) send(this.buffer.subarray(this.messageStart, this.bytes));
    this.messageStart = this.bytes;
    // After a burst that grew the slab, a quiet turn starts a small one again: the big one stays
    // only as long as the appends written into it are unsettled.
    if (this.buffer.byteLength > SLAB_BYTES && this.turnBytes < SLAB_BYTES / 2) this.useSlab(SLAB_BYTES);
    this.turnBytes = 0;
  }

  private cutMessage(): void {
    this.cut.push(this.buffer.subarray(this.messageStart, this.bytes));
    this.messageStart = this.bytes;
  }

  /**
   * A fresh slab for a command of `commandBytes` that does not fit this one: the message being
   * written ends here. Sized for this turn so far, twice over (a busy turn of large entries
   * changes slabs a few times, not once per entry), within a message's size.
   */
  private nextSlab(commandBytes: number): void {
    if (this.bytes > this.messageStart) this.cutMessage();
    this.useSlab(Math.max(SLAB_BYTES, commandBytes, Math.min(this.messageBytesMax, 2 * (this.turnBytes + commandBytes))));
  }

  private useSlab(bytes: number): void {
    this.buffer = new Uint8Array(bytes);
    this.view = viewOf(this.buffer);
    this.messageStart = this.bytes = 0;
  }
}
