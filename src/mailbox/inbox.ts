import { performance } from 'node:perf_hooks';
import { Doorbell } from './doorbell.js';
import { DOORBELL_INTERRUPT_INDEX, RECORD_TYPE_MESSAGE, RING_HEADER_BYTES } from './layout.js';
import { RingConsumer } from './ring.js';
import { threadCodec, type MessageCodec } from './codec.js';
import { defaultWaitStrategy, type WaitStrategy } from './wait-strategy.js';
import { ReusedList } from '../util/reused-list.js';
import { valueSlabData } from './value-slab.js';
import { SLAB_HOLD_RING_BYTES_MAX, SlabHold } from './slab-hold.js';

const POLLS_PER_CLOCK_READING = 8;
/** The least an adaptive spin shrinks to: about as long as the 64 polls of the old fixed spin. */
const MIN_ADAPTIVE_SPIN_MICROSECONDS = 1;

/** Receives a decoded message and the id of the link (sender) it came on. */
export type MessageHandler = (from: number, message: unknown) => void;
/**
 * Whether the receiver of link `from` takes its messages in place: handed over while their
 * records are still in the ring, binary fields as views of it (valid only during the call).
 */
export type InPlaceLinks = (from: number) => boolean;
/** Receives a raw record: payload in `bytes[start, end)`, valid only during the call. */
export type RawRecordHandler = (from: number, type: number, bytes: Uint8Array, start: number, end: number) => void;

interface IncomingLink {
  readonly from: number;
  readonly consumer: RingConsumer;
  /** The data area of the sender's value slab, where its records' references point (value-slab.ts); none if it has none. */
  readonly slab: Uint8Array | undefined;
  /** The receiver keeps values of that slab past their records (slab-hold.ts): references decode as views. */
  readonly hold: SlabHold | undefined;
}

/**
 * The receiving end of a thread: every incoming ring (one per sender) plus the thread's doorbell.
 * Draining visits the links round-robin with a per-link budget, so one chatty sender cannot starve
 * the others; waiting spins per the WaitStrategy, then parks on the doorbell.
 */
export class Inbox {
  readonly doorbell: Doorbell;
  private links: IncomingLink[] = [];
  private nextLink = 0;
  /**
   * Links whose messages wait where they are for now (backpressure on their senders): drain()
   * passes them over, and hasMessages() and wait() do not count what they hold. Asked only of a
   * link that holds records: by drain() for each such link at the start of its pass, and by
   * hasMessages().
   */
  holdsBack: ((from: number) => boolean) | undefined = undefined;
  /** Per link (by position), whether holdsBack said so at the start of the pass under way. */
  private readonly heldBackThisPass: boolean[] = [];
  private readonly codec: MessageCodec;
  // The handler and sender of the drain in progress, kept in fields so that one bound record
  // handler serves every drain: no closure is allocated per call.
  private messageHandler: MessageHandler | undefined;
  private rawHandler: RawRecordHandler | undefined;
  private currentFrom = 0;
  /** The link being drained hands its messages over in place (see drain()). */
  private currentInPlace = false;
  private inPlaceLinks: InPlaceLinks | undefined;
  /** Messages decoded from one link's records, handed over only after the records are released (reused, never reallocated). */
  private readonly decoded = new ReusedList<unknown>();
  /** On a holding link, the ring position of each decoded message's record if it took views of the slab, else NaN. */
  private readonly decodedStarts = new ReusedList<number>();
  private currentLink: IncomingLink | undefined;
  /** The message being handed over: its link's hold and its record's start (NaN: it keeps nothing of the slab). */
  private handedHold: SlabHold | undefined;
  private handedStart = Number.NaN;
  private readonly onRecord = (type: number, bytes: Uint8Array, start: number, end: number): void => {
    if (this.rawHandler !== undefined) {
      this.rawHandler(this.currentFrom, type, bytes, start, end);
    } else if (type === RECORD_TYPE_MESSAGE && this.currentInPlace) {
      this.messageHandler!(this.currentFrom, this.codec.decodeInPlace(bytes, start, end));
    } else if (type === RECORD_TYPE_MESSAGE) {
      const link = this.currentLink!;
      if (link.hold === undefined) {
        this.decoded.push(this.codec.decode(bytes, start, end));
      } else {
        const taken = this.codec.slabViewsTaken;
        this.decoded.push(this.codec.decode(bytes, start, end));
        this.decodedStarts.push(this.codec.slabViewsTaken !== taken ? link.consumer.recordStart : Number.NaN);
      }
    } else {
      throw new TypeError(`record of type ${type} on link ${this.currentFrom} where msgpack messages were expected`);
    }
  };

  /** The clock-timed spin of the next wait(), in microseconds (adapted per wait; see spin()). */
  private spinBudgetMicroseconds: number;

  constructor(
    doorbellSab: SharedArrayBuffer,
    readonly waitStrategy: WaitStrategy = defaultWaitStrategy(),
    codec: MessageCodec = threadCodec(),
  ) {
    this.doorbell = new Doorbell(doorbellSab);
    this.codec = codec;
    this.spinBudgetMicroseconds = waitStrategy.spinMicroseconds ?? 0;
  }

  /**
   * Adds the receiving end of the ring that `from` writes to, and the value slab its sender
   * references (if it has one). `holdsSlabValues`: the receiver keeps values of that slab past
   * their records (keepHanded(), slabHold()), so its references decode as views of the slab; never
   * for a link taken in place (drain()'s `inPlace`), whose views are of the ring; on a ring larger
   * than SLAB_HOLD_RING_BYTES_MAX the receiver gets copies as any other.
   */
  addLink(from: number, ringSab: SharedArrayBuffer, slabSab?: SharedArrayBuffer, holdsSlabValues = false): void {
    if (this.links.some((link) => link.from === from)) throw new RangeError(`inbox already has a link from ${from}`);
    const slab = slabSab === undefined ? undefined : valueSlabData(slabSab);
    const hold = slab !== undefined && holdsSlabValues && ringSab.byteLength - RING_HEADER_BYTES <= SLAB_HOLD_RING_BYTES_MAX ? new SlabHold(ringSab) : undefined;
    this.links = [...this.links, { from, consumer: new RingConsumer(ringSab), slab, hold }];
  }

  removeLink(from: number): void {
    for (const link of this.links) if (link.from === from) link.hold?.end();
    this.links = this.links.filter((link) => link.from !== from);
    this.nextLink = 0;
  }

  /** The ring of the link from `from`, if there is one. */
  ringOf(from: number): SharedArrayBuffer | undefined {
    return this.links.find((link) => link.from === from)?.consumer.sab;
  }

  /** The hold of the link from `from`, if its receiver keeps slab values (addLink()). */
  slabHold(from: number): SlabHold | undefined {
    return this.links.find((link) => link.from === from)?.hold;
  }

  /**
   * Called by a handler during drain(): the slab values of the message being handed over (if it
   * has any) stay where they are until its link's hold is released with a key above `key`. Those
   * it does not keep this way are valid until the hold's next release().
   */
  keepHanded(key: number): void {
    const start = this.handedStart;
    if (start === start) this.handedHold?.keep(start, key);
  }

  get linkCount(): number {
    return this.links.length;
  }

  /** Whether holdsBack (if set) says `link`'s messages wait where they are for now. */
  private heldBack(link: IncomingLink): boolean {
    return this.holdsBack !== undefined && this.holdsBack(link.from);
  }

  /** True if any link has a committed record it does not hold back. */
  hasMessages(): boolean {
    const links = this.links;
    for (let i = 0; i < links.length; i++) if (links[i]!.consumer.hasRecords() && !this.heldBack(links[i]!)) return true;
    return false;
  }

  /**
   * Decodes and hands over up to `maxPerLink` messages from each link; returns how many.
   *
   * Each link's batch is decoded, then released to its producer, then handed over. So a thread
   * that dies inside a handler has consumed exactly what it was handed: a restarted receiver on
   * the same rings never sees a message twice, and sees every message not yet taken.
   *
   * Links for which `inPlace` says so are handed over in place instead: each message while its
   * record is still in the ring, its binary fields views of the ring (no copy out), released
   * after the batch. A receiver that dies inside its handler may then see the message again
   * after a restart: only a receiver for which a duplicate is harmless may ask for it.
   */
  drain(handler: MessageHandler, maxPerLink = 256, inPlace?: InPlaceLinks): number {
    this.messageHandler = handler;
    this.rawHandler = undefined;
    this.inPlaceLinks = inPlace;
    return this.drainLinks(maxPerLink);
  }

  /** As drain(), with raw records and no decoding. */
  drainRaw(handler: RawRecordHandler, maxPerLink = 256): number {
    this.rawHandler = handler;
    this.inPlaceLinks = undefined;
    return this.drainLinks(maxPerLink);
  }

  private drainLinks(maxPerLink: number): number {
    const links = this.links;
    const linkCount = links.length;
    const decoded = this.decoded;
    const handler = this.messageHandler;
    // Which links hold back is asked once per pass, before any is drained: what the receiver takes
    // from one link does not make it hold back those after it in the same pass. Asked per link as
    // it came up, a leader's three clients' links were served unevenly (one thread of three got a
    // sixth of the appends through, at a p99 of 2.9 s against 0.5 s).
    const heldThisPass = this.heldBackThisPass;
    const holding = this.holdsBack !== undefined;
    if (holding) for (let i = 0; i < linkCount; i++) heldThisPass[i] = links[i]!.consumer.hasRecords() && this.heldBack(links[i]!);
    let total = 0;
    for (let visited = 0; visited < linkCount; visited++) {
      const at = (this.nextLink + visited) % linkCount;
      const link = links[at]!;
      if (holding && heldThisPass[at] === true) continue;
      this.currentFrom = link.from;
      this.currentInPlace = this.inPlaceLinks?.(link.from) === true;
      if (this.currentInPlace && link.hold !== undefined) throw new TypeError(`link ${link.from} both holds slab values and is taken in place`);
      this.currentLink = link;
      this.codec.receiveSlab = link.slab;
      this.codec.receiveSlabViews = link.hold !== undefined;
      decoded.clear();
      this.decodedStarts.clear();
      total += link.consumer.drain(this.onRecord, maxPerLink);
      if (this.rawHandler === undefined) {
        const hold = link.hold;
        this.handedHold = hold;
        try {
          for (let i = 0; i < decoded.length; i++) {
            if (hold !== undefined) this.handedStart = this.decodedStarts.get(i);
            handler!(link.from, decoded.get(i));
          }
        } finally {
          this.handedHold = undefined;
          this.handedStart = Number.NaN;
        }
      }
    }
    decoded.clear();
    this.currentLink = undefined;
    this.codec.receiveSlab = undefined;
    this.codec.receiveSlabViews = false;
    if (linkCount > 0) this.nextLink = (this.nextLink + 1) % linkCount;
    return total;
  }

  /**
   * The spinning part of wait(): true as soon as there is work, false once the strategy says park.
   *
   * The clock-timed part adapts when the strategy asks for it: a spin that found work doubles the
   * budget (up to the strategy's spinMicroseconds), one that ran out halves it (down to
   * MIN_ADAPTIVE_SPIN_MICROSECONDS). Why: measured on a shared 2-core machine, a 10-30 us spin
   * turns a round trip from about 15 us (two futex wake-ups) into about 1.5 us while both threads
   * have a core, but into 30-70 us when a neighbour takes one of the cores, because the spinner then
   * burns the time slice its peer needs. Failing spins shrink the budget within a few waits.
   */
  private spin(): boolean {
    const strategy = this.waitStrategy;
    const spins = strategy.spinPollsBeforePark;
    for (let i = 0; i < spins; i++) if (this.hasWork()) return true;
    const budgetMicroseconds = this.spinBudgetMicroseconds;
    if (budgetMicroseconds <= 0) return false;
    // A clock reading costs about as much as a few polls: read it once per POLLS_PER_CLOCK_READING.
    const deadlineMs = performance.now() + budgetMicroseconds / 1000;
    do {
      for (let i = 0; i < POLLS_PER_CLOCK_READING; i++) {
        if (this.hasWork()) {
          if (strategy.adaptiveSpin === true) this.spinBudgetMicroseconds = Math.min(budgetMicroseconds * 2, strategy.spinMicroseconds ?? 0);
          return true;
        }
      }
    } while (performance.now() < deadlineMs);
    if (strategy.adaptiveSpin === true) this.spinBudgetMicroseconds = Math.max(budgetMicroseconds / 2, MIN_ADAPTIVE_SPIN_MICROSECONDS);
    return false;
  }

  private hasWork(): boolean {
    return this.hasMessages() || Atomics.load(this.doorbell.words, DOORBELL_INTERRUPT_INDEX) !== 0;
  }

  /**
   * Blocks the thread until a message or an interrupt arrives, or `timeoutMs` passes: spin first,
   * then announce the park, re-check (a sender may have committed after our last look), then park.
   */
  wait(timeoutMs: number): void {
    if (this.spin()) return;
    const sequence = this.doorbell.prepareToPark();
    if (this.hasWork()) return this.doorbell.cancelPark();
    this.doorbell.park(sequence, timeoutMs);
  }

  /** As wait(), keeping the event loop free (for the main thread, or a thread with timers and ports to serve). */
  async waitAsync(timeoutMs: number): Promise<void> {
    const spins = Math.min(this.waitStrategy.spinPollsBeforePark, 64);
    for (let i = 0; i < spins; i++) if (this.hasWork()) return;
    const sequence = this.doorbell.prepareToPark();
    if (this.hasWork()) return this.doorbell.cancelPark();
    await this.doorbell.parkAsync(sequence, timeoutMs);
  }
}
