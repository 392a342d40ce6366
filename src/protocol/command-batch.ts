import { copyRange, isSharedBytes } from '../mailbox/copy-range.js';
import { COMMAND_HEADER_BYTES, viewOf, writeCommand, writeCommandHeader } from '../paxos/index.js';
import { ReusedList } from '../util/reused-list.js';

/** Bytes of a fresh slab (more for a turn that needs more). */
const SLAB_BYTES = 64 * 1024;
/** Released slabs a writer keeps for reuse, at most this many and this many bytes in all. */
export const SPARE_SLABS_MAX = 8;
export const SPARE_SLAB_BYTES_MAX = 2 * 1024 * 1024;
/** A spare slab is taken for a need of n bytes only up to this many times n (a small turn does not pin a burst's slab). */
const SPARE_OVERSIZE_MAX = 4;

/**
 * Memory commands are written into, with a count of the unsettled appends whose bytes are in it.
 * An append holds the slab its command was last written into (AppendCore: hold at add(), one
 * release() when it settles or is written again elsewhere); once none does and the writer has
 * moved on from it, its bytes are nobody's and the writer writes new commands over them.
 */
export class Slab {
  readonly view: DataView;
  /** Unsettled appends whose command is in this slab. */
  holders = 0;
  /** Shared memory (SharedCommandMemory): never written again, given back once nobody reads it. */
  readonly shared: boolean;

  constructor(
    readonly bytes: Uint8Array,
    private readonly writer: CommandBatchWriter,
  ) {
    this.view = viewOf(bytes);
    this.shared = isSharedBytes(bytes);
  }

  /** One more reader of bytes here: an append (at add()), or a message viewing them that waits to be sent (AppendCoreSink.send). */
  hold(): void {
    this.holders++;
  }

  /** One reader no longer reads its bytes here (called once per hold). */
  release(): void {
    if (this.holders <= 0) throw new Error('slab released more times than it was held');
    // The slab add() writes into stays the writer's; one it moved on from is free now.
    if (--this.holders === 0 && this !== this.writer.slab) this.writer.freed(this);
  }
}

/**
 * Shared memory a writer may write its commands into: the client's value slab (value-slab.ts),
 * whose views the client's mailbox sends by reference, so a batch reaches the proposer without a
 * copy into its ring (an entry is copied once on the client's thread, not twice).
 */
export interface SharedCommandMemory {
  /**
   * At least `minBytes` and at most `wantedBytes` to write commands into, kept as written for as
   * long as the writer visits them (CommandBatchWriter.visitShared) and a record sent references
   * them; undefined where there is no room (the writer takes private memory then).
   */
  reserve(minBytes: number, wantedBytes: number): Uint8Array | undefined;
}

/**
 * The commands one client thread sends one proposer in one turn of its event loop, written once
 * in the value layout (src/paxos/value.ts) as they are made: the proposer cuts slots out of these
 * bytes as they are. Cut into messages of at most `messageBytesMax` bytes at command boundaries,
 * so a turn of any size never builds a message too large for a mailbox.
 *
 * Commands are written into slabs that are not written again while held: a byte range written
 * stays as it is for as long as an append holds its slab. So the copy made here is also the
 * append's own copy of its entry, which a resend sends again (AppendCore keeps `slab` and the
 * offset add() returns), whatever the caller did with its buffer since. A full slab ends the
 * message being written (its bytes are never moved: moving them was one more copy of every large
 * entry). Once no unsettled append holds a slab the writer has moved on from (Slab.release), it
 * is written again from the start: from the end of a drain on, after the messages that may view
 * it have been sent (a send copies them into a mailbox, or holds the slab while one waits), kept
 * as a spare (SPARE_SLABS_MAX, SPARE_SLAB_BYTES_MAX) and taken before a new one is made. Without reuse every slab was a new
 * ArrayBuffer: at 64 KiB entries the calling thread spent 28% of its time in scavenges forced by
 * that external memory.
 *
 * With SharedCommandMemory, slabs are reserved there first (private ones where it has no room):
 * a shared slab is written once and never reused; while an append holds it, or the writer still
 * writes or cuts messages in it, visitShared() visits it, and once neither does (at a drain) it
 * is left to the memory, which takes it back once every record referencing it was consumed.
 */
export class CommandBatchWriter {
  private current: Slab;
  private buffer: Uint8Array;
  /**
   * `buffer.byteLength`, kept as a number: `buffer` is a view of the client's value slab (a
   * growable SharedArrayBuffer, for its mmap'd pages) or of private memory, and V8 11 (Node 20)
   * reads byteLength of a view of a growable buffer through a generic IC call, not inline.
   */
  private bufferBytes: number;
  private view: DataView;
  /** Where the message being written starts in `buffer`: the bytes before it were sent or cut. */
  private messageStart = 0;
  private bytes = 0;
  /** Messages of this turn already cut, each a range of its slab, and those slabs. */
  private readonly cut = new ReusedList<Uint8Array>();
  private readonly cutSlabs = new ReusedList<Slab>();
  /** Bytes written this turn: a fresh slab is sized by it. */
  private turnBytes = 0;
  /** Retired slabs no append holds any more: spares once this turn's messages are sent. */
  private readonly freedThisTurn = new ReusedList<Slab>();
  /** Slabs to write into again, and their bytes in all. */
  private readonly spares: Slab[] = [];
  private spareBytes = 0;

  /** Shared slabs someone may still read through this writer: visitShared() visits them. */
  private readonly sharedLive = new Set<Slab>();

  constructor(
    private readonly messageBytesMax: number,
    private readonly sharedMemory?: SharedCommandMemory,
  ) {
    this.current = this.sharedSlab(SLAB_BYTES, SLAB_BYTES) ?? new Slab(new Uint8Array(SLAB_BYTES), this);
    this.buffer = this.current.bytes;
    this.bufferBytes = this.buffer.byteLength;
    this.view = this.current.view;
  }

  get isEmpty(): boolean {
    return this.turnBytes === 0;
  }

  /** The slab the last add() wrote into (its returned offset is in this one), held once for that command. */
  get slab(): Slab {
    return this.current;
  }

  /** Slabs kept for reuse, and their bytes in all (for tests). */
  get spareCount(): number {
    return this.spares.length;
  }

  get spareBytesTotal(): number {
    return this.spareBytes;
  }

  /**
   * Appends one command; the caller checked its fields and that it fits one message alone.
   * Returns the offset of the command's data in `slab`, which stays as written while the slab is
   * held: the caller holds it once for this command (release() when done with it).
   */
  add(clientId: number, seq: number, count: number, data: Uint8Array): number {
    // Read once: a resend's data is a view of a slab (see bufferBytes).
    const dataBytes = data.byteLength;
    const size = COMMAND_HEADER_BYTES + dataBytes;
    if (this.bytes > this.messageStart && this.bytes - this.messageStart + size > this.messageBytesMax) this.cutMessage();
    if (this.bytes + size > this.bufferBytes) this.nextSlab(size);
    if (this.current.shared) {
      // Into shared memory: copyRange() keeps a large copy word by word whatever the alignments.
      const at = writeCommandHeader(this.view, this.bytes, clientId, seq, count, dataBytes);
      copyRange(data, 0, dataBytes, this.buffer, at);
      this.bytes = at + dataBytes;
    } else {
      this.bytes = writeCommand(this.buffer, this.view, this.bytes, clientId, seq, count, data);
    }
    this.turnBytes += size;
    this.current.hold();
    return this.bytes - dataBytes;
  }

  /**
   * Hands each message's commands to `send`, then empties: a view of `slab`, valid only during the
   * call unless `send` holds the slab (Slab.hold) for as long as it keeps the view.
   */
  drain(send: (commands: Uint8Array, slab: Slab) => void): void {
    for (let i = 0; i < this.cut.length; i++) send(this.cut.get(i), this.cutSlabs.get(i));
    this.cut.clear();
    this.cutSlabs.clear();
    if (this.bytes > this.messageStart) send(this.buffer.subarray(this.messageStart, this.bytes), this.current);
    this.messageStart = this.bytes;
    // After a burst that grew the slab, a quiet turn starts a small one again: the big one stays
    // only as long as the appends written into it are unsettled, and big spares are let go.
    const quiet = this.turnBytes < SLAB_BYTES / 2;
    if (quiet && this.bufferBytes > SLAB_BYTES) this.useSlab(SLAB_BYTES);
    this.turnBytes = 0;
    // Every message that could view a freed slab has been sent (copied into its mailbox), or holds
    // it while it waits (held again after it was freed: it is freed once more when let go).
    for (let i = 0; i < this.freedThisTurn.length; i++) this.retire(this.freedThisTurn.get(i));
    this.freedThisTurn.clear();
    if (quiet) this.dropSparesOver(SLAB_BYTES);
  }

  /** Visits every shared slab an append, a waiting message or this writer may still read (SharedCommandMemory). */
  visitShared(visit: (bytes: Uint8Array) => void): void {
    for (const slab of this.sharedLive) visit(slab.bytes);
  }

  /** Shared slabs visitShared() visits (for tests). */
  get sharedSlabCount(): number {
    return this.sharedLive.size;
  }

  /**
   * Slab.release(): `slab`, one the writer moved on from, has no holder left. With nothing written
   * since the last drain, no message still to be sent can view it: it is retired at once. Why:
   * acknowledgements settle appends after their messages left, and a client that then goes idle
   * drains no more; a shared slab kept named until its next drain held the memory below it, and
   * the first burst after an idle spell found no room there.
   */
  freed(slab: Slab): void {
    if (this.turnBytes === 0) this.retire(slab);
    else this.freedThisTurn.push(slab);
  }

  /** A slab no append holds and no message to be sent views: back to the shared memory, or kept to write into again. */
  private retire(slab: Slab): void {
    if (slab.holders !== 0) return;
    if (slab.shared) this.sharedLive.delete(slab);
    else this.keepSpare(slab);
  }

  private cutMessage(): void {
    this.cut.push(this.buffer.subarray(this.messageStart, this.bytes));
    this.cutSlabs.push(this.current);
    this.messageStart = this.bytes;
  }

  /**
   * A fresh slab for a command of `commandBytes` that does not fit this one: the message being
   * written ends here. Sized for this turn so far, twice over (a busy turn of large entries
   * changes slabs a few times, not once per entry), within a message's size.
   */
  private nextSlab(commandBytes: number): void {
    if (this.bytes > this.messageStart) this.cutMessage();
    this.useSlab(Math.max(SLAB_BYTES, commandBytes, Math.min(this.messageBytesMax, 2 * (this.turnBytes + commandBytes))), commandBytes);
  }

  /** Moves on to a slab of `bytes` (shared memory may give less, not under `minBytes`). */
  private useSlab(bytes: number, minBytes = bytes): void {
    const old = this.current;
    if (old.holders === 0) this.freedThisTurn.push(old);
    // Where the shared memory has no room, a private slab as large as it would have been: one of
    // a command each (64 KiB entries, 256 in flight) made a message, and a keep at the leader, of
    // every command, and cut throughput from 3.5 to 2.5 k appends/s. The next slab tries the
    // shared memory again.
    const slab = this.sharedSlab(minBytes, bytes) ?? this.takeSpare(bytes) ?? new Slab(new Uint8Array(bytes), this);
    this.current = slab;
    this.buffer = slab.bytes;
    this.bufferBytes = slab.bytes.byteLength;
    this.view = slab.view;
    this.messageStart = this.bytes = 0;
  }

  /** A slab of `minBytes` to `wantedBytes` in the shared memory, or undefined (none, or no room there). */
  private sharedSlab(minBytes: number, wantedBytes: number): Slab | undefined {
    const reserved = this.sharedMemory?.reserve(minBytes, wantedBytes);
    if (reserved === undefined) return undefined;
    const slab = new Slab(reserved, this);
    this.sharedLive.add(slab);
    return slab;
  }

  /** The smallest spare of at least `bytes` (and not SPARE_OVERSIZE_MAX times more), taken out of the spares. */
  private takeSpare(bytes: number): Slab | undefined {
    let best = -1;
    for (let i = 0; i < this.spares.length; i++) {
      const size = this.spares[i]!.bytes.byteLength;
      if (size >= bytes && size <= SPARE_OVERSIZE_MAX * bytes && (best < 0 || size < this.spares[best]!.bytes.byteLength)) best = i;
    }
    if (best < 0) return undefined;
    const slab = this.spares[best]!;
    this.spares[best] = this.spares[this.spares.length - 1]!;
    this.spares.pop();
    this.spareBytes -= slab.bytes.byteLength;
    return slab;
  }

  /** Lets the garbage collector have the spares larger than `bytes` (a burst's, after it). */
  private dropSparesOver(bytes: number): void {
    for (let i = this.spares.length - 1; i >= 0; i--) {
      const slab = this.spares[i]!;
      if (slab.bytes.byteLength <= bytes) continue;
      this.spareBytes -= slab.bytes.byteLength;
      this.spares[i] = this.spares[this.spares.length - 1]!;
      this.spares.pop();
    }
  }

  /** Keeps a freed slab to write into again, within the spares' bounds (else the GC takes it). */
  private keepSpare(slab: Slab): void {
    if (this.spares.length >= SPARE_SLABS_MAX || this.spareBytes + slab.bytes.byteLength > SPARE_SLAB_BYTES_MAX) return;
    this.spares.push(slab);
    this.spareBytes += slab.bytes.byteLength;
  }
}
