import { COMMAND_HEADER_BYTES, viewOf, writeCommand } from '../paxos/index.js';

/** Bytes a writer starts with, and keeps after draining a burst that grew it far beyond. */
const INITIAL_BYTES = 16 * 1024;

/**
 * The commands one client thread sends one proposer in one turn of its event loop, written once
 * in the value layout (src/paxos/value.ts) as they are made: the proposer cuts slots out of these
 * bytes as they are. Cut into messages of at most `messageBytesMax` bytes at command boundaries,
 * so a turn of any size never builds a message too large for a mailbox.
 */
export class CommandBatchWriter {
  private buffer = new Uint8Array(INITIAL_BYTES);
  private view = viewOf(this.buffer);
  private bytes = 0;
  private messageStart = 0;
  /** Offsets where a message ends before `bytes`. */
  private readonly cuts: number[] = [];

  constructor(private readonly messageBytesMax: number) {}

  get isEmpty(): boolean {
    return this.bytes === 0;
  }

  /** Appends one command; the caller checked its fields and that it fits one message alone. */
  add(clientId: number, seq: number, count: number, data: Uint8Array): void {
    const size = COMMAND_HEADER_BYTES + data.byteLength;
    if (this.bytes > this.messageStart && this.bytes - this.messageStart + size > this.messageBytesMax) {
      this.cuts.push(this.bytes);
      this.messageStart = this.bytes;
    }
    if (this.bytes + size > this.buffer.byteLength) this.grow(this.bytes + size);
    this.bytes = writeCommand(this.buffer, this.view, this.bytes, clientId, seq, count, data);
  }

  /** Hands each message's commands to `send` (a view, valid only during the call), then empties. */
  drain(send: (commands: Uint8Array) => void): void {
    let start = 0;
    for (const cut of this.cuts) {
      send(this.buffer.subarray(start, cut));
      start = cut;
    }
    if (this.bytes > start) send(this.buffer.subarray(start, this.bytes));
    this.cuts.length = 0;
    this.bytes = 0;
    this.messageStart = 0;
    if (this.buffer.byteLength > 4 * Math.max(INITIAL_BYTES, this.messageBytesMax)) {
      this.buffer = new Uint8Array(INITIAL_BYTES);
      this.view = viewOf(this.buffer);
    }
  }

  private grow(bytesNeeded: number): void {
    const grown = new Uint8Array(Math.max(bytesNeeded, this.buffer.byteLength * 2));
    grown.set(this.buffer.subarray(0, this.bytes));
    this.buffer = grown;
    this.view = viewOf(grown);
  }
}
