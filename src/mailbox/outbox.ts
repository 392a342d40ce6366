import { performance } from 'node:perf_hooks';
import { Doorbell } from './doorbell.js';
import { MailboxFullError, MessageTooLargeError } from './errors.js';
import { RECORD_TYPE_BYTES, RECORD_TYPE_MESSAGE, RING_HEAD_INDEX, recordTypeWord } from './layout.js';
import { RingProducer } from './ring.js';
import { threadCodec, type MessageCodec } from './codec.js';
import { copyRange } from './copy-range.js';
import { FAST_ENCODE_MISALIGNED, FAST_ENCODE_NO_ROOM, FAST_ENCODE_UNSUPPORTED } from './fast-encoder.js';
import type { HeldWakeups } from './held-wakeups.js';
import type { SlabLink, ValueSlabWriter } from './value-slab.js';

/**
 * The least free space at the tail worth encoding into directly; with less, the message is sized
 * in the scratch buffer first (a message larger than the room is encoded twice, so keep this
 * above the usual message size).
 */
const DIRECT_ENCODE_MIN_ROOM_BYTES = 256;

/**
 * The sending end of one link: encodes into the ring, commits, and rings the receiver's doorbell
 * only if it is parked (or, while `wakeups` holds, owes it that ring). A full ring is
 * backpressure, never loss: trySend() says false and writes nothing; send(), sendAsync() and
 * sendAsyncInPlace() wait for the receiver to free space (or time out).
 *
 * trySend() and trySendAgain() place a message's first large binary field (an entry's bytes) at
 * its source's address modulo 8, by a lead pad in the record (layout.ts): copied into the ring
 * that way, V8 moves it word by word in one copy, where it took a bounce through a private
 * buffer, two copies (copy-range.ts), at every hop of a large entry.
 */
export class Outbox {
  readonly producer: RingProducer;
  private readonly doorbell: Doorbell;
  private readonly codec: MessageCodec;
  /**
   * The message last written and where its encoding sits in this ring: the bytes stay there until
   * this producer writes again (the consumer only moves the head), so a fan-out of the same
   * message to other links copies them instead of encoding again (trySendAgain).
   */
  private lastMessage: unknown = undefined;
  private lastStart = 0;
  private lastEnd = 0;
  /** The lead pad of that record: a fan-out copy keeps it, so the bytes stay co-aligned. */
  private lastPad = 0;
  /** The lowest slab position that record references (Infinity: none): a fan-out copy references the same. */
  private lastSlabStart = Number.POSITIVE_INFINITY;
  /** This ring's bookkeeping in the sender's value slab. */
  private readonly slabLink: SlabLink | undefined;
  /**
   * sendAsync() messages not written yet, and the promise the next one waits behind. While any
   * waits, trySend() says false: a link delivers in the order messages were sent, also across a
   * full ring (a client's resend policy reads an acknowledgement as news about everything sent
   * before it).
   */
  private asyncWaiting = 0;
  private asyncTail: Promise<void> = Promise.resolve();

  constructor(
    ringSab: SharedArrayBuffer,
    doorbellSab: SharedArrayBuffer,
    codec: MessageCodec = threadCodec(),
    /** The sending thread's held wake-ups (an actor host's, per pass); none: every write rings at once. */
    private readonly wakeups?: HeldWakeups,
    /**
     * The sending actor's value slab: trySend() sends large binaries by reference to it (the
     * receiver's link must know the slab). None: everything inline. The waiting sends (send(),
     * sendAsync()) always go inline: their records are written later, from a copy (a message
     * sendAsyncInPlace() keeps is encoded when written, as trySend() does).
     */
    readonly slab?: ValueSlabWriter,
  ) {
    this.producer = new RingProducer(ringSab);
    this.doorbell = new Doorbell(doorbellSab);
    this.codec = codec;
    this.slabLink = slab?.link(ringSab);
  }

  /** Records on this ring with references into the slab not yet known consumed (for tests). */
  get slabRecordsPending(): number {
    return this.slabLink?.pending ?? 0;
  }

  /** This Outbox is replaced or dropped: its ring's references are let go once its receiver consumed them. */
  retire(): void {
    if (this.slabLink !== undefined) this.slabLink.retired = true;
  }

  /** After a commit: ring the receiver now, or owe it the ring while this thread holds wake-ups. */
  private wake(): void {
    const wakeups = this.wakeups;
    if (wakeups !== undefined && wakeups.holding) wakeups.owe(this.doorbell);
    else this.doorbell.ring();
  }

  /** Before waiting for room: the receiver must have been woken for what it has to drain. */
  private releaseHeldWakeups(): void {
    if (this.wakeups !== undefined && this.wakeups.holding) this.wakeups.release();
  }

  /** The largest encoded message this link carries. */
  get maxMessageBytes(): number {
    return this.producer.maxPayloadBytes;
  }

  /**
   * Encodes and writes `message`; false if the ring has no room now. MessageTooLargeError if it
   * never could. `quiet`: the receiver is not woken for it and finds it at its next wake, which
   * must come anyway (a timer of its own), for messages whose reader can wait that long.
   */
  trySend(message: unknown, quiet = false): boolean {
    if (this.asyncWaiting > 0) return false;
    return this.write(message, quiet);
  }

  /** trySend() without the wait for earlier sendAsync() messages: for the one whose turn it is. */
  private write(message: unknown, quiet: boolean): boolean {
    const slab = this.slab;
    if (slab === undefined) return this.encodeAndWrite(message, quiet, undefined);
    const written = this.encodeAndWrite(message, quiet, slab);
    slab.endRecord();
    return written;
  }

  /** trySend()'s work: the record written (and its references noted on this link), or false with nothing written. */
  private encodeAndWrite(message: unknown, quiet: boolean, slab: ValueSlabWriter | undefined): boolean {
    // Fast path: encode straight into the free space at the ring's tail, no scratch buffer and no copy.
    const producer = this.producer;
    const at = producer.reserve(DIRECT_ENCODE_MIN_ROOM_BYTES);
    let encodedEnd = FAST_ENCODE_NO_ROOM;
    if (at >= 0) {
      const limit = at + producer.reservedPayloadBytes;
      let pad = 0;
      encodedEnd = this.codec.encodeInto(message, producer.bytes, at, limit, true, slab);
      if (encodedEnd === FAST_ENCODE_MISALIGNED) {
        pad = this.codec.alignmentPad;
        encodedEnd = this.codec.encodeInto(message, producer.bytes, at + pad, limit, false, slab, true);
      }
      if (encodedEnd >= 0) {
        producer.commitReserved(recordTypeWord(RECORD_TYPE_MESSAGE, pad), encodedEnd - at);
        this.remember(message, at + pad, encodedEnd, pad, slab?.recordReferencesFrom);
        if (!quiet) this.wake();
        return true;
      }
    }
    // Near the wrap, a nearly full ring, or a message larger than the room at the tail: measure it,
    // claim exactly that (claim pads at the wrap), and encode in place. Through a scratch buffer
    // instead, a large message's bytes were copied twice more (measured with the copy audit).
    // (A value only msgpackr encodes may show itself only to measure(): the first try can run out
    // of room before it reaches the part it does not handle.)
    const payloadBytes = encodedEnd === FAST_ENCODE_UNSUPPORTED ? FAST_ENCODE_UNSUPPORTED : this.codec.measure(message, slab);
    if (payloadBytes === FAST_ENCODE_UNSUPPORTED) {
      const { buffer, start, end } = this.codec.encodeWithMsgpackr(message);
      return this.tryWriteEncoded(RECORD_TYPE_MESSAGE, buffer, start, end, message, quiet);
    }
    if (payloadBytes > producer.maxPayloadBytes) throw new MessageTooLargeError(payloadBytes, producer.maxPayloadBytes);
    let claimed = producer.claim(RECORD_TYPE_MESSAGE, payloadBytes);
    if (claimed < 0) return false;
    let pad = 0;
    let end = this.codec.encodeInto(message, producer.bytes, claimed, claimed + payloadBytes, true, slab, true);
    if (end === FAST_ENCODE_MISALIGNED) {
      // The same record claimed again a pad longer, if that fits; else as first claimed, unaligned
      // (the copy goes through a bounce).
      pad = this.codec.alignmentPad;
      const padded = payloadBytes + pad <= producer.maxPayloadBytes ? producer.claim(recordTypeWord(RECORD_TYPE_MESSAGE, pad), payloadBytes + pad) : -1;
      if (padded >= 0) claimed = padded;
      else {
        pad = 0;
        claimed = producer.claim(RECORD_TYPE_MESSAGE, payloadBytes);
      }
      end = this.codec.encodeInto(message, producer.bytes, claimed + pad, claimed + pad + payloadBytes, false, slab, true);
    }
    // Unpublished, a claim is simply claimed again by the next write: a failure here leaves the ring as it was.
    if (end !== claimed + pad + payloadBytes) throw new Error(`the encoder wrote ${end - claimed - pad} bytes of a message it measured at ${payloadBytes}`);
    producer.commit();
    this.remember(message, claimed + pad, end, pad, slab?.recordReferencesFrom);
    if (!quiet) this.wake();
    return true;
  }

  /**
   * Sends `message`, which `previous` (another link of this thread) wrote last, by copying its
   * encoding out of `previous`'s ring: one encode for a fan-out to many links, then one copy per
   * link. Messages are values: one changed after it was sent would go out as it was. Falls back
   * to trySend() if `previous` wrote something else since.
   */
  trySendAgain(message: unknown, previous: Outbox, quiet = false): boolean {
    if (this.asyncWaiting > 0) return false;
    // References point into the slab of the record's writer: only a link of the same slab may copy
    // them, and only while their bytes are there (a held message goes out after its other links
    // consumed theirs, and the slab may have been written over since).
    if (
      previous.lastMessage !== message ||
      previous === this ||
      previous.slab !== this.slab ||
      (previous.lastSlabStart !== Number.POSITIVE_INFINITY && !this.slab!.intactFrom(previous.lastSlabStart))
    ) {
      return this.trySend(message, quiet);
    }
    return this.tryWriteEncoded(RECORD_TYPE_MESSAGE, previous.producer.bytes, previous.lastStart, previous.lastEnd, message, quiet, previous.lastPad, previous.lastSlabStart);
  }

  /**
   * The record just committed, for a fan-out copy; and, if it references the slab from
   * `slabStart` (Infinity or none: no references), those references are live on this ring until
   * the receiver consumes it.
   */
  private remember(message: unknown, start: number, end: number, pad: number, slabStart = Number.POSITIVE_INFINITY): void {
    this.lastMessage = message;
    this.lastStart = start;
    this.lastEnd = end;
    this.lastPad = pad;
    this.lastSlabStart = slabStart;
    if (slabStart !== Number.POSITIVE_INFINITY) this.slab!.committed(this.slabLink!, this.producer.position, slabStart);
    else this.slabLink?.forgetConsumed();
  }

  /** Writes raw bytes with no codec (the bare-ring baseline, and payloads already encoded). */
  trySendBytes(payload: Uint8Array): boolean {
    return this.tryWriteEncoded(RECORD_TYPE_BYTES, payload, 0, payload.byteLength, undefined);
  }

  /**
   * Sends, blocking this thread while the ring is full (worker threads only: it uses Atomics.wait).
   * Throws MailboxFullError if no room came within `timeoutMs`.
   */
  send(message: unknown, timeoutMs = Number.POSITIVE_INFINITY): void {
    if (this.trySend(message)) return;
    this.releaseHeldWakeups();
    // Full: encode once into the scratch buffer and wait for room for exactly that.
    const { buffer, start, end } = this.codec.encode(message);
    const deadline = performance.now() + timeoutMs;
    const producer = this.producer;
    const wantedFreeBytes = producer.wantedFreeBytesAfterFull(end - start);
    for (;;) {
      const head = producer.announceWaitForSpace(wantedFreeBytes);
      if (!producer.hasFreeBytes(wantedFreeBytes)) {
        const remainingMs = deadline - performance.now();
        if (remainingMs <= 0) {
          producer.endWaitForSpace();
          throw new MailboxFullError(timeoutMs);
        }
        Atomics.wait(producer.sharedWords, RING_HEAD_INDEX, head, remainingMs);
      }
      producer.endWaitForSpace();
      if (this.tryWriteEncoded(RECORD_TYPE_MESSAGE, buffer, start, end, message)) return;
    }
  }

  /**
   * As send(), without blocking the event loop. Messages go in the order of the calls: one waits
   * behind those sent before it that are still waiting for room (its timeout counts from its call).
   */
  async sendAsync(message: unknown, timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.trySend(message)) return;
    this.releaseHeldWakeups();
    const copy = this.encodeOwnCopy(message);
    await this.queueBehindWaiting(timeoutMs, (deadline) =>
      this.writeWhenRoom(copy.byteLength, deadline, timeoutMs, () => this.tryWriteEncoded(RECORD_TYPE_MESSAGE, copy, 0, copy.byteLength, message)),
    );
  }

  /**
   * As sendAsync(), but a message that must wait is kept as it is and encoded once there is room,
   * straight into the ring: no copy of its bytes, so the caller keeps its binary fields as they
   * are until the returned promise settles. (A client's batch of large entries waiting for a
   * proposer behind on its mailbox was copied once more here: 3 copies of each entry in the
   * client where 2 are needed, counted with the copy audit at 256 entries of 64 KiB in flight.)
   */
  async sendAsyncInPlace(message: unknown, timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.trySend(message)) return;
    const payloadBytes = this.codec.measure(message);
    // Only msgpackr can encode it: through a copy, as sendAsync().
    if (payloadBytes === FAST_ENCODE_UNSUPPORTED) return this.sendAsync(message, timeoutMs);
    if (payloadBytes > this.producer.maxPayloadBytes) throw new MessageTooLargeError(payloadBytes, this.producer.maxPayloadBytes);
    this.releaseHeldWakeups();
    await this.queueBehindWaiting(timeoutMs, (deadline) => this.writeWhenRoom(payloadBytes, deadline, timeoutMs, () => this.write(message, false)));
  }

  /** Runs `writeWhenRoom` once every sendAsync() before it was written (or gave up); later trySend()s wait behind it. */
  private async queueBehindWaiting(timeoutMs: number, writeWhenRoom: (deadline: number) => Promise<void>): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    const before = this.asyncTail;
    this.asyncWaiting++;
    const written = before.then(() => writeWhenRoom(deadline)).finally(() => this.asyncWaiting--);
    this.asyncTail = written.catch(() => undefined);
    await written;
  }

  /**
   * `message` encoded into bytes of its own, for a send that waits: the codec's scratch buffer is
   * reused by the next encode on this thread, which may run meanwhile, and the message's binary
   * fields may be views of buffers their owner reuses once the send returns. Measured first and
   * encoded straight into them: one copy of a large value, not two through the scratch.
   */
  private encodeOwnCopy(message: unknown): Uint8Array {
    const payloadBytes = this.codec.measure(message);
    if (payloadBytes !== FAST_ENCODE_UNSUPPORTED) {
      const copy = new Uint8Array(payloadBytes);
      if (this.codec.encodeInto(message, copy, 0, payloadBytes) === payloadBytes) return copy;
    }
    const encoded = this.codec.encodeWithMsgpackr(message);
    // Not encoded.buffer.slice(): the scratch is a Buffer, whose slice() is a view, not a copy.
    return Uint8Array.prototype.slice.call(encoded.buffer, encoded.start, encoded.end);
  }

  /** Waits for room for a record of `payloadBytes` and calls `tryWrite` until it wrote it (MailboxFullError past `deadline`). */
  private async writeWhenRoom(payloadBytes: number, deadline: number, timeoutMs: number, tryWrite: () => boolean): Promise<void> {
    const producer = this.producer;
    const wantedFreeBytes = producer.wantedFreeBytesAfterFull(payloadBytes);
    for (;;) {
      const head = producer.announceWaitForSpace(wantedFreeBytes);
      if (!producer.hasFreeBytes(wantedFreeBytes)) {
        const remainingMs = deadline - performance.now();
        if (remainingMs <= 0) {
          producer.endWaitForSpace();
          throw new MailboxFullError(timeoutMs);
        }
        const result = Atomics.waitAsync(producer.sharedWords, RING_HEAD_INDEX, head, remainingMs);
        if (result.async) await result.value;
      }
      producer.endWaitForSpace();
      if (tryWrite()) return;
    }
  }

  /**
   * Copies encoded bytes into the ring as one record, `pad` bytes into it (the source's own lead
   * pad: every payload starts 8-aligned, so the bytes keep their address modulo 8), or unpadded
   * where the pad would make the record too large.
   */
  private tryWriteEncoded(
    type: number,
    source: Uint8Array,
    start: number,
    end: number,
    message: unknown,
    quiet = false,
    pad = 0,
    slabStart = Number.POSITIVE_INFINITY,
  ): boolean {
    const payloadBytes = end - start;
    const producer = this.producer;
    if (payloadBytes > producer.maxPayloadBytes) throw new MessageTooLargeError(payloadBytes, producer.maxPayloadBytes);
    if (payloadBytes + pad > producer.maxPayloadBytes) pad = 0;
    const at = producer.claim(recordTypeWord(type, pad), payloadBytes + pad);
    if (at < 0) return false;
    copyRange(source, start, end, producer.bytes, at + pad);
    producer.commit();
    this.remember(message, at + pad, at + pad + payloadBytes, pad, slabStart);
    if (!quiet) this.wake();
    return true;
  }
}
